import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finalPlanOf, medianEpoch } from '../../src/core/final-plan.ts';
import { OutOfFoldPredictionsSchema, TrialProgressSchema } from '../../src/core/result.ts';
import { createRng } from '../../src/core/rng.ts';
import { applyThreshold, tuneThreshold } from '../../src/training/decision.ts';
import { judgeFolds, metricValue, outOfFoldPredictionsOf, outOfFoldThresholds, poolPredictions, type FoldRun } from '../../src/training/judge.ts';
import type { Predictions } from '../../src/training/metrics.ts';
import { summarizeFolds } from '../../src/training/summary.ts';

const classNames = ['defect', 'ok'];

/** A fold of 40 images (10 defects) whose minority scores are noisy, centred `shift` higher for defects. */
function foldPredictions(seed: number, shift = 0.25): Predictions {
  const rng = createRng(seed);
  const labels = Array.from({ length: 40 }, (_, i) => (i < 10 ? 0 : 1));
  const probabilities = labels.map((label) => {
    const p = Math.min(0.99, Math.max(0.01, 0.3 + (label === 0 ? shift : 0) + 0.2 * rng.normal()));
    return [p, 1 - p];
  });
  return { classNames, minorityClass: 'defect', labels, probabilities };
}

const run = (fold: number, predictions: Predictions, counted = 3): FoldRun => ({
  fold,
  predictions,
  epochs: { counted, ran: counted, rule: 'last epoch', innerValidationCount: 0 },
  trainCount: 80,
});

test("the threshold used on a fold is tuned without that fold: changing only its predictions leaves it unchanged", () => {
  const folds = [foldPredictions(1), foldPredictions(2), foldPredictions(3)];
  const before = outOfFoldThresholds(folds, 'balancedAccuracy');
  // Fold 1's predictions replaced by very different ones (defects now score low: an inverted model).
  const changed = [folds[0]!, foldPredictions(9, -0.3), folds[2]!];
  const after = outOfFoldThresholds(changed, 'balancedAccuracy');
  assert.equal(after.perFold[1], before.perFold[1], "fold 1's threshold never saw fold 1");
  // The other folds' thresholds and the final one pool fold 1, so they move.
  assert.notEqual(after.perFold[0], before.perFold[0]);
  assert.notEqual(after.perFold[2], before.perFold[2]);
  assert.notEqual(after.final.threshold, before.final.threshold);
  // Each per-fold threshold is exactly the one tuned on the other folds pooled; the final one on all.
  assert.equal(before.perFold[0], tuneThreshold(poolPredictions([folds[1]!, folds[2]!])).threshold);
  assert.equal(before.final.threshold, tuneThreshold(poolPredictions(folds)).threshold);
  assert.equal(before.final.predictions, 120);
});

test('per fold: argmax, the out-of-fold threshold score and the labelled in-fold oracle, which is never below it', () => {
  const runs = [run(0, foldPredictions(4)), run(1, foldPredictions(5)), run(2, foldPredictions(6))];
  const { folds, finalThreshold } = judgeFolds(runs, { name: 'balancedAccuracy' });
  assert.equal(finalThreshold.rule, 'out-of-fold');
  for (const fold of folds) {
    assert.equal(fold.outOfFold.rule, 'out-of-fold');
    assert.equal(fold.oracle.rule, 'oracle');
    assert.equal(fold.objective, fold.argmax.balancedAccuracy);
    assert.ok(fold.oracle.balancedAccuracy >= fold.outOfFold.balancedAccuracy - 1e-12, 'the oracle is the in-fold optimum');
    assert.ok(fold.oracle.balancedAccuracy >= fold.argmax.balancedAccuracy - 1e-12);
  }
  // On these noisy folds the oracle is strictly optimistic somewhere: the gap the out-of-fold rule removes.
  const summary = summarizeFolds(folds, classNames);
  assert.ok(summary.oracleBalancedAccuracy.mean > summary.outOfFoldBalancedAccuracy.mean);
});

