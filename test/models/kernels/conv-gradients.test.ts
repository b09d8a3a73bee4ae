// The wasm conv gradient kernels (Conv2DBackpropFilter and the Conv2DBackpropInput override) and the
// depthwise ones against the cpu backend's gradients, over strides, paddings, odd/even sizes and
// channel multipliers, plus a check that repeated steps leak nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { liveCounts, randomValues, useBackend, wasmVsCpu } from './compare.ts';

interface Case {
  kind: 'conv' | 'depthwise';
  input: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}

function cases(): Case[] {
  const out: Case[] = [];
  const sizes: Array<[number, number]> = [[7, 9], [8, 8], [9, 6]];
  for (const stride of [1, 2])
    for (const pad of ['same', 'valid'] as const)
      for (const [index, [h, w]] of sizes.entries()) {
        const k = [3, 1, 2][index]!;
        out.push({ kind: 'conv', input: [2, h, w, 3], filter: [k, k + (index === 0 ? 2 : 0), 3, 5], stride, pad });
        for (const multiplier of [1, 2]) out.push({ kind: 'depthwise', input: [3, h, w, 4], filter: [k, k, 4, multiplier], stride, pad });
      }
  return out;
}

/** Gradients of <conv(x, f), r> w.r.t. x and f: r is a random output gradient. */
function gradients(c: Case, seed: string): () => tf.Tensor[] {
  const xValues = randomValues(c.input, `${seed}/x`);
  const fValues = randomValues(c.filter, `${seed}/f`);
  return () => {
    const x = tf.tensor4d(xValues, c.input);
    const f = tf.tensor4d(fValues, c.filter);
    const forward = (a: tf.Tensor4D, b: tf.Tensor4D) => (c.kind === 'conv' ? tf.conv2d(a, b, c.stride, c.pad) : tf.depthwiseConv2d(a, b, c.stride, c.pad));
    const outShape = forward(x, f).shape;
    const r = tf.tensor(randomValues(outShape, `${seed}/dy`), outShape);
    return tf.grads((a, b) => forward(a as tf.Tensor4D, b as tf.Tensor4D).mul(r).sum())([x, f]);
  };
}

for (const c of cases()) {
  const name = `${c.kind} x${c.input.join('x')} f${c.filter.join('x')} stride ${c.stride} ${c.pad}`;
  test(`wasm gradients match cpu: ${name}`, async () => {
    const error = await wasmVsCpu(gradients(c, name));
    assert.ok(error < 1e-4, `relative error ${error}`);
  });
}

test('repeated conv and depthwise gradient steps on wasm keep tensors and wasm buffers flat', async () => {
  await useBackend('wasm');
  const step = () => {
    const grads = tf.tidy(() => [
      ...gradients({ kind: 'conv', input: [2, 9, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' }, 'leak/conv')(),
      ...gradients({ kind: 'depthwise', input: [2, 9, 8, 3], filter: [3, 3, 3, 2], stride: 2, pad: 'valid' }, 'leak/dw')(),
    ]);
    tf.dispose(grads);
  };
  step();
  const before = liveCounts();
  for (let i = 0; i < 5; i++) step();
  assert.deepEqual(liveCounts(), before);
});
