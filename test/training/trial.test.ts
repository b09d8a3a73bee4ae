import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ResourceError } from '../../src/core/errors.ts';
import type { TrialProgress, TrialResult } from '../../src/core/result.ts';
import { runTrial } from '../../src/training/index.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

let data: string;

before(async () => {
  data = await tinyDataset();
});

const withoutDuration = ({ durationMs: _, ...rest }: TrialResult) => rest;

test('a trial runs k-fold CV on the default backend, reports every epoch and leaks no tensors', async () => {
  const spec = tinySpec(data, { epochs: 2 });
  const progress: TrialProgress[] = [];
  const tensorsAtFoldEnd: number[] = [];
  const before = tf.memory().numTensors;
  const result = await runTrial(spec, {
    onProgress: (p) => {
      progress.push(p);
      if (p.epoch === p.epochs - 1) tensorsAtFoldEnd.push(tf.memory().numTensors);
    },
  });
  assert.equal(result.backend, 'wasm');
  assert.deepEqual(result.classNames, ['defect', 'ok']);
  assert.equal(result.minorityClass, 'defect');
  assert.deepEqual(
    progress.map((p) => [p.fold, p.epoch, p.step]),
    [[0, 0, 1], [0, 1, 2], [1, 0, 3], [1, 1, 4]],
  );
  // What pruners compare: fold 1's own value, then the mean of fold 1's final value and fold 2's now.
  assert.equal(progress[0]!.pruningValue, progress[0]!.validationValue);
  assert.equal(progress[1]!.pruningValue, progress[1]!.validationValue);
  assert.equal(progress[2]!.pruningValue, (progress[1]!.validationValue + progress[2]!.validationValue) / 2);
  assert.equal(progress[3]!.pruningValue, (progress[1]!.validationValue + progress[3]!.validationValue) / 2);
  assert.equal(progress[3]!.pruningValue, result.objective.mean, 'at the last fold\'s end: the cross-validated value');
  for (const p of progress) {
    assert.ok(Number.isFinite(p.loss) && p.loss > 0);
    assert.ok(p.validationBalancedAccuracy >= 0 && p.validationBalancedAccuracy <= 1);
    assert.equal(p.validationValue, p.validationBalancedAccuracy, 'the default metric is balanced accuracy');
  }
  // 3 holdout images per class leave 58; each image validates in exactly one fold.
  assert.equal(result.folds.length, 2);
  assert.equal(result.folds.reduce((sum, f) => sum + f.validationCount, 0), 58);
  for (const fold of result.folds) {
    assert.equal(fold.trainCount + fold.validationCount, 58);
    assert.deepEqual(fold.epochs, { counted: 2, ran: 2, rule: 'last epoch', innerValidationCount: 0 });
    assert.equal(fold.argmax.confusion.flat().reduce((a, b) => a + b, 0), fold.validationCount);
    assert.equal(fold.outOfFold.confusion.flat().reduce((a, b) => a + b, 0), fold.validationCount);
    assert.ok(fold.oracle.balancedAccuracy >= fold.outOfFold.balancedAccuracy - 1e-12, 'the oracle is the in-fold optimum');
    assert.equal(fold.objective, fold.argmax.balancedAccuracy);
    // The last epoch counts: the fold is scored on what the last progress report saw.
    assert.equal(fold.argmax.balancedAccuracy, progress.find((p) => p.fold === fold.fold && p.epoch === 1)!.validationBalancedAccuracy);
  }
  // With two folds, each fold's threshold is the other fold's in-fold optimum.
  assert.equal(result.folds[0]!.outOfFold.threshold, result.folds[1]!.oracle.threshold);
  assert.equal(result.folds[1]!.outOfFold.threshold, result.folds[0]!.oracle.threshold);
  assert.deepEqual(result.metric, { name: 'balancedAccuracy' });
  assert.equal(result.objective.mean, result.balancedAccuracy.mean);
  assert.equal(result.finalThreshold.predictions, 58);
  assert.equal(result.balancedAccuracy.n, 2);
  assert.equal(result.balancedAccuracy.mean, (result.folds[0]!.argmax.balancedAccuracy + result.folds[1]!.argmax.balancedAccuracy) / 2);
  assert.equal(tensorsAtFoldEnd.length, 2);
  assert.equal(tensorsAtFoldEnd[0], tensorsAtFoldEnd[1], 'tensors flat across folds');
  assert.equal(tf.memory().numTensors, before, 'every tensor disposed after the trial');
});

