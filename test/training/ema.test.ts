// Weight averaging (weightEma): the shadow arithmetic with its warm-up on known values, the swap in
// and back around a prediction, the commit, which weights are averaged, and the averaged weights
// inside a real training (validation predictions, cRT on the averaged network, the spec field).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parseTrialSpec, specFromParams } from '../../src/config/trial.ts';
import { runTrial } from '../../src/training/index.ts';
import { changingVariables, emaDecayAt, WeightAverage } from '../../src/training/ema.ts';
import { predictItems } from '../../src/training/fit.ts';
import { prepareTrial, startTraining } from '../../src/training/prepare.ts';
import { buildModel } from '../../src/models/index.ts';
import { createRng } from '../../src/core/rng.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

let data: string;
before(async () => {
  await tf.setBackend('cpu');
  data = await tinyDataset();
});

test('the shadow follows d*shadow + (1-d)*w with d = min(decay, (1+n)/(10+n)), checked by hand', () => {
  assert.equal(emaDecayAt(0.99, 0), 0.1);
  assert.equal(emaDecayAt(0.99, 8), 0.5);
  assert.equal(emaDecayAt(0.5, 1000), 0.5);
  const w = tf.variable(tf.tensor1d([1, -2]));
  const average = new WeightAverage([w], 0.5);
  let expected = [1, -2];
  const values = [[3, 0], [5, 4], [-1, 2], [7, 7]];
  values.forEach((next, n) => {
    w.assign(tf.tensor1d(next));
    average.update();
    const d = Math.min(0.5, (1 + n) / (10 + n));
    expected = expected.map((s, i) => d * s + (1 - d) * next[i]!);
  });
  assert.equal(average.steps, 4);
  // Outside withAveraged the model keeps its trained weights.
  assert.deepEqual(Array.from(w.dataSync()), [7, 7]);
  average.commit();
  Array.from(w.dataSync()).forEach((v, i) => close(v, expected[i]!));
  assert.ok(average.committed);
  assert.throws(() => average.update(), /committed or disposed/);
  w.dispose();
  assert.throws(() => new WeightAverage([], 1), /in \(0, 1\)/);
});

test('withAveraged swaps the shadows in for the call and the trained weights back after it, also when it throws', async () => {
  const w = tf.variable(tf.tensor1d([0, 0]));
  const average = new WeightAverage([w], 0.9);
  w.assign(tf.tensor1d([10, 20]));
  average.update(); // d = 0.1: shadow [9, 18]
  const inside = await average.withAveraged(async () => Array.from(w.dataSync()));
  inside.forEach((v, i) => close(v, [9, 18][i]!, 1e-5));
  assert.deepEqual(Array.from(w.dataSync()), [10, 20]);
  await assert.rejects(average.withAveraged(async () => {
    throw new Error('boom');
  }), /boom/);
  assert.deepEqual(Array.from(w.dataSync()), [10, 20]);
  const tensors = tf.memory().numTensors;
  await average.withAveraged(async () => undefined);
  assert.equal(tf.memory().numTensors, tensors, 'a swap leaks no tensor');
  average.dispose();
  w.dispose();
});

test('the averaged weights are those of every layer that trains, batch-norm statistics included, frozen layers left out', async () => {
  const model = await buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 1, freeze: 4 });
  try {
    const names = changingVariables(model).map((v) => v.name);
    assert.ok(names.some((n) => /block2_bn.*moving_mean/.test(n)), names.join(' '));
    assert.ok(names.some((n) => /head_dense.*kernel/.test(n)), names.join(' '));
    assert.ok(!names.some((n) => /block1_/.test(n)), `frozen block1 averaged: ${names.join(' ')}`);
    assert.equal(new Set(names).size, names.length);
    const unfrozen = await buildModel('small-cnn', { resolution: 32, numClasses: 2, seed: 1 });
    try {
      assert.equal(changingVariables(unfrozen).length, unfrozen.weights.length);
    } finally {
      unfrozen.dispose();
    }
  } finally {
    model.dispose();
  }
});

test('in a training: validation predictions use the averaged weights, the trained ones stay; finish commits them before cRT', async () => {
  const trial = await prepareTrial(tinySpec(data, { weightEma: 0.9, classifierRetrain: { epochs: 1 }, learningRate: 0.01 }));
  const { train, validation } = trial.splits.folds[0]!;
  const training = await startTraining(trial, train, 3, 'fold0');
  const model = training.classifier.model;
  const stream = { cache: trial.cache, resolution: 32, fit: 'stretch' as const, classNames: trial.classNames, batchSize: 8, minorityClass: trial.minorityClass, rng: createRng(1) };
  const weights = () => model.weights.map((w) => Array.from(w.read().dataSync()));
  try {
    await training.epoch(0, undefined, 'epoch 1');
    const trained = weights();
    const raw = await predictItems(model, validation, stream);
    const averaged = await training.predict(validation);
    assert.deepEqual(weights(), trained, 'predict put the trained weights back');
    assert.notDeepEqual(averaged.probabilities, raw.probabilities, 'the averaged model predicts differently');
    // cRT retrains the head of the averaged network: its backbone is the average, not the trained one.
    await training.finish(undefined, 'fold 1');
    const after = weights();
    const conv = model.weights.findIndex((w) => w.originalName === 'block3_conv/kernel');
    assert.ok(conv >= 0);
    assert.notDeepEqual(after[conv], trained[conv], 'the backbone is the averaged one after finish');
  } finally {
    training.dispose();
  }
});

test('weightEma: 0 by default, a search parameter, refused at 1; a trial with it trains and is judged', async () => {
  assert.equal(parseTrialSpec({ dataset: { path: '/data' } }).weightEma, 0);
  assert.equal(specFromParams({ dataset: { path: '/data' } }, { weightEma: 0.99 }).weightEma, 0.99);
  assert.throws(() => parseTrialSpec({ dataset: { path: '/data' }, weightEma: 1 }), /weightEma/);
  const result = await runTrial(tinySpec(data, { weightEma: 0.95, epochs: 2 }));
  assert.equal(result.folds.length, 2);
  for (const fold of result.folds) assert.ok(fold.argmax.balancedAccuracy >= 0 && fold.argmax.balancedAccuracy <= 1);
});
