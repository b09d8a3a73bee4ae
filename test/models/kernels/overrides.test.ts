// The wasm kernel overrides (Tile, BatchMatMul with transposes, Identity, SplitV, Concat, broadcasting
// element-wise ops) give the cpu backend's values, including the cases they hand back to the stock
// kernel, and leak nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { liveCounts, randomValues, runOn, useBackend, wasmVsCpu } from './compare.ts';

function assertClose(error: number, what: string): void {
  assert.ok(error < 1e-4, `${what}: relative error ${error}`);
}

test('Tile matches cpu for vectors, broadcast-style and inner repeats, and non-float dtypes', async () => {
  const cases: Array<{ shape: number[]; reps: number[] }> = [
    { shape: [1, 1, 1, 5], reps: [3, 4, 2, 1] },
    { shape: [2, 3], reps: [2, 3] },
    { shape: [4, 1], reps: [1, 7] },
    { shape: [3], reps: [5] },
    { shape: [2, 1, 3], reps: [1, 4, 1] },
  ];
  for (const { shape, reps } of cases) {
    const values = randomValues(shape, `tile/${shape}/${reps}`);
    assertClose(await wasmVsCpu(() => [tf.tile(tf.tensor(values, shape), reps)]), `tile ${shape} by ${reps}`);
  }
  const [ints] = await runOn('wasm', () => [tf.tile(tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32'), [2, 2]).toFloat()]);
  assert.deepEqual([...ints!], [1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4]);
  const [bools] = await runOn('wasm', () => [tf.tile(tf.tensor1d([true, false], 'bool'), [3]).toFloat()]);
  assert.deepEqual([...bools!], [1, 0, 1, 0, 1, 0]);
});

test('BatchMatMul with every transpose combination matches cpu (2-D, batch 1 and batched fallback)', async () => {
  for (const batch of [[], [1], [3]])
    for (const transposeA of [false, true])
      for (const transposeB of [false, true]) {
        const aShape = [...batch, ...(transposeA ? [7, 5] : [5, 7])];
        const bShape = [...batch, ...(transposeB ? [6, 7] : [7, 6])];
        const a = randomValues(aShape, `mm/a/${aShape}`);
        const b = randomValues(bShape, `mm/b/${bShape}`);
        const error = await wasmVsCpu(() => [tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), transposeA, transposeB)]);
        assertClose(error, `matMul ${aShape} x ${bShape} tA=${transposeA} tB=${transposeB}`);
      }
});

test('broadcasting Multiply/Add/Sub/RealDiv match cpu whichever side is smaller', async () => {
  const full = [2, 3, 4, 5];
  const fullValues = randomValues(full, 'bcast/full');
  for (const smallShape of [[5], [1, 1, 1, 5], [4, 1], [2, 1, 1, 5], [1]]) {
    const small = randomValues(smallShape, `bcast/${smallShape}`).map((v) => v + 3); // away from 0 for RealDiv
    const error = await wasmVsCpu(() => {
      const x = tf.tensor(fullValues, full);
      const v = tf.tensor(small, smallShape);
      return [tf.mul(x, v), tf.mul(v, x), tf.add(v, x), tf.sub(x, v), tf.sub(v, x), tf.div(x, v), tf.div(v, x)];
    });
    assertClose(error, `broadcast with ${smallShape}`);
  }
  // Both sides broadcast ([4, 1] with [1, 5]): handed to the stock kernel.
  assertClose(await wasmVsCpu(() => [tf.mul(tf.tensor(randomValues([4, 1], 'b/a'), [4, 1]), tf.tensor(randomValues([1, 5], 'b/b'), [1, 5]))]), 'two-sided broadcast');
});

test('SplitV and Concat match cpu along every axis, with uneven pieces and empty inputs', async () => {
  const shape = [2, 3, 4, 5];
  const values = randomValues(shape, 'split');
  for (let axis = 0; axis < 4; axis++) {
    const sizes = axis === 3 ? [2, 0, 3] : [1, shape[axis]! - 1];
    assertClose(await wasmVsCpu(() => tf.split(tf.tensor(values, shape), sizes, axis)), `split axis ${axis}`);
    const other = shape.map((d, i) => (i === axis ? 2 : d));
    const empty = shape.map((d, i) => (i === axis ? 0 : d));
    const otherValues = randomValues(other, `concat/${axis}`);
    const error = await wasmVsCpu(() => [tf.concat([tf.tensor(values, shape), tf.zeros(empty), tf.tensor(otherValues, other)], axis)]);
    assertClose(error, `concat axis ${axis}`);
  }
  const [ints] = await runOn('wasm', () => [tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')]).toFloat()]);
  assert.deepEqual([...ints!], [1, 2, 3]);
});

test('Identity shares the buffer safely: a clone outlives its source and nothing leaks', async () => {
  await useBackend('wasm');
  const before = liveCounts();
  const source = tf.tensor1d([1, 2, 3]);
  const clone = tf.clone(source);
  source.dispose();
  assert.deepEqual([...clone.dataSync()], [1, 2, 3]);
  clone.dispose();
  assert.deepEqual(liveCounts(), before);
});

test('repeated override calls keep tensors and wasm buffers flat', async () => {
  await useBackend('wasm');
  const step = () =>
    tf.tidy(() => {
      const x = tf.ones([2, 3, 4, 5]);
      const pieces = tf.split(x, [2, 3], 3);
      return [tf.tile(pieces[0]!, [1, 2, 1, 1]), tf.concat(pieces, 3), tf.matMul(tf.ones([4, 3]), tf.ones([5, 4]), true, true), tf.clone(x), tf.mul(x, tf.ones([5]))];
    });
  tf.dispose(step());
  const before = liveCounts();
  for (let i = 0; i < 5; i++) tf.dispose(step());
  assert.deepEqual(liveCounts(), before);
});
