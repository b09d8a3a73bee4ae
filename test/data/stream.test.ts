import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/rng.ts';
import { DatasetError } from '../../src/core/errors.ts';
import { AugmentPool, batchStream, ImageCache, planEpoch, scanDataset, type AugmentationName, type DatasetIndex, type PlannedImage } from '../../src/data/index.ts';
import { tinyDataset } from './fixtures.ts';

let index: DatasetIndex;
const RES = 32;
const IMAGE_BYTES = RES * RES * 3; // held as 8-bit RGB

before(async () => {
  await tf.setBackend('cpu');
  index = await scanDataset(await tinyDataset({ images: 40, minorityFraction: 0.25, size: 24 }));
});

async function collect(batches: PlannedImage[][], cache: ImageCache, extra: { prefetch?: number; augment?: boolean; workers?: number; augmentations?: AugmentationName[] } = {}) {
  const out: Array<{ x: Float32Array; y: Float32Array; shape: number[]; views: unknown }> = [];
  for await (const batch of batchStream(batches, {
    cache,
    resolution: RES,
    fit: 'stretch',
    classNames: index.classNames,
    rng: createRng(5),
    prefetch: extra.prefetch ?? 2,
    augmentations: extra.augmentations ?? (extra.augment ? ['hflip', 'rot90', 'mixup'] : []),
    augmentWorkers: extra.workers ?? 0,
  })) {
    out.push({ x: batch.x.dataSync() as Float32Array, y: batch.y.dataSync() as Float32Array, shape: batch.x.shape, views: batch.augmixViews?.map((v) => v.dataSync()) });
    tf.dispose([batch.x, batch.y, ...(batch.augmixViews ?? [])]);
  }
  return out;
}

test('the cache is an LRU under a byte budget: hits, misses, evictions, never over budget', async () => {
  const cache = new ImageCache({ budgetBytes: 3 * IMAGE_BYTES });
  const [a, b, c, d] = index.items.map((i) => i.path);
  const options = { resolution: RES, fit: 'stretch' as const };
  const first = await cache.loadBytes(a!, options);
  assert.equal(first.length, RES * RES * 3);
  await cache.load(b!, options);
  await cache.load(c!, options);
  assert.equal(await cache.loadBytes(a!, options), first, 'a hit returns the cached bytes');
  await cache.load(d!, options); // evicts b, the least recently used
  assert.deepEqual(cache.stats(), { hits: 1, misses: 4, bytes: 3 * IMAGE_BYTES, evictions: 1 });
  await cache.load(a!, options);
  await cache.load(b!, options);
  assert.deepEqual(cache.stats(), { hits: 2, misses: 5, bytes: 3 * IMAGE_BYTES, evictions: 2 });
  // Another resolution or fit is another entry; concurrent loads of one image decode once.
  await Promise.all([cache.load(a!, { resolution: 48, fit: 'cover' }), cache.load(a!, { resolution: 48, fit: 'cover' })]);
  assert.equal(cache.stats().misses, 6);
  // A budget smaller than one image caches nothing but still serves.
  const tiny = new ImageCache({ budgetBytes: IMAGE_BYTES - 1 });
  const floats = await tiny.load(a!, options);
  assert.deepEqual(floats, Float32Array.from(first, (v) => v / 255));
  assert.equal(tiny.stats().bytes, 0);
});

test('a budget smaller than the dataset streams the same batches as an unbounded one', async () => {
  const batches = planEpoch('oversample', index.items, { epoch: 0, batchSize: 8, seed: 2, minorityClass: index.minorityClass });
  const roomy = new ImageCache({ budgetBytes: 1e9 });
  const small = new ImageCache({ budgetBytes: 4 * IMAGE_BYTES });
  const expected = await collect(batches, roomy, { augment: true });
  const got = await collect(batches, small, { augment: true, prefetch: 0 });
  assert.equal(got.length, batches.length);
  assert.deepEqual(got, expected);
  assert.ok(small.stats().evictions > 0);
  assert.ok(small.stats().bytes <= 4 * IMAGE_BYTES);
  assert.ok(small.stats().misses > roomy.stats().misses, 'the small cache went back to disk');
});

