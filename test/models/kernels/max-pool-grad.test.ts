// MaxPoolGrad on wasm routes each gradient to the first maximum of its window, like cpu, including
// windows whose values are all negative (the stock wasm 4.22 kernel loses those) and ties.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { randomValues, runOn, wasmVsCpu } from './compare.ts';

function poolGradient(values: Float32Array, shape: [number, number, number, number], size: number, stride: number, pad: 'same' | 'valid') {
  return () => {
    const x = tf.tensor4d(values, shape);
    const outShape = tf.maxPool(x, size, stride, pad).shape;
    const weights = tf.tensor(randomValues(outShape, `pool/w/${shape}/${size}/${stride}/${pad}`), outShape);
    return [tf.grad((a) => tf.maxPool(a as tf.Tensor4D, size, stride, pad).mul(weights).sum())(x)];
  };
}

test('max-pool gradients match cpu for 2x2/2 valid and 3x3/2 same on signed inputs', async () => {
  for (const [size, stride, pad] of [[2, 2, 'valid'], [3, 2, 'same'], [3, 1, 'same'], [2, 2, 'same']] as const) {
    const shape: [number, number, number, number] = [2, 7, 6, 3];
    const values = randomValues(shape, `pool/${size}/${stride}/${pad}`).map((v) => v - 1); // mostly negative
    const error = await wasmVsCpu(poolGradient(values, shape, size, stride, pad));
    assert.ok(error < 1e-6, `pool ${size}/${stride} ${pad}: relative error ${error}`);
  }
});

test('an all-negative window and a tie send the gradient to the first maximum', async () => {
  const values = Float32Array.from([-3, -1, -2, -1, 5, 5, 0, 1]);
  const shape: [number, number, number, number] = [1, 2, 4, 1];
  const grad = () => [tf.grad((a) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid').sum())(tf.tensor4d(values, shape))];
  const [wasm] = await runOn('wasm', grad);
  // window 1 = {-3, -1, 5, 5}: max 5 first at index 4; window 2 = {-2, -1, 0, 1}: max at index 7.
  assert.deepEqual([...wasm!], [0, 0, 0, 0, 1, 0, 0, 1]);
  const [wasmNegative] = await runOn('wasm', () => [tf.grad((a) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid').sum())(tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]))]);
  assert.deepEqual([...wasmNegative!], [0, 1, 0, 0]);
});
