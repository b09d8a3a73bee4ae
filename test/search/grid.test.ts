import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStudy, enumerateGrid, paramsKey } from '../../src/search/index.ts';
import { parseSearchSpace } from '../../src/config/space.ts';

const SPACE = parseSearchSpace({
  loss: { type: 'categorical', values: ['ce', 'focal'] },
  focalGamma: { type: 'float', low: 0.5, high: 5, values: [1, 2, 3], when: { loss: ['focal'] } },
  layers: { type: 'int', low: 1, high: 3 },
  dropout: { type: 'float', low: 0, high: 0.2, step: 0.1 },
  epochs: { type: 'fixed', value: 4 },
});
// ce: 3 layers x 3 dropouts; focal: 3 gammas x 3 x 3.
const SIZE = 9 + 27;

test('the grid is the product over active parameters only, with steps and int ranges enumerated', () => {
  const points = enumerateGrid(SPACE);
  assert.equal(points.length, SIZE);
  assert.equal(new Set(points.map(paramsKey)).size, SIZE);
  assert.ok(points.every((p) => p.epochs === 4 && ('focalGamma' in p) === (p.loss === 'focal')));
  assert.deepEqual([...new Set(points.map((p) => p.dropout))].sort(), [0, 0.1, 0.2]);
});

test('with every point in flight at once there are no duplicates, then the grid is exhausted', () => {
  const study = createStudy({ space: SPACE, sampler: 'grid', seed: 3, direction: 'maximize' });
  const asked = [];
  for (let t = study.ask(); t; t = study.ask()) asked.push(t);
  assert.equal(asked.length, SIZE);
  assert.equal(new Set(asked.map((t) => paramsKey(t.params))).size, SIZE);
  assert.equal(study.ask(), null);
  // Failed and pruned points count as visited: still exhausted after they finish.
  study.tell(asked[0]!.id, { state: 'failed' });
  study.tell(asked[1]!.id, { state: 'pruned' });
  assert.equal(study.ask(), null);
});

test('the order is a seeded shuffle, and a restored study continues it without repeating', () => {
  const order = (seed: number) => {
    const study = createStudy({ space: SPACE, sampler: 'grid', seed, direction: 'maximize' });
    return Array.from({ length: 10 }, () => paramsKey(study.ask()!.params));
  };
  assert.deepEqual(order(1), order(1));
  assert.notDeepEqual(order(1), order(2));
  assert.notDeepEqual(order(1), enumerateGrid(SPACE).slice(0, 10).map(paramsKey), 'not the declaration order');

  const original = createStudy({ space: SPACE, sampler: 'grid', seed: 9, direction: 'maximize' });
  for (let i = 0; i < 20; i++) original.tell(original.ask()!.id, i);
  const restored = createStudy({ space: SPACE, sampler: 'grid', seed: 9, direction: 'maximize', trials: original.trials() });
  const rest = [];
  for (let t = restored.ask(); t; t = restored.ask()) rest.push(paramsKey(t.params));
  assert.equal(rest.length, SIZE - 20);
  const all = new Set([...original.trials().map((t) => paramsKey(t.params)), ...rest]);
  assert.equal(all.size, SIZE);
});

test('explicit values of int and float ranges are the grid, not the range', () => {
  const space = parseSearchSpace({ lr: { type: 'float', low: 1e-5, high: 1e-2, log: true, values: [1e-4, 1e-3] }, res: { type: 'int', low: 256, high: 600, step: 8, values: [256, 512] } });
  assert.deepEqual(enumerateGrid(space).map(paramsKey).sort(), [
    paramsKey({ lr: 1e-4, res: 256 }), paramsKey({ lr: 1e-4, res: 512 }), paramsKey({ lr: 1e-3, res: 256 }), paramsKey({ lr: 1e-3, res: 512 }),
  ].sort());
});
