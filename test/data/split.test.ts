import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DatasetError, UserError } from '../../src/core/errors.ts';
import { holdoutPerClass, splitDataset, stratifiedHoldOut, type DatasetIndex } from '../../src/data/index.ts';
import { countBy, fakeItems } from './fixtures.ts';

function fakeIndex(minority: number, majority: number): DatasetIndex {
  const items = fakeItems(minority, majority);
  return {
    root: '/d',
    classNames: ['defect', 'ok'],
    minorityClass: 'defect',
    majorityClass: 'ok',
    items,
    counts: { defect: minority, ok: majority },
    unreadable: [],
    hash: 'x',
    imageSizes: { minWidth: 16, maxWidth: 16, minHeight: 16, maxHeight: 16 },
  };
}

const paths = (items: readonly { path: string }[]): string[] => items.map((i) => i.path);

test('holdout first and balanced; folds partition the rest; every set disjoint', () => {
  const index = fakeIndex(31, 269);
  const splits = splitDataset(index, { holdout: 6, folds: 3, seed: 7 });
  assert.deepEqual(countBy(splits.holdout, (i) => i.label), { defect: 6, ok: 6 });
  assert.equal(splits.nonHoldout.length, 300 - 12);
  const held = new Set(paths(splits.holdout));
  assert.ok(splits.nonHoldout.every((i) => !held.has(i.path)));
  const validations = splits.folds.flatMap((f) => paths(f.validation));
  assert.equal(new Set(validations).size, validations.length, 'no image validates twice');
  assert.deepEqual([...validations].sort(), paths(splits.nonHoldout).sort(), 'the validation sets cover the non-holdout');
  for (const fold of splits.folds) {
    const train = new Set(paths(fold.train));
    assert.ok(fold.validation.every((i) => !train.has(i.path)), 'train and validation disjoint');
    assert.ok(fold.train.every((i) => !held.has(i.path)), 'holdout never trains');
    assert.equal(fold.train.length + fold.validation.length, splits.nonHoldout.length);
  }
});