test('batches carry one-hot labels in class-name order and the planned images in order', async () => {
  const batches = planEpoch('none', index.items, { epoch: 0, batchSize: 16, seed: 1, minorityClass: index.minorityClass });
  const cache = new ImageCache({ budgetBytes: 1e8 });
  const out = await collect(batches, cache);
  assert.deepEqual(out.map((b) => b.shape), [[16, RES, RES, 3], [16, RES, RES, 3], [8, RES, RES, 3]]);
  batches.forEach((batch, b) =>
    batch.forEach((row, i) => {
      const column = index.classNames.indexOf(row.item.label);
      assert.deepEqual([...out[b]!.y.subarray(i * 2, i * 2 + 2)], column === 0 ? [1, 0] : [0, 1]);
    }),
  );
  const decoded = await cache.load(batches[1]![3]!.item.path, { resolution: RES, fit: 'stretch' });
  assert.deepEqual(out[1]!.x.subarray(3 * RES * RES * 3, 4 * RES * RES * 3), decoded);
  assert.equal(tf.memory().numTensors, 0, 'nothing left behind');
});

test('oversampled repeats never reach the model pixel-identical to their original', async () => {
  const train = index.items;
  const batches = planEpoch('oversample', train, { epoch: 0, batchSize: 64, seed: 4, minorityClass: index.minorityClass });
  const cache = new ImageCache({ budgetBytes: 1e8 });
  const out = await collect(batches, cache);
  const rows = batches.flat();
  const x = out.flatMap((b) => Array.from({ length: b.shape[0]! }, (_, i) => b.x.subarray(i * RES * RES * 3, (i + 1) * RES * RES * 3)));
  let repeats = 0;
  rows.forEach((row, i) => {
    if ((row.repeat ?? 0) === 0) return;
    repeats++;
    const original = rows.findIndex((r) => r.item.path === row.item.path && r.repeat === 0);
    assert.notDeepEqual(x[i], x[original]);
  });
  assert.ok(repeats >= 10);
});

test('an image that fails to decode mid-stream is a DatasetError naming it; early exit leaks no tensors', async () => {
  const cache = new ImageCache({ budgetBytes: 1e8 });
  const rows = index.items.slice(0, 4).map((item) => ({ item, augment: true }));
  const broken = [[rows[0]!, rows[1]!], [{ item: { path: '/nonexistent/x.png', label: 'ok' }, augment: true }]];
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const batch of batchStream(broken, { cache, resolution: RES, fit: 'stretch', classNames: index.classNames, rng: createRng(1) })) {
        seen.push(batch.x.shape[0]);
        tf.dispose([batch.x, batch.y]);
      }
    })(),
    (e: unknown) => e instanceof DatasetError && e.where === '/nonexistent/x.png',
  );
  assert.deepEqual(seen, [2]);
  for await (const batch of batchStream([rows, rows, rows], { cache, resolution: RES, fit: 'stretch', classNames: index.classNames, rng: createRng(1) })) {
    tf.dispose([batch.x, batch.y]);
    break;
  }
  assert.equal(tf.memory().numTensors, 0);
});

test('augmenting on worker threads gives the very same batches as on this thread', async () => {
  const batches = planEpoch('oversample', index.items, { epoch: 1, batchSize: 8, seed: 6, minorityClass: index.minorityClass });
  const augmentations: AugmentationName[] = ['hflip', 'vflip', 'rot90', 'crop', 'augmix', 'cutmix', 'mixup'];
  const cache = new ImageCache({ budgetBytes: 1e8 });
  const inThread = await collect(batches, cache, { augmentations });
  const onWorkers = await collect(batches, cache, { augmentations, workers: 2 });
  assert.equal(onWorkers.length, batches.length);
  assert.ok(onWorkers.every((b) => Array.isArray(b.views) && b.views.length === 2));
  assert.deepEqual(onWorkers, inThread);

  const pool = new AugmentPool();
  const batch = { pixels: new Float32Array(RES * RES * 3), labels: new Float32Array([1, 0]), batch: 1, height: RES, width: RES, classes: 2 };
  await assert.rejects(pool.run({ batch, augmentations: ['blur' as AugmentationName], seed: 1 }), /augmentation worker: UserError: unknown augmentation 'blur'/);
  await pool.close();
});
