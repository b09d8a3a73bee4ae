// The webgpu backend's training gradients against the pure-JS cpu backend, on the software GPU
// in CI: kernel by kernel (conv, depthwise, pooling backprops: the kernels wasm lacks) and one
// whole training step of every backbone at a tiny size. Also: tensors stay flat across steps.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../src/core/index.ts';
import { BACKBONES, buildModel } from '../../../src/models/backbones/index.ts';
import { compareGradients, relativeError, selectBackend } from '../../../src/models/index.ts';
import { releaseBackends, requireWebgpu } from './require-gpu.ts';

before(async () => {
  const info = await requireWebgpu();
  process.stderr.write(`webgpu adapter: ${info.adapter?.description} (${info.adapter?.dawnBackend}, software ${info.adapter?.software})\n`);
});
after(() => releaseBackends());

type Op = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor;
const rng = createRng('webgpu-kernels');
const values = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);

/** Gradients of sum(op(x, w) * r) with respect to x and w on `backend`; r fixes the output weighting. */
async function grads(backend: 'webgpu' | 'cpu', op: Op, x: Float32Array, xShape: number[], w: Float32Array, wShape: number[], r: (shape: number[]) => Float32Array) {
  await selectBackend(backend);
  const xs = tf.tensor4d(x, xShape as [number, number, number, number]);
  const ws = tf.tensor4d(w, wShape as [number, number, number, number]);
  const out = op(xs, ws);
  const weighting = tf.tensor(r(out.shape), out.shape);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor4D), weighting)));
  const [gx, gw] = g([xs, ws]);
  const result = { x: await gx!.data(), w: await gw!.data() };
  tf.dispose([xs, ws, out, weighting, gx!, gw!]);
  return result;
}

const KERNELS: Array<{ name: string; op: Op; w: number[] }> = [
  { name: 'conv2d 3x3 stride 2 same (Conv2DBackpropInput/Filter)', op: (x, w) => tf.conv2d(x, w, 2, 'same'), w: [3, 3, 3, 5] },
  { name: 'conv2d 1x1 valid', op: (x, w) => tf.conv2d(x, w, 1, 'valid'), w: [1, 1, 3, 4] },
  { name: 'depthwise 3x3 multiplier 2 (DepthwiseConv2dNativeBackprop*)', op: (x, w) => tf.depthwiseConv2d(x, w, 1, 'same'), w: [3, 3, 3, 2] },
  { name: 'max pool 2x2 (MaxPoolGrad) after conv', op: (x, w) => tf.maxPool(tf.conv2d(x, w, 1, 'same'), 2, 2, 'valid'), w: [3, 3, 3, 4] },
  { name: 'avg pool 3x3 stride 2 (AvgPoolGrad) after conv', op: (x, w) => tf.avgPool(tf.conv2d(x, w, 1, 'same'), 3, 2, 'same'), w: [3, 3, 3, 4] },
];

for (const kernel of KERNELS) {
  test(`kernel gradients on webgpu match cpu: ${kernel.name}`, async () => {
    const xShape = [2, 9, 9, 3];
    const x = values(2 * 9 * 9 * 3);
    const w = values(kernel.w.reduce((a, b) => a * b, 1));
    const weightingRng = createRng(kernel.name);
    const cache = new Map<string, Float32Array>();
    const r = (shape: number[]) => {
      const key = shape.join('x');
      if (!cache.has(key)) cache.set(key, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => weightingRng.next()));
      return cache.get(key)!;
    };
    const gpu = await grads('webgpu', kernel.op, x, xShape, w, kernel.w, r);
    const cpu = await grads('cpu', kernel.op, x, xShape, w, kernel.w, r);
    const errors = { input: relativeError(gpu.x, cpu.x), filter: relativeError(gpu.w, cpu.w) };
    process.stderr.write(`  ${kernel.name}: relative error input ${errors.input.toExponential(2)}, filter ${errors.filter.toExponential(2)}\n`);
    assert.ok(errors.input < 1e-4 && errors.filter < 1e-4, JSON.stringify(errors));
  });
}

// 32 px is the smallest size every backbone builds at; one image keeps the cpu side affordable.
const RESOLUTION = 32;
for (const name of BACKBONES) {
  test(`${name}: one step's gradients on webgpu match cpu`, async () => {
    const started = performance.now();
    const comparison = await compareGradients(() => buildModel(name, { resolution: RESOLUTION, numClasses: 2, seed: 1 }), [RESOLUTION, RESOLUTION, 3], {
      batchSize: 1,
      seed: name,
      backend: 'webgpu',
    });
    process.stderr.write(`  ${name}: max relative error ${comparison.maxRelativeError.toExponential(2)} at ${comparison.worstWeight}, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    assert.equal(comparison.backend, 'webgpu');
    assert.ok(comparison.perWeight.length > 0);
    assert.ok(Math.abs(comparison.loss.tested - comparison.loss.cpu) < 1e-4 * Math.max(1, comparison.loss.cpu), `loss ${JSON.stringify(comparison.loss)}`);
    assert.ok(comparison.maxRelativeError < 1e-4, `${name}: relative error ${comparison.maxRelativeError} at ${comparison.worstWeight}`);
  });
}

test('training steps on webgpu leave tensors and GPU bytes flat', async () => {
  await selectBackend('webgpu');
  const model = await buildModel('small-cnn', { resolution: RESOLUTION, numClasses: 2, seed: 2 });
  const optimizer = tf.train.adam(1e-3);
  const x = tf.tensor4d(values(4 * RESOLUTION * RESOLUTION * 3), [4, RESOLUTION, RESOLUTION, 3]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
  const losses: number[] = [];
  const step = async () => {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor), true)!;
    losses.push((await loss.data())[0]!);
    loss.dispose();
  };
  await step(); // the first step creates Adam's moments
  await step();
  const first = tf.memory();
  for (let i = 0; i < 4; i++) await step();
  const last = tf.memory();
  assert.equal(last.numTensors, first.numTensors, `tensors ${first.numTensors} -> ${last.numTensors}`);
  assert.equal(last.numBytes, first.numBytes, `bytes ${first.numBytes} -> ${last.numBytes}`);
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
});
