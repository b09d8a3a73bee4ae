// The webgpu backend's training gradients against the pure-JS cpu backend, on the software GPU
// in CI: kernel by kernel (conv, depthwise, pooling backprops: the kernels wasm lacks) and one
// whole training step of every backbone at a tiny size. Also: tensors stay flat across steps.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BACKBONES, buildModel } from '../../../src/models/backbones/index.ts';
import { compareGradients, compareKernelGradients, selectBackend } from '../../../src/models/index.ts';
import { createRng } from '../../../src/core/index.ts';
import { releaseBackends, requireWebgpu } from './require-gpu.ts';

before(async () => {
  const info = await requireWebgpu();
  process.stderr.write(`webgpu adapter: ${info.adapter?.description} (${info.adapter?.dawnBackend}, software ${info.adapter?.software})\n`);
});
after(() => releaseBackends());

test('kernel gradients on webgpu match cpu: conv, depthwise, max and average pooling backprops', async () => {
  const results = await compareKernelGradients('webgpu');
  assert.equal(results.length, 5);
  for (const r of results) {
    process.stderr.write(`  ${r.name}: relative error input ${r.input.toExponential(2)}, filter ${r.filter.toExponential(2)}\n`);
    assert.ok(r.input < 1e-4 && r.filter < 1e-4, `${r.name}: ${JSON.stringify(r)}`);
  }
});

const rng = createRng('webgpu-memory');
const values = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);

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
