import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyThreshold, evaluatePredictions, priorCorrectedThreshold, thresholdRule, tuneThreshold } from '../../src/training/decision.ts';
import { judgeFolds } from '../../src/training/judge.ts';
import { averagePrecision, balancedAccuracy, confusionMatrix, recallAtPrecision, rocAuc, ruleMetrics, type Predictions } from '../../src/training/metrics.ts';
import { summarize, summarizeFolds, tQuantile975 } from '../../src/training/summary.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

// Hand-worked case: 3 'defect' (minority, index 0) and 5 'ok'.
const classNames = ['defect', 'ok'];
const labels = [0, 0, 0, 1, 1, 1, 1, 1];
const minorityProbability = [0.9, 0.8, 0.3, 0.1, 0.2, 0.4, 0.6, 0.3];
const predictions: Predictions = {
  classNames,
  minorityClass: 'defect',
  labels,
  probabilities: minorityProbability.map((p) => [p, 1 - p]),
};

test('confusion matrix, per-class recall, balanced accuracy and minority scores', () => {
  const predicted = [0, 0, 1, 1, 1, 1, 0, 1];
  const metrics = ruleMetrics(classNames, 'defect', labels, predicted);
  assert.deepEqual(metrics.confusion, [
    [2, 1],
    [1, 4],
  ]);
  close(metrics.perClassRecall.defect!, 2 / 3);
  close(metrics.perClassRecall.ok!, 4 / 5);
  close(metrics.balancedAccuracy, (2 / 3 + 4 / 5) / 2);
  close(metrics.minority.precision, 2 / 3);
  close(metrics.minority.recall, 2 / 3);
  close(metrics.minority.f1, 2 / 3);
});

test('the majority-class baseline has balanced accuracy 0.5 and minority scores 0, however imbalanced', () => {
  const manyOk = [0, ...new Array(99).fill(1)];
  const metrics = ruleMetrics(classNames, 'defect', manyOk, new Array(100).fill(1));
  close(metrics.balancedAccuracy, 0.5);
  assert.deepEqual(metrics.minority, { precision: 0, recall: 0, f1: 0 });
  // Minority classified by names, not positions: the same data with the classes in the other order.
  const swapped = ruleMetrics(['ok', 'defect'], 'defect', manyOk.map((l) => 1 - l), new Array(100).fill(0));
  assert.deepEqual(swapped.minority, metrics.minority);
  assert.equal(swapped.perClassRecall.ok, 1);
});

test('a class without images is left out of the balanced accuracy', () => {
  close(balancedAccuracy(confusionMatrix([1, 1, 1], [1, 0, 1], 2)), 2 / 3);
});

test('ROC AUC counts ties as half and average precision follows the step definition', () => {
  const isMinority = labels.map((l) => l === 0);
  // 15 positive/negative pairs: 5 + 5 + (2 + 0.5 for the tie at 0.3).
  close(rocAuc(isMinority, minorityProbability), 12.5 / 15);
  // Thresholds 0.9, 0.8: precision 1 for recall 2/3; at 0.3 precision 3/6 for the last third.
  close(averagePrecision(isMinority, minorityProbability), 2 / 3 + (1 / 3) * (3 / 6));
  close(rocAuc([true, false], [0.2, 0.8]), 0);
  close(averagePrecision([false, true, false, true], [0.1, 0.3, 0.35, 0.8]), (1 / 2) * 1 + (1 / 2) * (2 / 3));
  assert.ok(Number.isNaN(rocAuc([false, false], [0.1, 0.2])));
});

test('the tuned threshold maximises balanced accuracy on the validation predictions', () => {
  const { threshold, metrics } = tuneThreshold(predictions);
  // Any threshold in (0.6, 0.8] catches 2/3 defects and no ok image: BA 5/6; the sweep uses midpoints.
  close(threshold, 0.7);
  close(metrics.balancedAccuracy, (2 / 3 + 1) / 2);
  const evaluation = evaluatePredictions(predictions);
  close(evaluation.argmax.balancedAccuracy, (2 / 3 + 4 / 5) / 2);
  assert.ok(metrics.balancedAccuracy >= evaluation.argmax.balancedAccuracy);
  // A given threshold is applied, not tuned: at 0.25 three ok images (0.3, 0.4, 0.6) become defects.
  assert.equal(applyThreshold(predictions, 0.25).confusion[1]![0], 3);
  assert.deepEqual(thresholdRule([[0.2, 0.8]], 0, 0.2), [0]);
  // Tuned for minority F1 instead: 0.25 catches all 3 defects with 3 false alarms (F1 2/3), 0.7 gets F1 0.8.
  const forF1 = tuneThreshold(predictions, 'minorityF1');
  close(forF1.metrics.minority.f1, 0.8);
});

