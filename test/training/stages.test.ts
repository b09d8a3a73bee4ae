// The recipe dimensions inside a real training: cRT leaves the backbone untouched, tau-norm
// normalises the trained head, DRW/DRS switch the loss and sampling, and a trial with every
// long-tail option on runs end to end (what `skewer train` calls).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadConfigFile } from '../../src/config/load.ts';
import { SearchSpaceSchema } from '../../src/config/space.ts';
import { specFromParams } from '../../src/config/trial.ts';
import { createRng } from '../../src/core/rng.ts';
import { sampleRandomParams } from '../../src/search/index.ts';
import { runTrial } from '../../src/training/index.ts';
import { prepareTrial, startTraining } from '../../src/training/prepare.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

let data: string;
before(async () => {
  data = await tinyDataset();
});

const snapshot = (model: tf.LayersModel) => new Map(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));

test('cRT trains only the head: every backbone weight (batch-norm statistics included) is unchanged in stage 2; tau-norm leaves unit columns', async () => {
  const trial = await prepareTrial(tinySpec(data, { classifierRetrain: { epochs: 2 }, headTauNorm: 1, learningRate: 0.01 }));
  const training = await startTraining(trial, trial.splits.folds[0]!.train, 3, 'fold0');
  try {
    await training.epoch(0, undefined, 'epoch 1');
    const before = snapshot(training.classifier.model);
    await training.finish(undefined, 'fold 1');
    const after = snapshot(training.classifier.model);
    const head = new Set(['head_dense/kernel', 'head_dense/bias']);
    let backbone = 0;
    for (const [name, values] of before) {
      if (head.has(name)) continue;
      assert.deepEqual(after.get(name), values, `${name} changed in stage 2`);
      backbone++;
    }
    assert.ok(backbone > 4, `only ${backbone} backbone weights seen`);
    assert.notDeepEqual(after.get('head_dense/kernel'), before.get('head_dense/kernel'));
    const norms = tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(training.classifier.kernel), 0)).dataSync()));
    norms.forEach((n) => assert.ok(Math.abs(n - 1) < 1e-4, `column norm ${n}`));
  } finally {
    training.dispose();
  }
});

test('DRW / DRS: before rebalanceFrom the loss is unweighted on natural batches, after it the spec weights and sampling', async () => {
  const trial = await prepareTrial(tinySpec(data, { epochs: 4, rebalanceFrom: 0.5, sampling: 'oversample', minorityWeight: 4, loss: 'logit-adjusted' }));
  const train = trial.splits.folds[0]!.train;
  const training = await startTraining(trial, train, 3, 'fold0');
  try {
    // The last epoch (after the switch): oversampled to balance, minority weighted 4, a flat prior.
    assert.deepEqual(training.loss.classWeights, [4, 1]);
    assert.equal(training.trainedCounts.defect, training.trainedCounts.ok);
    const [defectShift, okShift] = training.loss.logitAdjustment!;
    assert.ok(Math.abs(defectShift! - okShift!) < 1e-9);
  } finally {
    training.dispose();
  }
  const natural = await startTraining(trial, train, 3, 'fold0', 1);
  try {
    // One epoch: round(0.5 x 1) = 1 > 0, so its only epoch is still natural and unweighted.
    assert.deepEqual(natural.loss.classWeights, [1, 1]);
    assert.equal(natural.trainedCounts.defect, train.filter((item) => item.label === 'defect').length);
  } finally {
    natural.dispose();
  }
});

test('a trial with every long-tail option on trains and is judged', async () => {
  const spec = tinySpec(data, {
    epochs: 2,
    loss: 'logit-adjusted',
    logitTau: 1,
    sampling: 'class-power',
    samplingQ: 0.5,
    rebalanceFrom: 0.5,
    minorityWeight: { effectiveNumber: 0.99 },
    labelSmoothing: 0.1,
    weightDecay: 0.01,
    headMaxNorm: 3,
    headTauNorm: 0.5,
    augmentations: ['hflip', 'mixup', 'cutpaste'],
    augmentationOptions: { remixKappa: 2, cutpasteMaxArea: 0.1 },
    classifierRetrain: { epochs: 1 },
  });
  const lines: string[] = [];
  const result = await runTrial(spec, { log: (line) => lines.push(line) });
  assert.equal(result.folds.length, 2);
  for (const fold of result.folds) assert.ok(fold.argmax.balancedAccuracy >= 0 && fold.argmax.balancedAccuracy <= 1);
  assert.ok(lines.some((line) => /after cRT \(1 epochs\) tau-norm 0.5/.test(line)), lines.join('\n'));
});

for (const file of ['configs/recipe-space-cpu.yaml', 'configs/recipe-space-cpu-pruned.yaml']) {
  test(`every point of ${file} maps onto a valid trial spec`, async () => {
    const space = await loadConfigFile(SearchSpaceSchema, file);
    const rng = createRng('cpu-space');
    for (let i = 0; i < 200; i++) {
      const params = sampleRandomParams(space, rng);
      const spec = specFromParams({ dataset: { path: data } }, params);
      assert.equal(spec.backbone, 'small-cnn');
      // Balanced Softmax corrects for the prior itself: the pruned space never adds a class weight to it.
      if (file.endsWith('pruned.yaml') && spec.loss === 'logit-adjusted') assert.equal(spec.minorityWeight, 1, JSON.stringify(params));
    }
  });
}