test('the metric decides the objective and what the threshold is tuned for', () => {
  const runs = [run(0, foldPredictions(7)), run(1, foldPredictions(8))];
  const f1 = judgeFolds(runs, { name: 'minorityF1' });
  assert.equal(f1.finalThreshold.criterion, 'minorityF1');
  assert.equal(f1.folds[0]!.objective, f1.folds[0]!.argmax.minority.f1);
  const pr = judgeFolds(runs, { name: 'prAuc' });
  assert.equal(pr.folds[1]!.objective, pr.folds[1]!.prAuc);
  assert.equal(pr.finalThreshold.criterion, 'balancedAccuracy');
  const recall = metricValue({ name: 'minorityRecallAtPrecision', precision: 0.99 }, runs[0]!.predictions);
  assert.ok(recall >= 0 && recall <= 1);
  assert.ok(metricValue({ name: 'minorityRecallAtPrecision', precision: 0.3 }, runs[0]!.predictions) >= recall, 'a lower floor allows more recall');
});

test('finalPlanOf: the pooled out-of-fold threshold and the median epoch that counted, each with its origin', () => {
  const runs = [run(0, foldPredictions(1), 4), run(1, foldPredictions(2), 7), run(2, foldPredictions(3), 5)];
  const { folds, finalThreshold } = judgeFolds(runs, { name: 'balancedAccuracy' });
  const stopped = folds.map((fold) => ({ ...fold, epochs: { ...fold.epochs, rule: 'early-stopping on inner split' as const } }));
  const result = {
    classNames,
    minorityClass: 'defect',
    folds: stopped,
    metric: { name: 'balancedAccuracy' as const },
    ...summarizeFolds(stopped, classNames),
    finalThreshold,
    backend: 'cpu',
    durationMs: 1,
  };
  const plan = finalPlanOf(result, 'study s trial 3');
  assert.equal(plan.threshold, finalThreshold.threshold);
  assert.equal(plan.epochs, 5);
  assert.match(plan.from.threshold, /out-of-fold.*120 pooled.*3 folds.*study s trial 3/);
  assert.match(plan.from.epochs, /median of the folds' early-stopping epochs \(4, 7, 5\)/);
  const lastEpoch = finalPlanOf({ ...result, folds });
  assert.match(lastEpoch.from.epochs, /last epoch/);
  assert.equal(medianEpoch([3, 4]), 4);
  assert.equal(medianEpoch([2, 9, 3, 3]), 3);
});

test('an undefined figure survives JSON: NaN is written as null and read back as NaN', () => {
  const progress = { fold: 0, folds: 1, epoch: 0, epochs: 1, step: 0, loss: 0.5, validationValue: Number.NaN, validationBalancedAccuracy: 0.5 };
  const parsed = TrialProgressSchema.parse(JSON.parse(JSON.stringify(progress)));
  assert.ok(Number.isNaN(parsed.validationValue));
  assert.throws(() => TrialProgressSchema.parse({ ...progress, validationValue: 'x' }));
});

test('the pooled out-of-fold predictions keep every validation image once, and replay the final threshold exactly', () => {
  const folds = [foldPredictions(1), foldPredictions(2), foldPredictions(3)];
  const stored = OutOfFoldPredictionsSchema.parse(JSON.parse(JSON.stringify(outOfFoldPredictionsOf(folds.map((p, i) => run(i, p))))));
  assert.equal(stored.labels.length, 120);
  assert.deepEqual([0, 1, 2].map((f) => stored.folds.filter((x) => x === f).length), [40, 40, 40]);
  assert.equal(stored.otherwise, undefined, 'two classes need no fallback class');
  const { final } = outOfFoldThresholds(folds, 'balancedAccuracy');
  const pooled = applyThreshold(poolPredictions(folds), final.threshold);
  const replayed: Predictions = { classNames, minorityClass: 'defect', labels: stored.labels, probabilities: stored.scores.map((s) => [s, 1 - s]) };
  assert.deepEqual(applyThreshold(replayed, final.threshold).confusion, pooled.confusion);
});

test('with three classes the stored fallback class is the most probable non-minority class', () => {
  const predictions: Predictions = { classNames: ['a', 'defect', 'c'], minorityClass: 'defect', labels: [0, 2], probabilities: [[0.5, 0.2, 0.3], [0.1, 0.3, 0.6]] };
  const stored = outOfFoldPredictionsOf([run(0, predictions), run(1, predictions)]);
  assert.deepEqual(stored.otherwise, [0, 2, 0, 2]);
  assert.deepEqual(stored.scores, [0.2, 0.3, 0.2, 0.3]);
  assert.throws(() => OutOfFoldPredictionsSchema.parse({ ...stored, folds: [0] }), /one entry per image/);
});

test("repeated k-fold: a fold's threshold is tuned on the other folds of its own repeat, the final one on every fold, and the interval is corrected", () => {
  // Two repeats of three folds over the same images: repeat 1 is another draw of them.
  const first = [foldPredictions(11), foldPredictions(12), foldPredictions(13)];
  const second = [foldPredictions(21), foldPredictions(22), foldPredictions(23)];
  const runs = [...first, ...second].map((p, i) => run(i, p));
  const { folds, finalThreshold } = judgeFolds(runs, { name: 'balancedAccuracy' }, 3);
  assert.deepEqual(folds.map((f) => [f.fold, f.repeat]), [[0, 0], [1, 0], [2, 0], [3, 1], [4, 1], [5, 1]]);
  const own = [...outOfFoldThresholds(first, 'balancedAccuracy').perFold, ...outOfFoldThresholds(second, 'balancedAccuracy').perFold];
  assert.deepEqual(folds.map((f) => f.outOfFold.threshold), own, 'each repeat judged as its own k-fold');
  // Pooling across repeats would tune fold 3's threshold on repeat 0, which holds fold 3's own images.
  assert.notDeepEqual(folds.map((f) => f.outOfFold.threshold), outOfFoldThresholds([...first, ...second], 'balancedAccuracy').perFold);
  // Changing repeat 0 moves none of repeat 1's thresholds.
  const changed = judgeFolds([run(0, foldPredictions(99, -0.3)), ...runs.slice(1)], { name: 'balancedAccuracy' }, 3);
  assert.deepEqual(changed.folds.slice(3).map((f) => f.outOfFold.threshold), folds.slice(3).map((f) => f.outOfFold.threshold));
  assert.equal(finalThreshold.predictions, 240, 'the final threshold pools every fold of every repeat');
  assert.equal(finalThreshold.threshold, tuneThreshold(poolPredictions([...first, ...second])).threshold);
  // One k-fold keeps no repeat field, as before.
  assert.ok(judgeFolds(runs.slice(0, 3), { name: 'balancedAccuracy' }).folds.every((f) => !('repeat' in f)));
  assert.throws(() => judgeFolds(runs.slice(0, 5), { name: 'balancedAccuracy' }, 3), /5 fold runs are not whole repeats of 3 folds/);
  // Nadeau & Bengio: half-width t(n-1) * std * sqrt(1/n + 1/(k-1)), wider than the naive std / sqrt(n).
  const corrected = summarizeFolds(folds, classNames, 3).balancedAccuracy;
  const naive = summarizeFolds(folds, classNames).balancedAccuracy;
  assert.equal(corrected.mean, naive.mean);
  assert.equal(corrected.std, naive.std);
  const half = (s: { ci95: readonly number[] }) => (s.ci95[1]! - s.ci95[0]!) / 2;
  assert.ok(corrected.ci95[0]! > 0 && corrected.ci95[1]! < 1, "not clipped here");
  assert.ok(Math.abs(half(corrected) - 2.571 * corrected.std * Math.sqrt(1 / 6 + 1 / 2)) < 1e-12);
  assert.ok(Math.abs(half(naive) - (2.571 * naive.std) / Math.sqrt(6)) < 1e-12);
  assert.ok(half(corrected) > half(naive));
});