test('minority recall at a precision floor: the best recall among thresholds that reach the floor', () => {
  const isMinority = labels.map((l) => l === 0);
  // Scores 0.9, 0.8 give precision 1 at recall 2/3; 0.6 adds a false alarm (2/3); 0.4 another (2/4); 0.3 all (3/6).
  close(recallAtPrecision(isMinority, minorityProbability, 0.9), 2 / 3);
  close(recallAtPrecision(isMinority, minorityProbability, 0.5), 1);
  close(recallAtPrecision([false, true], [0.9, 0.1], 0.9), 0);
  assert.ok(Number.isNaN(recallAtPrecision([false, false], [0.1, 0.2], 0.5)));
});

test('the prior-corrected threshold is the effective minority prior of training', () => {
  // 10 defects and 90 ok images: plain training learns prior 0.1; weight 9 balances it.
  close(priorCorrectedThreshold([10, 90], [1, 1], 0), 0.1);
  close(priorCorrectedThreshold([10, 90], [9, 1], 0), 0.5);
  close(priorCorrectedThreshold([90, 10], [1, 1], 1), 0.1);
  // Logit adjustment with tau = 1 (offsets log prior) already removes the prior: threshold 0.5.
  close(priorCorrectedThreshold([10, 90], [1, 1], 0, [Math.log(0.1), Math.log(0.9)]), 0.5);
});

test('summaries: mean, sample std and a 95% t interval', () => {
  const summary = summarize([0.7, 0.8, 0.9]);
  close(summary.mean, 0.8);
  close(summary.std, 0.1);
  close(summary.ci95[0], 0.8 - (4.303 * 0.1) / Math.sqrt(3));
  close(summary.ci95[1], 0.8 + (4.303 * 0.1) / Math.sqrt(3));
  assert.equal(summary.n, 3);
  assert.deepEqual(summarize([0.6, Number.NaN]), { mean: 0.6, std: 0, ci95: [0.6, 0.6], n: 1 });
  close(tQuantile975(40), 2.0211, 5e-4);
  close(tQuantile975(120), 1.9799, 5e-4);
});

test('summarizeFolds aggregates per-class recall by name', () => {
  const fold = (fold: number, ba: number) => {
    const scaled = { ...predictions, probabilities: predictions.probabilities.map((r) => [r[0]! * ba, 1 - r[0]! * ba]) };
    return { fold, predictions: scaled, epochs: { counted: 1, ran: 1, rule: 'last epoch' as const, innerValidationCount: 0 }, trainCount: 10 };
  };
  const { folds } = judgeFolds([fold(0, 1), fold(1, 0.5)], { name: 'balancedAccuracy' });
  const result = summarizeFolds(folds, classNames);
  close(result.balancedAccuracy.mean, (folds[0]!.argmax.balancedAccuracy + folds[1]!.argmax.balancedAccuracy) / 2);
  close(result.perClassRecall.defect!.mean, (folds[0]!.argmax.perClassRecall.defect! + folds[1]!.argmax.perClassRecall.defect!) / 2);
  assert.equal(result.rocAuc.n, 2);
  close(result.objective.mean, result.balancedAccuracy.mean);
  // Intervals are clipped to [0, 1], the range of every metric; the mean and std are left alone.
  const wide = summarizeFolds([folds[0]!, { ...folds[1]!, argmax: { ...folds[1]!.argmax, balancedAccuracy: 0.05 } }], classNames);
  assert.equal(wide.balancedAccuracy.ci95[0], 0);
  assert.ok(wide.balancedAccuracy.ci95[1] <= 1);
  assert.ok(summarize([folds[0]!.argmax.balancedAccuracy, 0.05]).ci95[0] < 0, 'the raw interval did cross 0');
});
