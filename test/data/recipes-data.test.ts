// The long-tail recipe dimensions on the data side: class-power sampling counts per epoch, Remix
// label arithmetic, and CutPaste (only a patch changes, only on minority rows, labels kept).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { augmentHostBatch } from '../../src/data/augment-host.ts';
import { cutPasteImage, drawCutPaste } from '../../src/data/cutpaste.ts';
import { mixLabels, remixLabels, type Mixing } from '../../src/data/mixing.ts';
import { classPowerCounts, planEpoch } from '../../src/data/sampling.ts';
import type { ImageItem } from '../../src/data/types.ts';

const items = (label: string, n: number): ImageItem[] => Array.from({ length: n }, (_, i) => ({ path: `/d/${label}/${i}.png`, label }));
const train = [...items('defect', 10), ...items('ok', 90)];
const countsOf = (batches: { item: ImageItem }[][]) => {
  const counts: Record<string, number> = {};
  for (const row of batches.flat()) counts[row.item.label] = (counts[row.item.label] ?? 0) + 1;
  return counts;
};

test('class-power sampling: each epoch has the fold size, class shares ~ n^(1 - q) (0 natural, 0.5 square-root, 1 balanced)', () => {
  const plan = (q: number, epoch: number) => planEpoch('class-power', train, { epoch, batchSize: 16, seed: 5, minorityClass: 'defect', samplingQ: q });
  assert.deepEqual(countsOf(plan(0, 0)), { defect: 10, ok: 90 });
  // sqrt: 100 x sqrt(10) / (sqrt(10) + sqrt(90)) = 25 exactly.
  assert.deepEqual(countsOf(plan(0.5, 0)), { defect: 25, ok: 75 });
  assert.deepEqual(countsOf(plan(1, 0)), { defect: 50, ok: 50 });
  for (let epoch = 1; epoch < 4; epoch++) assert.deepEqual(countsOf(plan(0.5, epoch)), { defect: 25, ok: 75 });
  // Minority repeats are marked, so they are transformed; every minority image appears before any twice.
  const minority = plan(0.5, 0).flat().filter((r) => r.item.label === 'defect');
  assert.equal(minority.filter((r) => r.repeat === 0).length, 10);
  assert.equal(new Set(minority.filter((r) => r.repeat === 0).map((r) => r.item.path)).size, 10);
  // Different epochs draw different orders; the same epoch the same.
  assert.deepEqual(plan(0.5, 1), plan(0.5, 1));
  assert.notDeepEqual(plan(0.5, 1), plan(0.5, 2));
  // sqrt of [1, 4, 9] = [1, 2, 3]: 10 x [1/6, 2/6, 3/6] = [1.67, 3.33, 5] -> [2, 3, 5] by largest remainder.
  assert.deepEqual(classPowerCounts([1, 4, 9], 10, 0.5), [2, 3, 5]);
  assert.equal(classPowerCounts([7, 13, 101], 57, 0.3).reduce((a, b) => a + b, 0), 57);
});

test('Remix: a mixed label goes to the rarer class when the count ratio reaches kappa and the rarer image weighs at least 1 - tau', () => {
  // Rows: 0 ok, 1 defect, 2 ok, 3 defect; columns [defect, ok]; counts defect 10, ok 90.
  const labels = Float32Array.from([0, 1, 1, 0, 0, 1, 1, 0]);
  const mixing: Mixing = { partner: [1, 0, 3, 2], ownWeight: [0.3, 0.7, 0.8, 0.2] };
  const remixed = Array.from(remixLabels(labels, 2, mixing, [10, 90], 3, 0.5)).map((v) => +v.toFixed(5));
  // Row 0 (ok, own 0.3 < tau, ratio 9 >= 3): all defect. Row 1 (defect, own 0.7, partner weighs 0.3 < tau): all defect.
  // Row 2 (ok, own 0.8 >= tau): plain mix 0.2 defect. Row 3 (defect, own 0.2, partner weighs 0.8): plain mix.
  assert.deepEqual(remixed, [1, 0, 1, 0, 0.2, 0.8, 0.2, 0.8]);
  assert.deepEqual(Array.from(mixLabels(labels, 2, mixing)).map((v) => +v.toFixed(5)), [0.7, 0.3, 0.7, 0.3, 0.2, 0.8, 0.2, 0.8]);
  // Below kappa nothing changes.
  assert.deepEqual(Array.from(remixLabels(labels, 2, mixing, [10, 20], 3, 0.5)), Array.from(mixLabels(labels, 2, mixing)));
});

