import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import { augmentBatch, type AugmentationName } from '../../src/data/index.ts';
import { augmentHostBatch } from '../../src/data/augment.ts';
import { composeDihedral, drawCropBox } from '../../src/data/geometry.ts';
import type { HostBatch } from '../../src/data/host-batch.ts';

before(async () => {
  await tf.setBackend('cpu');
});

const N = 8;
const PIXELS = N * N * 3;

/** `batch` random images (seeded) with one-hot labels over `classes` (row i -> class i % classes). */
function randomBatch(batch: number, classes = 2, seed = 1): HostBatch {
  const rng = createRng(seed);
  const labels = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) labels[i * classes + (i % classes)] = 1;
  return { pixels: Float32Array.from({ length: batch * PIXELS }, () => rng.next()), labels, batch, height: N, width: N, classes };
}

/** Row i filled with the constant (i + 1) / (batch + 1), label one-hot on its own class i. */
function constantBatch(batch: number): HostBatch {
  const pixels = new Float32Array(batch * PIXELS);
  const labels = new Float32Array(batch * batch);
  for (let i = 0; i < batch; i++) {
    pixels.fill((i + 1) / (batch + 1), i * PIXELS, (i + 1) * PIXELS);
    labels[i * batch + i] = 1;
  }
  return { pixels, labels, batch, height: N, width: N, classes: batch };
}

const row = (pixels: Float32Array, i: number): number[] => [...pixels.subarray(i * PIXELS, (i + 1) * PIXELS)];

/** The eight symmetries of one n x n image, by brute force on coordinates. */
function symmetries(image: number[]): string[] {
  const at = (img: number[], r: number, c: number) => img.slice((r * N + c) * 3, (r * N + c) * 3 + 3);
  const build = (f: (r: number, c: number) => [number, number]) => (img: number[]) =>
    Array.from({ length: N * N }, (_, p) => at(img, ...f(Math.floor(p / N), p % N))).flat();
  const rot = build((r, c) => [c, N - 1 - r]);
  const flip = build((r, c) => [r, N - 1 - c]);
  const out: string[] = [];
  for (const start of [image, flip(image)]) {
    let img = start;
    for (let t = 0; t < 4; t++, img = rot(img)) out.push(img.join());
  }
  return out;
}

test('hflip, vflip, rot90: every row is a symmetry of its input, both outcomes occur, labels untouched', () => {
  const input = randomBatch(32);
  for (const name of ['hflip', 'vflip', 'rot90'] as const) {
    const out = augmentHostBatch(input, [name], createRng(3));
    assert.deepEqual(out.labels, input.labels);
    let changed = 0;
    for (let i = 0; i < 32; i++) {
      const options = symmetries(row(input.pixels, i));
      const got = row(out.pixels, i).join();
      assert.ok(options.includes(got), `${name}: row ${i} is a symmetry`);
      if (got !== options[0]) changed++;
    }
    assert.ok(changed > 4 && changed < 32, `${name}: ${changed} of 32 changed`);
  }
  // hflip alone only ever mirrors left-right.
  const h = augmentHostBatch(input, ['hflip'], createRng(4));
  for (let i = 0; i < 32; i++) assert.ok([0, 4].map((k) => symmetries(row(input.pixels, i))[k]).includes(row(h.pixels, i).join()));
  assert.equal(composeDihedral(composeDihedral(0, 'hflip'), 'hflip'), 0);
  assert.equal(composeDihedral(composeDihedral(composeDihedral(composeDihedral(0, 'rot90'), 'rot90'), 'rot90'), 'rot90'), 0);
});

test('the augment mask exempts rows from per-image augmentations; forced rows always change', () => {
  const input = randomBatch(16);
  const mask = Array.from({ length: 16 }, (_, i) => i % 2 === 0);
  const out = augmentHostBatch(input, ['hflip', 'vflip', 'rot90', 'crop', 'augmix'], createRng(1), {}, mask);
  for (let i = 1; i < 16; i += 2) {
    assert.deepEqual(row(out.pixels, i), row(input.pixels, i));
    assert.deepEqual(row(out.augmixViews![0], i), row(input.pixels, i));
  }
  const forced = augmentHostBatch(input, [], createRng(1), {}, undefined, { forceTransform: new Array(16).fill(true) });
  for (let i = 0; i < 16; i++) {
    assert.notDeepEqual(row(forced.pixels, i), row(input.pixels, i));
    assert.ok(symmetries(row(input.pixels, i)).includes(row(forced.pixels, i).join()));
  }
});

test('crop keeps at least cropMinArea of the image, is the same for every class, and resizes back', () => {
  const rng = createRng(9);
  for (const minArea of [0.9, 0.5]) {
    for (let k = 0; k < 2000; k++) {
      const [top, left, bottom, right] = drawCropBox(minArea, () => rng.next());
      assert.ok((bottom - top) * (right - left) >= minArea - 1e-9);
      assert.ok(top >= 0 && left >= 0 && bottom <= 1 + 1e-9 && right <= 1 + 1e-9);
    }
  }
  const input = randomBatch(8);
  const out = augmentHostBatch(input, ['crop'], createRng(2));
  assert.equal(out.pixels.length, input.pixels.length);
  assert.notDeepEqual(out.pixels, input.pixels);
  // The crop never looks at labels: swapping every label gives the same pixels.
  const swapped = { ...input, labels: input.labels.map((v) => 1 - v) };
  assert.deepEqual(augmentHostBatch(swapped, ['crop'], createRng(2)).pixels, out.pixels);
  // A minimum area of 1 keeps the whole image.
  const whole = augmentHostBatch(input, ['crop'], createRng(2), { cropMinArea: 1 });
  whole.pixels.forEach((v, k) => assert.ok(Math.abs(v - input.pixels[k]!) < 1e-5));
});