test('each fold keeps the class ratio (within one image per class)', () => {
  const splits = splitDataset(fakeIndex(40, 360), { holdout: 0.2, folds: 3, seed: 1 });
  assert.deepEqual(countBy(splits.holdout, (i) => i.label), { defect: 8, ok: 8 });
  // 32 defect and 352 ok remain: 10-11 and 117-118 per fold.
  for (const fold of splits.folds) {
    const v = countBy(fold.validation, (i) => i.label);
    assert.ok(v.defect! >= 10 && v.defect! <= 11, `defect ${v.defect}`);
    assert.ok(v.ok! >= 117 && v.ok! <= 118, `ok ${v.ok}`);
  }
  const sizes = splits.folds.map((f) => f.validation.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
});

test('deterministic by seed; another seed another split; the holdout ignores the fold count', () => {
  const index = fakeIndex(30, 120);
  const a = splitDataset(index, { holdout: 5, folds: 3, seed: 'study-1' });
  const b = splitDataset(index, { holdout: 5, folds: 3, seed: 'study-1' });
  const c = splitDataset(index, { holdout: 5, folds: 3, seed: 'study-2' });
  assert.deepEqual(a, b);
  assert.notDeepEqual(paths(a.holdout), paths(c.holdout));
  assert.notDeepEqual(paths(a.folds[0]!.validation), paths(c.folds[0]!.validation));
  const five = splitDataset(index, { holdout: 5, folds: 5, seed: 'study-1' });
  assert.deepEqual(paths(five.holdout), paths(a.holdout), 'changing k never moves an image into or out of the sealed holdout');
  // The order items arrive in does not matter.
  const shuffled = { ...index, items: [...index.items].reverse() };
  assert.deepEqual(splitDataset(shuffled, { holdout: 5, folds: 3, seed: 'study-1' }), a);
});

test('holdout as a count, a fraction of the minority, or none', () => {
  assert.equal(holdoutPerClass(12, 40), 12);
  assert.equal(holdoutPerClass(0.25, 40), 10);
  assert.equal(holdoutPerClass(0.01, 40), 1, 'a fraction holds out at least one image');
  assert.equal(holdoutPerClass(0, 40), 0);
  assert.throws(() => holdoutPerClass(2.5, 40), UserError);
  assert.throws(() => holdoutPerClass(-1, 40), UserError);
  assert.equal(splitDataset(fakeIndex(9, 30), { holdout: 0, folds: 3, seed: 1 }).holdout.length, 0);
});

test('a minority too small for the holdout and the folds is a DatasetError naming the counts', () => {
  assert.throws(
    () => splitDataset(fakeIndex(7, 100), { holdout: 5, folds: 3, seed: 1 }),
    (e: unknown) => e instanceof DatasetError && /holdout of 5 per class and 3 folds \(counts: defect=7, ok=100\)/.test(e.message) && /at least 8/.test(e.message),
  );
  assert.doesNotThrow(() => splitDataset(fakeIndex(8, 100), { holdout: 5, folds: 3, seed: 1 }));
  assert.throws(() => splitDataset(fakeIndex(8, 100), { holdout: 5, folds: 1, seed: 1 }), (e: unknown) => e instanceof UserError && /folds is 1/.test(e.message));
});

test('the inner validation split is stratified, disjoint, seeded and independent of input order', () => {
  const items = fakeItems(7, 30);
  const { fit, validation } = stratifiedHoldOut(items, 0.25, 'seed/fold0/inner');
  assert.deepEqual(countBy(validation, (i) => i.label), { defect: 2, ok: 8 });
  assert.deepEqual(countBy(fit, (i) => i.label), { defect: 5, ok: 22 });
  assert.deepEqual(new Set([...paths(fit), ...paths(validation)]).size, 37, 'every image in exactly one part');
  const again = stratifiedHoldOut([...items].reverse(), 0.25, 'seed/fold0/inner');
  assert.deepEqual(paths(again.validation), paths(validation));
  assert.notDeepEqual(paths(stratifiedHoldOut(items, 0.25, 'other').validation), paths(validation));
  // A tiny class still gives one image to each part; a single image cannot be split.
  assert.deepEqual(countBy(stratifiedHoldOut(fakeItems(2, 10), 0.1, 1).validation, (i) => i.label), { defect: 1, ok: 1 });
  assert.throws(() => stratifiedHoldOut(fakeItems(1, 10), 0.2, 1), DatasetError);
});

test('repeated k-fold: the first repeat is the plain k-fold, each repeat partitions the same non-holdout, the repeats differ', () => {
  const index = fakeIndex(31, 269);
  const plain = splitDataset(index, { holdout: 6, folds: 3, seed: 7 });
  const repeated = splitDataset(index, { holdout: 6, folds: 3, repeats: 3, seed: 7 });
  assert.deepEqual(splitDataset(index, { holdout: 6, folds: 3, repeats: 1, seed: 7 }), plain, 'one repeat is the k-fold of old, bit for bit');
  assert.equal(repeated.folds.length, 9, 'folds x repeats, repeat by repeat');
  assert.deepEqual(repeated.folds.slice(0, 3), plain.folds);
  assert.deepEqual(paths(repeated.holdout), paths(plain.holdout), 'repeats never move an image into or out of the holdout');
  assert.deepEqual(paths(repeated.nonHoldout), paths(plain.nonHoldout));
  for (let repeat = 0; repeat < 3; repeat++) {
    const own = repeated.folds.slice(repeat * 3, repeat * 3 + 3);
    const validations = own.flatMap((f) => paths(f.validation));
    assert.deepEqual([...validations].sort(), paths(plain.nonHoldout).sort(), `repeat ${repeat}: each image validates exactly once`);
    for (const fold of own) {
      const v = countBy(fold.validation, (i) => i.label);
      // 25 defect and 263 ok remain: 8-9 and 87-88 per fold.
      assert.ok(v.defect! >= 8 && v.defect! <= 9 && v.ok! >= 87 && v.ok! <= 88, `repeat ${repeat} stratified: ${JSON.stringify(v)}`);
    }
  }
  assert.notDeepEqual(paths(repeated.folds[3]!.validation), paths(repeated.folds[0]!.validation), 'the second repeat is another draw');
  assert.notDeepEqual(paths(repeated.folds[6]!.validation), paths(repeated.folds[3]!.validation));
  assert.deepEqual(splitDataset(index, { holdout: 6, folds: 3, repeats: 3, seed: 7 }), repeated, 'deterministic by seed');
  assert.throws(() => splitDataset(index, { holdout: 6, folds: 3, repeats: 0, seed: 7 }), (e: unknown) => e instanceof UserError && /repeats is 0/.test(e.message));
});
