import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { TrialSpecSchema, formatAugmentationList, parseTrialSpec, specFromParams } from '../../src/config/trial.ts';

test('a minimal spec gets the documented defaults', () => {
  const spec = parseTrialSpec({ dataset: { path: 'data/demo' } });
  assert.equal(spec.folds, 3);
  assert.equal(spec.holdout, 0.2);
  assert.equal(spec.loss, 'ce');
  assert.equal(spec.minorityWeight, 1);
  assert.deepEqual(spec.augmentations, []);
  assert.equal(spec.earlyStopping, null);
  assert.equal(spec.backend, 'auto');
});

test('unknown keys and bad values name the field path', () => {
  assert.throws(() => parseTrialSpec({ dataset: { path: 'd' }, epoch: 3 }, 'x.yaml'), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.where, 'x.yaml');
    assert.match(error.message, /epoch/);
    return true;
  });
  assert.throws(() => parseTrialSpec({ dataset: { path: 'd' }, resolution: 16 }), /resolution/);
  assert.throws(() => parseTrialSpec({ dataset: { path: 'd' }, augmentations: ['hflip', 'spin'] }), /augmentations\[1\]/);
  assert.throws(() => parseTrialSpec({ dataset: { path: 'd' }, holdout: 2.5 }), /holdout/);
});

test('a minorityWeight below 1 is an error that explains the direction', () => {
  assert.throws(
    () => parseTrialSpec({ dataset: { path: 'd' }, minorityWeight: 0.25 }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /minorityWeight: must be >= 1/);
      assert.match(error.message, /minority class weight divided by the majority class weight/);
      assert.match(error.message, /write 4/);
      return true;
    },
  );
  assert.equal(parseTrialSpec({ dataset: { path: 'd' }, minorityWeight: 'auto' }).minorityWeight, 'auto');
});

test('specFromParams maps flat search params onto the spec', () => {
  const spec = specFromParams(
    { dataset: { path: 'data/demo' }, seed: 7, earlyStopping: { patience: 2, minDelta: 0 } },
    {
      backbone: 'small-cnn',
      resolution: 48,
      augmentation: 'hflip+vflip+cutmix',
      cutmixAlpha: 0.5,
      minorityWeight: 9,
      loss: 'focal',
      focalGamma: 1.5,
      earlyStoppingMinDelta: 0.01,
      minorityClass: 'defect',
      weights: 'none',
    },
  );
  assert.deepEqual(spec.augmentations, ['hflip', 'vflip', 'cutmix']);
  assert.deepEqual(spec.augmentationOptions, { cutmixAlpha: 0.5 });
  assert.equal(spec.resolution, 48);
  assert.equal(spec.minorityWeight, 9);
  assert.equal(spec.focalGamma, 1.5);
  assert.equal(spec.seed, 7);
  assert.deepEqual(spec.earlyStopping, { patience: 2, minDelta: 0.01, validationFraction: 0.2 });
  assert.deepEqual(spec.dataset, { path: 'data/demo', minorityClass: 'defect' });
  assert.equal(spec.weights, null);
  assert.equal(formatAugmentationList(spec.augmentations), 'hflip+vflip+cutmix');
  assert.deepEqual(specFromParams({ dataset: { path: 'd' } }, { augmentation: 'none', earlyStoppingPatience: 0 }).augmentations, []);
  assert.deepEqual(specFromParams({ dataset: { path: 'd' } }, { earlyStoppingPatience: 4 }).earlyStopping, { patience: 4, minDelta: 0, validationFraction: 0.2 });
});

test('specFromParams rejects unknown names and bad values', () => {
  assert.throws(
    () => specFromParams({ dataset: { path: 'd' } }, { learningrate: 0.1 }),
    (error: unknown) => error instanceof ConfigError && error.where === 'params.learningrate' && /learningrate/.test(error.message),
  );
  assert.throws(() => specFromParams({ dataset: { path: 'd' } }, { augmentation: 'hflip+twirl' }), /augmentations\[1\]/);
  assert.throws(() => specFromParams({ dataset: { path: 'd' } }, { minorityWeight: 0.5 }), /minorityWeight/);
});

test('a parsed spec parses again to itself (export round trip)', () => {
  const spec = parseTrialSpec({ dataset: { path: 'd' }, sampling: 'oversample', oversampleRatio: 0.5, augmentations: ['augmix'] });
  assert.deepEqual(TrialSpecSchema.parse(JSON.parse(JSON.stringify(spec))), spec);
});

test('the search space name samplingStrategy maps onto sampling', () => {
  assert.equal(specFromParams({ dataset: { path: 'd' } }, { samplingStrategy: 'balanced-batch' }).sampling, 'balanced-batch');
});

test('a spec file resolves a relative dataset path against its own folder', async () => {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { loadTrialSpecFile } = await import('../../src/config/trial-file.ts');
  const dir = await mkdtemp(path.join(tmpdir(), 'skewer-spec-'));
  const file = path.join(dir, 'trial.yaml');
  await writeFile(file, 'dataset:\n  path: ../images\nminorityWeight: auto\n');
  const spec = await loadTrialSpecFile(file);
  assert.equal(spec.dataset.path, path.resolve(dir, '../images'));
  assert.equal(spec.minorityWeight, 'auto');
  await writeFile(file, 'dataset:\n  path: x\nminorityWeight: 0.5\n');
  await assert.rejects(loadTrialSpecFile(file), (error: unknown) => error instanceof ConfigError && error.where === file && /minorityWeight/.test(error.message));
});