test('the same spec twice gives the same result (deterministic by seed on one backend)', async () => {
  const spec = tinySpec(data, { augmentations: ['hflip', 'vflip'], sampling: 'oversample' });
  const first = await runTrial(spec);
  const second = await runTrial(spec);
  assert.deepEqual(withoutDuration(second), withoutDuration(first));
  const otherSeed = await runTrial({ ...spec, seed: spec.seed + 1 });
  assert.notDeepEqual(otherSeed.folds.map((f) => f.rocAuc), first.folds.map((f) => f.rocAuc));
});

test('early stopping watches an inner split of the training part, and the fold is scored at the epoch it chose', async () => {
  const spec = tinySpec(data, { epochs: 4, earlyStopping: { patience: 1, validationFraction: 0.25 }, metric: { name: 'rocAuc' } });
  const progress: TrialProgress[] = [];
  const result = await runTrial(spec, { onProgress: (p) => progress.push(p) });
  assert.deepEqual(result.metric, { name: 'rocAuc' });
  for (const fold of result.folds) {
    assert.equal(fold.epochs.rule, 'early-stopping on inner split');
    // 29 training images per fold (about 7 defects, 22 ok): a quarter of each class is held out.
    assert.ok(fold.epochs.innerValidationCount >= 6 && fold.epochs.innerValidationCount <= 9, `inner ${fold.epochs.innerValidationCount}`);
    assert.equal(fold.trainCount + fold.epochs.innerValidationCount + fold.validationCount, 58);
    assert.ok(fold.epochs.counted <= fold.epochs.ran);
    const reports = progress.filter((p) => p.fold === fold.fold && p.step <= fold.fold * 4 + p.epoch + 1);
    assert.equal(reports.length, fold.epochs.ran, 'one report per epoch run, on the validation fold');
    // A fold that stopped early uses up its budget: one more report at its boundary, with the value that counted.
    const boundary = progress.filter((p) => p.fold === fold.fold && p.step === (fold.fold + 1) * 4);
    assert.equal(boundary.length, 1, `fold ${fold.fold + 1} reports once at step ${(fold.fold + 1) * 4}`);
    const done = result.folds.slice(0, fold.fold + 1).map((f) => f.objective);
    assert.ok(Math.abs(boundary[0]!.pruningValue! - done.reduce((a, b) => a + b, 0) / done.length) < 1e-12, 'the mean of the folds done');
    // Scored on the validation fold's predictions at the epoch that counted (a snapshot of that epoch).
    assert.equal(fold.objective, reports[fold.epochs.counted - 1]!.validationValue);
    assert.equal(fold.objective, fold.rocAuc);
  }
  assert.deepEqual(withoutDuration(await runTrial(spec)), withoutDuration(result), 'the inner split is seeded');
});

test('an abort stops the trial between batches with an AbortError and frees its tensors', async () => {
  const spec = tinySpec(data, { epochs: 5 });
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  const progress: TrialProgress[] = [];
  // Aborting from a timer set after the first epoch: it fires at the next batch boundary, so the
  // second epoch never completes.
  const run = runTrial(spec, {
    signal: controller.signal,
    onProgress: (p) => {
      progress.push(p);
      setTimeout(() => controller.abort(), 0);
    },
  });
  await assert.rejects(run, (error: Error) => error.name === 'AbortError');
  assert.equal(progress.length, 1);
  assert.equal(tf.memory().numTensors, before);
  const aborted = AbortSignal.abort();
  await assert.rejects(runTrial(spec, { signal: aborted }), (error: Error) => error.name === 'AbortError');
});

test('with minorityWeight > 1 the trained models predict the minority more often than with 1', async () => {
  const minorityPredictions = async (minorityWeight: number): Promise<number> => {
    const result = await runTrial(tinySpec(data, { minorityWeight, epochs: 2 }));
    return result.folds.reduce((sum, fold) => sum + fold.argmax.confusion[0]![0]! + fold.argmax.confusion[1]![0]!, 0);
  };
  const plain = await minorityPredictions(1);
  const weighted = await minorityPredictions(20);
  assert.ok(weighted > plain, `minority predictions: ${weighted} with weight 20 vs ${plain} with 1`);
});

test('a recipe too big for the backend fails before training with what to change', async () => {
  const progress: TrialProgress[] = [];
  const spec = tinySpec(data, { backbone: 'densenet121', resolution: 224, batchSize: 64 });
  await assert.rejects(runTrial(spec, { onProgress: (p) => progress.push(p) }), (error: unknown) => {
    assert.ok(error instanceof ResourceError);
    assert.match(error.message, /densenet121 at 224 px, batch 64 needs a native backend or a smaller batch/);
    assert.match(error.hint ?? '', /batch size \d+ or less/);
    return true;
  });
  assert.equal(progress.length, 0);
});
