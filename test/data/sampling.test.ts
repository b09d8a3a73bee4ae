import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { planEpoch, SAMPLING_STRATEGIES, type PlannedImage, type SamplingStrategy } from '../../src/data/index.ts';
import { countBy, fakeItems } from './fixtures.ts';

// A training fold of 12 defect and 100 ok images.
const train = fakeItems(12, 100);
const base = { batchSize: 16, seed: 3, minorityClass: 'defect' };
const plan = (strategy: SamplingStrategy, epoch = 0, extra: Partial<typeof base & { oversampleRatio: number }> = {}): PlannedImage[][] =>
  planEpoch(strategy, train, { ...base, epoch, ...extra });
const labels = (batches: PlannedImage[][]): Record<string, number> => countBy(batches.flat(), (p) => p.item.label);
const pathsOf = (batches: PlannedImage[][], label: string): string[] =>
  batches.flat().filter((p) => p.item.label === label).map((p) => p.item.path).sort();

test('none: every image once, shuffled, in batches of batchSize (the last may be short)', () => {
  const batches = plan('none');
  assert.deepEqual(labels(batches), { defect: 12, ok: 100 });
  assert.deepEqual(batches.map((b) => b.length), [16, 16, 16, 16, 16, 16, 16]);
  assert.deepEqual(planEpoch('none', train, { ...base, batchSize: 20, epoch: 0 }).map((b) => b.length), [20, 20, 20, 20, 20, 12]);
  assert.equal(new Set(batches.flat().map((p) => p.item.path)).size, 112);
  assert.notDeepEqual(batches.flat().map((p) => p.item.path), train.map((i) => i.path), 'shuffled');
  assert.notDeepEqual(plan('none', 1).flat().map((p) => p.item.path), batches.flat().map((p) => p.item.path), 'reshuffled per epoch');
  assert.ok(batches.flat().every((p) => p.augment && p.repeat === 0));
});

test('undersample: majority cut to the minority count once, the same subset every epoch', () => {
  const e0 = plan('undersample', 0);
  const e1 = plan('undersample', 1);
  assert.deepEqual(labels(e0), { defect: 12, ok: 12 });
  assert.deepEqual(pathsOf(e0, 'defect'), train.slice(0, 12).map((i) => i.path));
  assert.deepEqual(pathsOf(e0, 'ok'), pathsOf(e1, 'ok'));
  assert.notDeepEqual(e0.flat().map((p) => p.item.path), e1.flat().map((p) => p.item.path), 'order still reshuffled');
});

test('undersample-per-epoch: a fresh majority subset every epoch', () => {
  const subsets = [0, 1, 2, 3].map((epoch) => pathsOf(plan('undersample-per-epoch', epoch), 'ok'));
  for (const subset of subsets) assert.equal(subset.length, 12);
  assert.equal(new Set(subsets.map((s) => s.join())).size, 4, 'four epochs, four different subsets');
  const seen = new Set(subsets.flat());
  assert.ok(seen.size > 30, `over 4 epochs many majority images are used (${seen.size})`);
  assert.deepEqual(labels(plan('undersample-per-epoch', 5)), { defect: 12, ok: 12 });
  assert.deepEqual(plan('undersample-per-epoch', 2), plan('undersample-per-epoch', 2), 'deterministic per epoch');
});

test('oversample: minority repeated evenly up to the target ratio; repeats marked for augmentation', () => {
  const batches = plan('oversample');
  assert.deepEqual(labels(batches), { defect: 100, ok: 100 });
  const defects = batches.flat().filter((p) => p.item.label === 'defect');
  const perImage = Object.values(countBy(defects, (p) => p.item.path));
  assert.equal(perImage.length, 12, 'every minority image appears');
  assert.ok(Math.max(...perImage) - Math.min(...perImage) <= 1, `evenly repeated: ${perImage}`);
  assert.equal(defects.filter((p) => p.repeat === 0).length, 12, 'each image once as the original');
  assert.ok(defects.filter((p) => (p.repeat ?? 0) > 0).every((p) => p.augment), 'repeats are augmented');
  assert.ok(batches.flat().filter((p) => p.item.label === 'ok').every((p) => p.repeat === 0));
  assert.deepEqual(labels(plan('oversample', 0, { oversampleRatio: 0.5 })), { defect: 50, ok: 100 });
  assert.throws(() => plan('oversample', 0, { oversampleRatio: 0 }), UserError);
});

test('balanced-batch: every batch holds equal class shares; the epoch has as many images as the fold', () => {
  const batches = plan('balanced-batch');
  assert.equal(batches.length, 7);
  for (const batch of batches) assert.deepEqual(countBy(batch, (p) => p.item.label), { defect: 8, ok: 8 });
  // Odd batch sizes alternate the extra image between the classes.
  const odd = planEpoch('balanced-batch', train, { ...base, batchSize: 5, epoch: 0 });
  for (const batch of odd) assert.equal(batch.length, 5);
  const oddCounts = labels(odd);
  assert.ok(Math.abs(oddCounts.defect! - oddCounts.ok!) <= 1, JSON.stringify(oddCounts));
  // The majority is not repeated within an epoch; the minority cycles through all its images.
  assert.equal(new Set(pathsOf(batches, 'ok')).size, 56);
  assert.equal(new Set(pathsOf(batches, 'defect')).size, 12);
});

test('every strategy is deterministic by seed and epoch; bad inputs are UserErrors', () => {
  for (const strategy of SAMPLING_STRATEGIES) {
    assert.deepEqual(plan(strategy, 4), plan(strategy, 4), strategy);
    assert.notDeepEqual(plan(strategy, 4, { seed: 99 }), plan(strategy, 4), strategy);
  }
  assert.throws(() => plan('none', 0, { batchSize: 0 }), UserError);
  assert.throws(() => plan('smote' as SamplingStrategy), (e: unknown) => e instanceof UserError && /unknown sampling strategy 'smote'/.test(e.message));
  assert.throws(() => planEpoch('none', fakeItems(0, 10), { ...base, epoch: 0 }), (e: unknown) => e instanceof UserError && /'defect' has no images/.test(e.message));
});
