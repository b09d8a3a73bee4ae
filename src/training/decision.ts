/**
 * Decision rules over class probabilities: plain argmax, and a threshold on the minority
 * probability, either tuned on a set of predictions (`tuneThreshold`, to maximise balanced accuracy
 * or minority F1) or derived from the training prior when no data may be looked at
 * (`priorCorrectedThreshold`). Which predictions a threshold may be tuned on is the caller's
 * business: src/training/judge.ts tunes each fold's on the other folds only.
 */
import type { Metric } from '../core/metric.ts';
import type { FoldMetrics, RuleMetrics, ThresholdCriterion, ThresholdMetrics, ThresholdRuleName } from '../core/result.ts';
import { argmaxOf, averagePrecision, minorityIndexOf, minorityScores, rocAuc, ruleMetrics, type Predictions } from './metrics.ts';

/** Most candidate thresholds a tuning sweep evaluates (quantiles of the scores beyond that). */
const MAX_CANDIDATES = 512;

export function argmaxRule(probabilities: readonly (readonly number[])[]): number[] {
  return probabilities.map(argmaxOf);
}

/** Minority when its probability is >= threshold, otherwise the most probable other class. */
export function thresholdRule(probabilities: readonly (readonly number[])[], minorityIndex: number, threshold: number): number[] {
  return probabilities.map((row) => {
    if (row[minorityIndex]! >= threshold) return minorityIndex;
    let best = -1;
    for (let c = 0; c < row.length; c++) if (c !== minorityIndex && (best < 0 || row[c]! > row[best]!)) best = c;
    return best;
  });
}

function candidateThresholds(scores: readonly number[]): number[] {
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  let points = distinct;
  if (distinct.length > MAX_CANDIDATES) {
    points = Array.from({ length: MAX_CANDIDATES }, (_, k) => distinct[Math.round((k * (distinct.length - 1)) / (MAX_CANDIDATES - 1))]!);
  }
  // Midpoints between neighbours, plus one below all (everything minority) and one above all.
  const out = [Math.max(0, points[0]! / 2)];
  for (let k = 1; k < points.length; k++) out.push((points[k - 1]! + points[k]!) / 2);
  out.push((points[points.length - 1]! + 1) / 2);
  return out;
}

/** What a threshold is tuned for under a trial metric: minority F1 for `minorityF1`, balanced accuracy otherwise. */
export function thresholdCriterionFor(metric: Metric): ThresholdCriterion {
  return metric.name === 'minorityF1' ? 'minorityF1' : 'balancedAccuracy';
}

function criterionValue(metrics: RuleMetrics, criterion: ThresholdCriterion): number {
  return criterion === 'minorityF1' ? metrics.minority.f1 : metrics.balancedAccuracy;
}

/** The metrics of the threshold rule at `threshold` on these predictions. */
export function applyThreshold(predictions: Predictions, threshold: number): RuleMetrics {
  const { classNames, minorityClass, labels, probabilities } = predictions;
  return ruleMetrics(classNames, minorityClass, labels, thresholdRule(probabilities, minorityIndexOf(classNames, minorityClass), threshold));
}

/**
 * The minority-probability threshold that maximises `criterion` on these predictions; among
 * equally good thresholds, the one nearest 0.5 (the argmax rule's, for two classes).
 */
export function tuneThreshold(predictions: Predictions, criterion: ThresholdCriterion = 'balancedAccuracy'): { threshold: number; metrics: RuleMetrics } {
  const { scores } = minorityScores(predictions);
  if (scores.length === 0) throw new RangeError('cannot tune a threshold on no predictions');
  let best: { threshold: number; metrics: RuleMetrics; value: number } | undefined;
  for (const threshold of candidateThresholds(scores)) {
    const metrics = applyThreshold(predictions, threshold);
    const value = criterionValue(metrics, criterion);
    const better =
      !best || value > best.value + 1e-12 || (Math.abs(value - best.value) <= 1e-12 && Math.abs(threshold - 0.5) < Math.abs(best.threshold - 0.5));
    if (better) best = { threshold, metrics, value };
  }
  return { threshold: best!.threshold, metrics: best!.metrics };
}

/** The threshold rule's metrics on `predictions`, labelled with how its threshold was chosen. */
export function thresholdMetrics(predictions: Predictions, threshold: number, rule: ThresholdRuleName, criterion: ThresholdCriterion): ThresholdMetrics {
  return { ...applyThreshold(predictions, threshold), threshold, rule, criterion };
}

/**
 * The balanced-accuracy threshold implied by training, for when there is no validation data to
 * tune on. A model fitted to class shares `s_c`, class weights `w_c` and training-only logit offsets
 * `a_c` has learned posteriors under the effective prior pi_c ~ s_c * w_c * exp(-a_c); predicting the
 * minority when its probability is >= pi_minority undoes that prior (equal-prior decision).
 */
export function priorCorrectedThreshold(
  counts: readonly number[],
  weights: readonly number[],
  minorityIndex: number,
  logitOffsets?: readonly number[],
): number {
  const effective = counts.map((count, c) => count * weights[c]! * Math.exp(-(logitOffsets?.[c] ?? 0)));
  const total = effective.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RangeError('prior-corrected threshold needs training counts');
  return effective[minorityIndex]! / total;
}

export type EvaluationMetrics = Pick<FoldMetrics, 'argmax' | 'rocAuc' | 'prAuc'>;

/** The argmax rule, ROC and PR AUC of one evaluation set (everything that needs no threshold). */
export function evaluatePredictions(predictions: Predictions): EvaluationMetrics {
  const { classNames, minorityClass, labels, probabilities } = predictions;
  const argmax = ruleMetrics(classNames, minorityClass, labels, argmaxRule(probabilities));
  const { isMinority, scores } = minorityScores(predictions);
  return { argmax, rocAuc: rocAuc(isMinority, scores), prAuc: averagePrecision(isMinority, scores) };
}