test('CutMix: labels are the pasted area fractions', () => {
  const input = constantBatch(12);
  const out = augmentHostBatch(input, ['cutmix'], createRng(11));
  let mixedRows = 0;
  for (let i = 0; i < 12; i++) {
    const own = (i + 1) / 13;
    const pixels = row(out.pixels, i);
    const ownShare = pixels.filter((v) => v === Math.fround(own)).length / pixels.length;
    const labels = [...out.labels.subarray(i * 12, (i + 1) * 12)];
    assert.ok(Math.abs(labels.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.ok(Math.abs(labels[i]! - ownShare) < 1e-6, `row ${i}: own label ${labels[i]} vs own area ${ownShare}`);
    const partner = labels.findIndex((v, c) => c !== i && v > 0);
    if (partner >= 0) {
      mixedRows++;
      const partnerShare = pixels.filter((v) => v === Math.fround((partner + 1) / 13)).length / pixels.length;
      assert.ok(Math.abs(labels[partner]! - partnerShare) < 1e-6);
    }
  }
  assert.ok(mixedRows >= 6, `${mixedRows} rows mixed`);
});

test('MixUp: labels are the blend weights of the images', () => {
  const input = constantBatch(12);
  const out = augmentHostBatch(input, ['mixup'], createRng(12), { mixupAlpha: 1 });
  for (let i = 0; i < 12; i++) {
    const labels = [...out.labels.subarray(i * 12, (i + 1) * 12)];
    const expected = labels.reduce((sum, w, c) => sum + w * ((c + 1) / 13), 0);
    for (const v of row(out.pixels, i)) assert.ok(Math.abs(v - expected) < 1e-5, `row ${i}: ${v} vs ${expected}`);
  }
  assert.ok([...out.labels].some((v) => v > 0.05 && v < 0.95), 'some labels are soft');
});

test('with both CutMix and MixUp listed each batch uses one of them', () => {
  const input = constantBatch(12);
  const constants = new Set(Array.from({ length: 12 }, (_, i) => Math.fround((i + 1) / 13)));
  const kinds: string[] = [];
  for (let seed = 0; seed < 16; seed++) {
    const out = augmentHostBatch(input, ['cutmix', 'mixup'], createRng(seed), { mixupAlpha: 1 });
    const rows = Array.from({ length: 12 }, (_, i) => row(out.pixels, i));
    // CutMix leaves only original values, some rows with two of them; MixUp leaves one blended value per row.
    const pasted = rows.some((r) => new Set(r).size > 1);
    const blended = rows.some((r) => r.some((v) => !constants.has(v)));
    assert.ok(!(pasted && blended), `seed ${seed}: one mixer per batch`);
    kinds.push(pasted ? 'cutmix' : blended ? 'mixup' : 'unmixed');
  }
  assert.ok(kinds.includes('cutmix') && kinds.includes('mixup'), kinds.join());
});

test('AugMix: two extra views, different from the clean batch and from each other, in [0, 1]', () => {
  const input = randomBatch(6);
  const out = augmentHostBatch(input, ['augmix'], createRng(5));
  assert.deepEqual(out.pixels, input.pixels, 'the clean batch is returned as x (the JSD term compares against it)');
  const [a, b] = out.augmixViews!;
  assert.equal(a.length, input.pixels.length);
  assert.notDeepEqual(a, input.pixels);
  assert.notDeepEqual(a, b);
  assert.ok([...a, ...b].every((v) => v >= -1e-6 && v <= 1 + 1e-6));
  const withMix = augmentHostBatch(input, ['augmix', 'mixup'], createRng(5));
  assert.equal(withMix.augmixViews!.length, 2, 'views survive MixUp (mixed the same way)');
});

test('augmentBatch on tensors: seeded, returns new tensors, leaves the inputs alone, leaks nothing', () => {
  const host = randomBatch(4);
  const x = tf.tensor4d(host.pixels, [4, N, N, 3]);
  const y = tf.tensor2d(host.labels, [4, 2]);
  const before = tf.memory().numTensors;
  const all: AugmentationName[] = ['hflip', 'vflip', 'rot90', 'crop', 'augmix', 'cutmix', 'mixup'];
  const first = augmentBatch(x, y, all, createRng(1));
  const second = augmentBatch(x, y, all, createRng(1));
  const third = augmentBatch(x, y, all, createRng(2));
  assert.deepEqual(first.x.shape, [4, N, N, 3]);
  assert.deepEqual(first.y.shape, [4, 2]);
  assert.deepEqual(first.augmixViews![1].shape, [4, N, N, 3]);
  assert.deepEqual(first.x.dataSync(), second.x.dataSync());
  assert.deepEqual(first.y.dataSync(), second.y.dataSync());
  assert.notDeepEqual(first.x.dataSync(), third.x.dataSync());
  assert.deepEqual(x.dataSync(), host.pixels);
  for (const out of [first, second, third]) tf.dispose([out.x, out.y, ...(out.augmixViews ?? [])]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => augmentBatch(x, y, ['blur' as AugmentationName], createRng(1)), (e: unknown) => e instanceof UserError && /unknown augmentation 'blur'/.test(e.message));
  tf.dispose([x, y]);
});
