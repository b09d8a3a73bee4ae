// The lean batch-norm training path (issue 15) against tfjs-layers' own: the same outputs, the
// same gradients for x, gamma and beta, the same moving statistics, a saved model with only stock
// layers, and a step that holds less at its peak. On wasm with our training kernels (the trainer's
// backend), the stock path as the reference.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { leanBatchNormTraining } from '../../src/models/backbones/lean-batch-norm.ts';
import { buildModel, selectBackend } from '../../src/models/index.ts';

before(async () => {
  await selectBackend('wasm');
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

test('the op: y and the gradients of a weighted sum for x, gamma and beta equal tf.moments + tf.batchNorm to 1e-5', () => {
  const x = tf.randomNormal([3, 5, 4, 6], 0.7, 2, 'float32', 7);
  const gamma = tf.randomNormal([6], 1, 0.3, 'float32', 8);
  const beta = tf.randomNormal([6], 0, 0.5, 'float32', 9);
  const weights = tf.randomNormal([3, 5, 4, 6], 0, 1, 'float32', 10);
  const eps = 1e-3;
  const stock = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(xs, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(xs, mean, variance, b, g, eps), weights)) as tf.Scalar;
  };
  const lean = (xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const { y, mean, variance } = leanBatchNormTraining(xs, g, b, eps);
    tf.dispose([mean, variance]);
    return tf.sum(tf.mul(y, weights)) as tf.Scalar;
  };
  const reference = tf.grads(stock)([x, gamma, beta]);
  const tested = tf.grads(lean)([x, gamma, beta]);
  ['x', 'gamma', 'beta'].forEach((name, i) => {
    const scale = tf.tidy(() => tf.max(tf.abs(reference[i]!)).dataSync()[0]!);
    assert.ok(maxDiff(tested[i]!, reference[i]!) < 1e-5 * Math.max(1, scale), `d${name}: ${maxDiff(tested[i]!, reference[i]!)} (scale ${scale})`);
  });
  const { y, mean, variance } = leanBatchNormTraining(x, gamma, beta, eps);
  const moments = tf.moments(x, [0, 1, 2]);
  assert.ok(maxDiff(y, tf.batchNorm(x, moments.mean, moments.variance, beta, gamma, eps)) < 1e-5);
  assert.ok(maxDiff(mean, moments.mean) < 1e-6 && maxDiff(variance, moments.variance) < 1e-5);
  // Inside a gradient it leaves nothing behind: every tensor it made is returned or disposed.
  const count = tf.memory().numTensors;
  tf.dispose(tf.grads(lean)([x, gamma, beta]));
  assert.equal(tf.memory().numTensors, count);
});

test('a whole backbone: lean and stock batch norm give the same loss, gradients and moving statistics; the lean step peaks lower; only stock layers are saved', async () => {
  const images = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 3);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
  const run = async (batchNorm: 'lean' | 'stock') => {
    const model = await buildModel('densenet121', { resolution: 32, numClasses: 2, seed: 5, dropout: 0, batchNorm });
    const loss = () => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor) as tf.Scalar;
    let result: { value: tf.Scalar; grads: tf.NamedTensorMap } | undefined;
    const profile = await tf.profile(() => {
      result = tf.variableGrads(loss);
    });
    const moving = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').flatMap((l) => l.getWeights().slice(2));
    return { model, ...result!, peak: profile.peakBytes, moving };
  };
  const stock = await run('stock');
  const lean = await run('lean');
  assert.ok(Math.abs(lean.value.dataSync()[0]! - stock.value.dataSync()[0]!) < 1e-5, `loss ${lean.value.dataSync()[0]} vs ${stock.value.dataSync()[0]}`);
  // The two models' variables carry different unique names: pair them by position.
  const pairs = stock.model.trainableWeights.map((w, i) => [stock.grads[w.originalName] ?? stock.grads[w.name], lean.grads[lean.model.trainableWeights[i]!.originalName] ?? lean.grads[lean.model.trainableWeights[i]!.name]] as const);
  assert.ok(pairs.length > 100 && pairs.every(([a, b]) => a && b), `${pairs.length} gradient pairs; keys ${Object.keys(stock.grads).slice(0, 3).join(', ')}`);
  // Float32 on two summation orders: most gradients agree to ~1e-6 of their norm. A few are sums
  // that nearly cancel (conv1/bn/gamma's norm is ~1e-5 of the largest), where the stock path on
  // wasm and on cpu differ from each other by ~8 %: those are judged against the model's gradient
  // scale (1e-3 of the largest gradient norm), not their own.
  const norm = (t: tf.Tensor): number => tf.tidy(() => tf.norm(t).dataSync()[0]!);
  const largest = Math.max(...pairs.map(([reference]) => norm(reference!)));
  const errors = pairs.map(([reference, tested]) => tf.tidy(() => norm(tf.sub(tested!, reference!))) / Math.max(norm(reference!), 1e-3 * largest));
  const sorted = [...errors].sort((a, b) => a - b);
  const worst = sorted.at(-1)!;
  assert.ok(worst < 1e-3, `worst gradient difference ${worst} (of the weight's norm, at least 1e-3 of the largest)`);
  assert.ok(sorted[Math.floor(sorted.length / 2)]! < 1e-5, `median ${sorted[Math.floor(sorted.length / 2)]}`);
  assert.equal(lean.moving.length, stock.moving.length);
  assert.ok(lean.moving.length > 100, 'DenseNet-121 has many batch-norm layers');
  for (let i = 0; i < lean.moving.length; i++) assert.ok(maxDiff(lean.moving[i]!, stock.moving[i]!) < 1e-4, `moving statistic ${i}`);
  // The point of it: the step's peak is lower (here the weights, gradients and Adam-free tape of a
  // 32 px batch, mostly weights); where activations dominate it is about half (below).
  assert.ok(lean.peak < stock.peak, `peak ${(lean.peak / 2 ** 20).toFixed(1)} MiB lean vs ${(stock.peak / 2 ** 20).toFixed(1)} MiB stock`);
  const peakOf = async (batchNorm: 'lean' | 'stock') => {
    const model = await buildModel('small-cnn', { resolution: 64, numClasses: 2, seed: 5, batchNorm });
    const x = tf.randomUniform([4, 64, 64, 3], 0, 1, 'float32', 4);
    const before = tf.memory().numBytes;
    const profile = await tf.profile(() => {
      tf.dispose(tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar));
    });
    tf.dispose(x);
    model.dispose();
    return profile.peakBytes - before;
  };
  const [leanSmall, stockSmall] = [await peakOf('lean'), await peakOf('stock')];
  assert.ok(leanSmall < 0.7 * stockSmall, `small-cnn 64 px batch 4, above what was allocated before: ${(leanSmall / 2 ** 20).toFixed(1)} MiB lean vs ${(stockSmall / 2 ** 20).toFixed(1)} MiB stock`);
  // Inference is the stock layer's; the saved topology names only stock classes.
  const inference = (lean.model.predict(images) as tf.Tensor);
  assert.ok(maxDiff(inference, stock.model.predict(images) as tf.Tensor) < 1e-5);
  const classes = new Set((lean.model.toJSON(null, false) as { config: { layers: Array<{ class_name: string }> } }).config.layers.map((l) => l.class_name));
  assert.ok(classes.has('BatchNormalization') && ![...classes].some((c) => /lean/i.test(c)), [...classes].join(', '));
});
