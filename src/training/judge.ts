/**
 * Judging a cross-validation once every fold is done, from each fold's validation predictions (at
 * the epoch that counted). Pure: no tfjs, so it is tested on hand-made predictions.
 *
 * The threshold that scores fold i is tuned on the pooled validation predictions of the OTHER
 * folds (out-of-fold predictions, as scikit-learn's cross_val_predict / TunedThresholdClassifierCV
 * would have it), so fold i never chooses the rule it is scored by. The in-fold optimum is kept as
 * `oracle`, for comparison only. The final model's threshold is tuned on all folds pooled.
 *
 * With repeated k-fold the runs come repeat by repeat, `foldsPerRepeat` at a time, and "the other
 * folds" are those of the same repeat: another repeat's folds hold the scored fold's own images.
 */
import type { Metric } from '../core/metric.ts';
import type { FinalThreshold, FoldEpochs, FoldMetrics, OutOfFoldPredictions, ThresholdCriterion, ThresholdMetrics } from '../core/result.ts';
import { evaluatePredictions, thresholdCriterionFor, thresholdMetrics, tuneThreshold, type EvaluationMetrics } from './decision.ts';
import { minorityIndexOf, minorityScores, recallAtPrecision, type Predictions } from './metrics.ts';

/** What one trained fold hands to judging. */
export interface FoldRun {
  /** Over all repeats: repeat * folds + fold within the repeat. */
  readonly fold: number;
  /** The validation fold's predictions at the epoch that counted. */
  readonly predictions: Predictions;
  readonly epochs: FoldEpochs;
  readonly trainCount: number;
}

/** `metric` on one evaluation set (argmax-rule metrics, or curve metrics of the minority score). */
export function metricValue(metric: Metric, predictions: Predictions, evaluation: EvaluationMetrics = evaluatePredictions(predictions)): number {
  switch (metric.name) {
    case 'balancedAccuracy':
      return evaluation.argmax.balancedAccuracy;
    case 'minorityF1':
      return evaluation.argmax.minority.f1;
    case 'prAuc':
      return evaluation.prAuc;
    case 'rocAuc':
      return evaluation.rocAuc;
    case 'minorityRecallAtPrecision': {
      const { isMinority, scores } = minorityScores(predictions);
      return recallAtPrecision(isMinority, scores, metric.precision);
    }
  }
}

/** The predictions of several folds as one set (same classes; each image appears once). */
export function poolPredictions(sets: readonly Predictions[]): Predictions {
  const first = sets[0];
  if (!first) throw new RangeError('nothing to pool');
  return {
    classNames: first.classNames,
    minorityClass: first.minorityClass,
    labels: sets.flatMap((set) => set.labels),
    probabilities: sets.flatMap((set) => set.probabilities),
  };
}

/**
 * Per fold, the threshold tuned on the other folds' pooled predictions; and the one tuned on all
 * folds pooled (what a final model uses).
 */
export function outOfFoldThresholds(
  folds: readonly Predictions[],
  criterion: ThresholdCriterion,
): { perFold: number[]; final: FinalThreshold } {
  return { perFold: perFoldThresholds(folds, criterion), final: finalThresholdOf(folds, criterion) };
}

/** Per fold of one k-fold, the threshold tuned on the other folds' pooled predictions. */
function perFoldThresholds(folds: readonly Predictions[], criterion: ThresholdCriterion): number[] {
  if (folds.length < 2) throw new RangeError(`out-of-fold thresholds need at least 2 folds, got ${folds.length}`);
  return folds.map((_, i) => tuneThreshold(poolPredictions(folds.filter((__, j) => j !== i)), criterion).threshold);
}

/** The final model's threshold: tuned on every fold's predictions pooled. */
function finalThresholdOf(folds: readonly Predictions[], criterion: ThresholdCriterion): FinalThreshold {
  const all = poolPredictions(folds);
  return { threshold: tuneThreshold(all, criterion).threshold, rule: 'out-of-fold', criterion, predictions: all.labels.length };
}

/**
 * Every fold's metrics, and the final threshold, from the folds' runs: `foldsPerRepeat` runs per
 * repeat (all of them, one plain k-fold, by default).
 */
export function judgeFolds(runs: readonly FoldRun[], metric: Metric, foldsPerRepeat = runs.length): { folds: FoldMetrics[]; finalThreshold: FinalThreshold } {
  if (!(Number.isInteger(foldsPerRepeat) && foldsPerRepeat >= 2 && runs.length % foldsPerRepeat === 0)) {
    throw new RangeError(`${runs.length} fold runs are not whole repeats of ${foldsPerRepeat} folds`);
  }
  const criterion = thresholdCriterionFor(metric);
  const repeats = runs.length / foldsPerRepeat;
  const perFold: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    perFold.push(...perFoldThresholds(runs.slice(repeat * foldsPerRepeat, (repeat + 1) * foldsPerRepeat).map((run) => run.predictions), criterion));
  }
  const final = finalThresholdOf(runs.map((run) => run.predictions), criterion);
  const folds = runs.map((run, i): FoldMetrics => {
    const evaluation = evaluatePredictions(run.predictions);
    const outOfFold: ThresholdMetrics = thresholdMetrics(run.predictions, perFold[i]!, 'out-of-fold', criterion);
    const oracle: ThresholdMetrics = thresholdMetrics(run.predictions, tuneThreshold(run.predictions, criterion).threshold, 'oracle', criterion);
    return {
      fold: run.fold,
      ...(repeats > 1 && { repeat: Math.floor(i / foldsPerRepeat) }),
      objective: metricValue(metric, run.predictions, evaluation),
      ...evaluation,
      outOfFold,
      oracle,
      epochs: run.epochs,
      trainCount: run.trainCount,
      validationCount: run.predictions.labels.length,
    };
  });
  return { folds, finalThreshold: final };
}

/**
 * The folds' validation predictions pooled into the stored columns: label, minority score (6
 * decimals, enough for any threshold sweep) and fold per image; with more than two classes also
 * the class the threshold rule falls back to, so a sweep can be replayed exactly.
 */
export function outOfFoldPredictionsOf(runs: readonly FoldRun[]): OutOfFoldPredictions {
  const labels: number[] = [];
  const scores: number[] = [];
  const folds: number[] = [];
  const otherwise: number[] = [];
  for (const run of runs) {
    const { classNames, minorityClass } = run.predictions;
    const minority = minorityIndexOf(classNames, minorityClass);
    run.predictions.labels.forEach((label, i) => {
      const row = run.predictions.probabilities[i]!;
      labels.push(label);
      scores.push(Math.min(1, Math.max(0, Math.round(row[minority]! * 1e6) / 1e6)));
      folds.push(run.fold);
      let best = -1;
      for (let c = 0; c < row.length; c++) if (c !== minority && (best < 0 || row[c]! > row[best]!)) best = c;
      otherwise.push(best);
    });
  }
  const many = (runs[0]?.predictions.classNames.length ?? 0) > 2;
  return { labels, scores, folds, ...(many ? { otherwise } : {}) };
}
