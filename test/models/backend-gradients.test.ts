// Whole-model check: one training step's gradients on wasm (with our kernels) match the cpu backend
// for a small net using every layer kind the backbones use; and the check notices a difference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { compareGradients, selectBackend } from '../../src/models/index.ts';

function seeded(seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

/** Conv + BN + ReLU, a strided depthwise conv (multiplier 2), a pointwise conv, a concat, dense. */
function smallNet(scaleOnWasm = 1): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: seeded(1) }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  let y = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'same', depthwiseInitializer: seeded(2) }).apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
  const z = tf.layers.conv2d({ filters: 6, kernelSize: 1, kernelInitializer: seeded(3) }).apply(y) as tf.SymbolicTensor;
  let merged = tf.layers.concatenate().apply([y, z]) as tf.SymbolicTensor;
  merged = tf.layers.maxPooling2d({ poolSize: 2 }).apply(merged) as tf.SymbolicTensor;
  if (scaleOnWasm !== 1) merged = tf.layers.rescaling({ scale: tf.getBackend() === 'wasm' ? scaleOnWasm : 1 }).apply(merged) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(merged) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: seeded(4) }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

test('one training step of a conv/BN/depthwise/dense net has the same gradients on wasm and cpu', async () => {
  await selectBackend('wasm');
  const result = await compareGradients(() => smallNet(), [16, 16, 3], { batchSize: 3, seed: 'small-net' });
  assert.equal(result.perWeight.length, 11); // conv 1, BN 2+2, depthwise 2, pointwise 2, dense 2
  assert.ok(result.maxRelativeError < 1e-4, `max relative error ${result.maxRelativeError} at ${result.worstWeight}`);
  assert.ok(Math.abs(result.loss.tested - result.loss.cpu) < 1e-5);
  assert.equal(tf.getBackend(), 'wasm', 'the previous backend is active again');
});

test('the check reports a model that computes differently on wasm', async () => {
  const result = await compareGradients(() => smallNet(1.5), [16, 16, 3], { batchSize: 2 });
  assert.ok(result.maxRelativeError > 0.1, `max relative error ${result.maxRelativeError}`);
});
