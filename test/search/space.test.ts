import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { SearchSpaceSchema, parseSearchSpace } from '../../src/config/space.ts';
import { createStudy, enumerateGrid } from '../../src/search/index.ts';

function problemOf(space: unknown): string {
  try {
    parseSearchSpace(space);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the space to be rejected');
}

test('the issue example parses, and parsing a parsed space is idempotent', () => {
  const space = {
    backbone: { type: 'categorical', values: ['densenet121', 'densenet201', 'efficientnetb3'] },
    resolution: { type: 'int', low: 256, high: 600, step: 8 },
    minorityWeight: { type: 'float', low: 1, high: 50, log: true },
    loss: { type: 'categorical', values: ['ce', 'focal'] },
    focalGamma: { type: 'float', low: 0.5, high: 5, when: { loss: ['focal'] } },
    epochs: { type: 'fixed', value: 10 },
  };
  const parsed = parseSearchSpace(space);
  assert.deepEqual(parseSearchSpace(parsed), parsed);
  assert.deepEqual(parsed, space);
});

test('configs/recipe-space.yaml is a valid space whose value lists make a grid', async () => {
  const space = await loadConfigFile(SearchSpaceSchema, 'configs/recipe-space.yaml');
  assert.deepEqual(Object.keys(space).sort(), [
    'augmentation', 'backbone', 'batchSize', 'cutmixAlpha', 'epochs', 'learningRate', 'minorityWeight', 'mixupAlpha', 'resolution', 'samplingStrategy',
  ]);
  // 5 strategies x (4 plain + 2 cutmix x 2 alphas + 2 mixup x 2 alphas) x 3 backbones x 4 resolutions x 5 weights x 3 rates x 3 batch sizes
  assert.equal(enumerateGrid(space).length, 5 * 12 * 3 * 4 * 5 * 3 * 3);
});

test('range errors name the field and the rule', () => {
  assert.match(problemOf({ lr: { type: 'float', low: 1, high: 1 } }), /lr\.high: high \(1\) must be greater than low \(1\)/);
  assert.match(problemOf({ lr: { type: 'float', low: 2, high: 1 } }), /lr\.high/);
  assert.match(problemOf({ n: { type: 'int', low: 5, high: 4 } }), /n\.high: high \(4\) must be at least low \(5\)/);
  assert.match(problemOf({ lr: { type: 'float', low: 0, high: 1, log: true } }), /lr\.low: a log range needs low > 0/);
  assert.match(problemOf({ r: { type: 'int', low: 256, high: 600, step: 7 } }), /r\.step: step 7 does not divide/);
  assert.match(problemOf({ r: { type: 'int', low: 1, high: 10, step: 1.5 } }), /r\.step: an int step must be a whole number/);
  assert.match(problemOf({ r: { type: 'int', low: 1, high: 10.5 } }), /r\.high/);
  assert.match(problemOf({ w: { type: 'float', low: 1, high: 50, log: true, step: 1 } }), /w\.step: step cannot be combined with log/);
  assert.match(problemOf({ w: { type: 'float', low: 1, high: 5, values: [1, 7] } }), /w\.values\[1\]: 7 lies outside low\.\.high/);
  assert.match(problemOf({ c: { type: 'categorical', values: [] } }), /c\.values: a categorical needs at least one value/);
  assert.match(problemOf({ c: { type: 'categorical', values: ['a', 'a'] } }), /c\.values: values must be distinct/);
  assert.match(problemOf({}), /the space has no parameters/);
});

test('unknown keys and unknown types are errors', () => {
  assert.match(problemOf({ lr: { type: 'float', low: 0.1, high: 1, lgo: true } }), /lr: Unrecognized key: "lgo"/);
  assert.match(problemOf({ lr: { type: 'real', low: 0.1, high: 1 } }), /lr\.type/);
  assert.match(problemOf({ 'bad name': { type: 'fixed', value: 1 } }), /parameter names start with a letter/);
});

test('conditions must point at a categorical or fixed parent and its real values, without cycles', () => {
  const base = { loss: { type: 'categorical', values: ['ce', 'focal'] }, lr: { type: 'float', low: 0.1, high: 1 } };
  assert.match(problemOf({ ...base, g: { type: 'float', low: 0.5, high: 5, when: { los: ['focal'] } } }), /g\.when\.los: unknown parent parameter 'los'/);
  assert.match(problemOf({ ...base, g: { type: 'float', low: 0.5, high: 5, when: { loss: ['fokal'] } } }), /g\.when\.loss\[0\]: 'loss' never takes "fokal"/);
  assert.match(problemOf({ ...base, g: { type: 'float', low: 0.5, high: 5, when: { lr: [0.5] } } }), /'lr' is a float range; conditions need a categorical or fixed parent/);
  assert.match(problemOf({ ...base, g: { type: 'float', low: 0.5, high: 5, when: { loss: [] } } }), /g\.when\.loss: list at least one parent value/);
  assert.match(
    problemOf({
      a: { type: 'categorical', values: [1, 2], when: { b: [1] } },
      b: { type: 'categorical', values: [1, 2], when: { a: [1] } },
    }),
    /conditions form a cycle: (a -> b -> a|b -> a -> b)/,
  );
});

test('grid over a float range without values or step is an error that says what to do', () => {
  const study = createStudy({ space: { lr: { type: 'float', low: 0.001, high: 0.1, log: true } }, sampler: 'grid', seed: 1, direction: 'maximize' });
  assert.throws(() => study.ask(), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.where, 'space.lr');
    assert.match(error.message, /grid search cannot enumerate the float range 0\.001\.\.0\.1/);
    assert.match(error.hint ?? '', /explicit values/);
    return true;
  });
});