test('Remix in a batch needs the class counts and changes labels only', () => {
  const batch = { pixels: new Float32Array(4 * 8 * 8 * 3).map((_, i) => (i % 17) / 17), labels: Float32Array.from([0, 1, 1, 0, 0, 1, 1, 0]), batch: 4, height: 8, width: 8, classes: 2 };
  const plain = augmentHostBatch(batch, ['mixup'], createRng(3), { mixupAlpha: 1 });
  const remix = augmentHostBatch(batch, ['mixup'], createRng(3), { mixupAlpha: 1, remixKappa: 3 }, undefined, { classCounts: [10, 90] });
  assert.deepEqual(remix.pixels, plain.pixels);
  assert.throws(() => augmentHostBatch(batch, ['mixup'], createRng(3), { remixKappa: 3 }), /Remix needs the images per class/);
});

test('CutPaste pastes one patch of an image elsewhere in it: pixels change only in the patch, the source is kept', () => {
  const size = 16;
  const image = new Float32Array(size * size * 3).map((_, i) => Math.sin(i) * 0.5 + 0.5);
  for (let seed = 0; seed < 20; seed++) {
    const patch = drawCutPaste(size, size, 0.1, createRng(seed));
    assert.ok(patch.height * patch.width <= 0.1 * size * size, `patch ${patch.height}x${patch.width} exceeds the area`);
    assert.ok(patch.fromTop !== patch.toTop || patch.fromLeft !== patch.toLeft);
    const out = new Float32Array(image.length);
    cutPasteImage(image, out, size, patch);
    const inPatch = (r: number, c: number) => r >= patch.toTop && r < patch.toTop + patch.height && c >= patch.toLeft && c < patch.toLeft + patch.width;
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        for (let k = 0; k < 3; k++) {
          const at = (r * size + c) * 3 + k;
          const from = ((patch.fromTop + r - patch.toTop) * size + patch.fromLeft + c - patch.toLeft) * 3 + k;
          assert.equal(out[at], inPatch(r, c) ? image[from] : image[at]);
        }
      }
    }
  }
});

test('cutpaste in a batch changes only minority rows the mask allows, keeps every label, and is seeded', () => {
  const px = 8 * 8 * 3;
  const pixels = new Float32Array(4 * px).map((_, i) => ((i * 7919) % 101) / 101);
  // Columns [defect, ok]: rows 0 and 2 defect, row 2 exempt by the mask.
  const batch = { pixels, labels: Float32Array.from([1, 0, 0, 1, 1, 0, 0, 1]), batch: 4, height: 8, width: 8, classes: 2 };
  const run = () => augmentHostBatch(batch, ['cutpaste'], createRng(9), { cutpasteMaxArea: 0.2 }, [true, true, false, true], { minorityColumn: 0 });
  const out = run();
  const row = (a: Float32Array, i: number) => Array.from(a.subarray(i * px, (i + 1) * px));
  assert.notDeepEqual(row(out.pixels, 0), row(pixels, 0));
  for (const i of [1, 2, 3]) assert.deepEqual(row(out.pixels, i), row(pixels, i));
  const changed = row(out.pixels, 0).filter((v, k) => v !== pixels[k]).length;
  assert.ok(changed > 0 && changed <= 0.2 * px, `${changed} values changed`);
  assert.deepEqual(out.labels, batch.labels);
  assert.deepEqual(run().pixels, out.pixels);
  assert.throws(() => augmentHostBatch(batch, ['cutpaste'], createRng(9)), /cutpaste needs to know the minority class/);
});
