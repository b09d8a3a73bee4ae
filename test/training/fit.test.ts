import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { DivergenceError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/rng.ts';
import { ImageCache, planEpoch, scanDataset } from '../../src/data/index.ts';
import { buildModel, selectBackend } from '../../src/models/index.ts';
import { asClassifier, createOptimizer, fitBatchNormMomentum, logitsOf, trainEpoch } from '../../src/training/fit.ts';
import { tinyDataset } from './fixtures.ts';

let data: string;

before(async () => {
  data = await tinyDataset();
  await selectBackend('auto');
});

async function setUp() {
  const index = await scanDataset(data, { minorityClass: 'defect' });
  const model = await buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 1 });
  const classifier = asClassifier(model);
  const batches = planEpoch('none', index.items.slice(0, 24), { epoch: 0, batchSize: 8, seed: 1, minorityClass: 'defect' });
  const settings = {
    cache: new ImageCache({ budgetBytes: 1 << 22 }),
    resolution: 32,
    fit: 'stretch' as const,
    classNames: index.classNames,
    loss: { kind: 'ce' as const, classWeights: [1, 1], focalGamma: 2, augmixJsdWeight: 0 },
    augmentations: [],
    augmentationOptions: {},
    rng: createRng(1),
    where: 'fold 1/2, epoch 1/1',
  };
  return { model, classifier, batches, settings };
}

test('the classifier logits are the model output before its softmax', async () => {
  const { model, classifier } = await setUp();
  const x = tf.randomUniform([3, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const viaLogits = tf.softmax(logitsOf(classifier, x, false));
  const viaModel = model.predict(x) as tf.Tensor;
  assert.ok(tf.max(tf.abs(tf.sub(viaLogits, viaModel))).dataSync()[0]! < 1e-5);
  assert.equal(classifier.variables.length, model.trainableWeights.length);
  tf.dispose([x, viaLogits, viaModel]);
  model.dispose();
});

test('a NaN or infinite loss ends training with a DivergenceError that says where, and leaks nothing', async () => {
  const { model, classifier, batches, settings } = await setUp();
  const nan = tf.fill(classifier.kernel.shape, Number.NaN);
  classifier.kernel.assign(nan);
  nan.dispose();
  const before = tf.memory().numTensors;
  const optimizer = createOptimizer('adam', 0.001);
  await assert.rejects(trainEpoch(classifier, optimizer, batches, settings), (error: unknown) => {
    assert.ok(error instanceof DivergenceError);
    assert.match(error.message, /loss became NaN at fold 1\/2, epoch 1\/1, batch 1/);
    assert.match(error.hint ?? '', /learning rate/);
    return true;
  });
  optimizer.dispose();
  // Adam's slot variables are freed with the optimizer; nothing else outlives the epoch.
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

test('batch-norm moving averages are shortened to about one epoch of steps, never lengthened', async () => {
  const { model } = await setUp();
  assert.equal(fitBatchNormMomentum(model, 4), 4);
  const momenta = model.layers.filter((l) => l.getClassName() === 'BatchNormalization').map((l) => l.getConfig().momentum);
  assert.deepEqual(momenta, [0.75, 0.75, 0.75, 0.75]);
  assert.equal(fitBatchNormMomentum(model, 1000), 0);
  model.dispose();
});
