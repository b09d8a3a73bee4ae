/**
 * Judging predictions the way the imbalanced-learning field does: balanced accuracy (mean per-class
 * recall), per-class recall, confusion matrix, minority precision/recall/F1, ROC AUC and PR AUC
 * (average precision). Plain JS over arrays; classes by name, `labels[i]` an index into `classNames`.
 */
import { balancedAccuracyOf as balancedAccuracy } from '../core/metric.ts';
import type { BinaryScores, RuleMetrics } from '../core/result.ts';

/** What a model said about an evaluation set. */
export interface Predictions {
  readonly classNames: readonly string[];
  readonly minorityClass: string;
  /** True class of each image, as an index into `classNames`. */
  readonly labels: readonly number[];
  /** Per-image class probabilities, `probabilities[i][c]` for class `classNames[c]`. */
  readonly probabilities: readonly (readonly number[])[];
}

export function minorityIndexOf(classNames: readonly string[], minorityClass: string): number {
  const index = classNames.indexOf(minorityClass);
  if (index < 0) throw new RangeError(`minority class '${minorityClass}' is not among ${classNames.join(', ')}`);
  return index;
}

/** `confusion[i][j]`: images of class i predicted as class j. */
export function confusionMatrix(labels: readonly number[], predicted: readonly number[], numClasses: number): number[][] {
  if (labels.length !== predicted.length) throw new RangeError(`${labels.length} labels but ${predicted.length} predictions`);
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) confusion[labels[i]!]![predicted[i]!]! += 1;
  return confusion;
}

/** Recall of each class that has images; classes without support are left out (as scikit-learn warns). */
export function perClassRecall(confusion: readonly (readonly number[])[], classNames: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  confusion.forEach((row, c) => {
    const support = row.reduce((a, b) => a + b, 0);
    if (support > 0) out[classNames[c]!] = row[c]! / support;
  });
  return out;
}

/** Mean per-class recall over the classes present (one definition, in core, shared with the report). */
export { balancedAccuracy };

/** Precision, recall and F1 of one class; 0 where a ratio has no denominator. */
export function classScores(confusion: readonly (readonly number[])[], c: number): BinaryScores {
  const tp = confusion[c]![c]!;
  const support = confusion[c]!.reduce((a, b) => a + b, 0);
  const predictedCount = confusion.reduce((sum, row) => sum + row[c]!, 0);
  const precision = predictedCount > 0 ? tp / predictedCount : 0;
  const recall = support > 0 ? tp / support : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** All metrics of one decision rule, given its predicted class indices. */
export function ruleMetrics(
  classNames: readonly string[],
  minorityClass: string,
  labels: readonly number[],
  predicted: readonly number[],
): RuleMetrics {
  const confusion = confusionMatrix(labels, predicted, classNames.length);
  return {
    balancedAccuracy: balancedAccuracy(confusion),
    perClassRecall: perClassRecall(confusion, classNames),
    confusion,
    minority: classScores(confusion, minorityIndexOf(classNames, minorityClass)),
  };
}

/** Index of the largest probability (the first on ties). */
export function argmaxOf(row: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c]! > row[best]!) best = c;
  return best;
}

/**
 * ROC AUC of `scores` for the positive class: the probability that a random positive scores above
 * a random negative (ties count half), via the Mann-Whitney rank sum. NaN without both classes.
 */
export function rocAuc(isPositive: readonly boolean[], scores: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (isPositive[order[k]!]) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * PR AUC as average precision (scikit-learn's definition): sum over distinct score thresholds,
 * from the highest, of (recall gained) x (precision at that threshold). NaN without positives.
 */
export function averagePrecision(isPositive: readonly boolean[], scores: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = isPositive.filter(Boolean).length;
  if (positives === 0) return Number.NaN;
  let truePositives = 0;
  let seen = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    for (let k = start; k <= end; k++) if (isPositive[order[k]!]) truePositives++;
    seen += end - start + 1;
    const recall = truePositives / positives;
    ap += (recall - previousRecall) * (truePositives / seen);
    previousRecall = recall;
    start = end + 1;
  }
  return ap;
}

/** The minority-class probability of each image, and whether the image is of the minority class. */
export function minorityScores(predictions: Predictions): { isMinority: boolean[]; scores: number[] } {
  const m = minorityIndexOf(predictions.classNames, predictions.minorityClass);
  return {
    isMinority: predictions.labels.map((label) => label === m),
    scores: predictions.probabilities.map((row) => row[m]!),
  };
}

/**
 * The largest positive-class recall among the score thresholds whose precision is at least
 * `floor` (as Keras' RecallAtPrecision, on this one set of scores); 0 when no threshold reaches the
 * floor, NaN without positives.
 */
export function recallAtPrecision(isPositive: readonly boolean[], scores: readonly number[], floor: number): number {
  const positives = isPositive.filter(Boolean).length;
  if (positives === 0) return Number.NaN;
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let truePositives = 0;
  let seen = 0;
  let best = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    for (let k = start; k <= end; k++) if (isPositive[order[k]!]) truePositives++;
    seen += end - start + 1;
    if (truePositives / seen >= floor - 1e-12) best = Math.max(best, truePositives / positives);
    start = end + 1;
  }
  return best;
}
