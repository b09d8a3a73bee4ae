/**
 * Curves of one trial from its pooled out-of-fold predictions (every validation image once, scored
 * by a model that never trained on it): ROC, precision-recall, and balanced accuracy as the
 * minority threshold sweeps 0…1. Plain arrays, no charting.
 */
import { balancedAccuracyOf } from '../core/metric.ts';
import type { OutOfFoldPredictions, TrialResult } from '../core/result.ts';

export type Point = readonly [number, number];

/** Distinct-score cut points, highest first: [(false positive rate, true positive rate)], from (0,0) to (1,1). */
export function rocCurve(isMinority: readonly boolean[], scores: readonly number[]): Point[] {
  const order = scores.map((s, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = isMinority.filter(Boolean).length;
  const negatives = isMinority.length - positives;
  if (positives === 0 || negatives === 0) return [];
  const out: Point[] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (isMinority[order[k]!]) tp++;
    else fp++;
    const last = k === order.length - 1 || scores[order[k + 1]!] !== scores[order[k]!];
    if (last) out.push([fp / negatives, tp / positives]);
  }
  return out;
}

/** [(recall, precision)] at each distinct score, highest first. */
export function prCurve(isMinority: readonly boolean[], scores: readonly number[]): Point[] {
  const order = scores.map((s, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = isMinority.filter(Boolean).length;
  if (positives === 0) return [];
  const out: Point[] = [];
  let tp = 0;
  for (let k = 0; k < order.length; k++) {
    if (isMinority[order[k]!]) tp++;
    const last = k === order.length - 1 || scores[order[k + 1]!] !== scores[order[k]!];
    if (last) out.push([tp / positives, tp / (k + 1)]);
  }
  return out;
}

/** Area under a curve of points sorted by x (trapezoids). */
export function area(points: readonly Point[]): number {
  let sum = 0;
  for (let k = 1; k < points.length; k++) sum += ((points[k]![0] - points[k - 1]![0]) * (points[k]![1] + points[k - 1]![1])) / 2;
  return sum;
}

/** What the threshold rule predicts for image i at threshold t: the minority when its score is ≥ t, else the fallback class. */
function predictAt(p: OutOfFoldPredictions, minority: number, i: number, t: number): number {
  if (p.scores[i]! >= t) return minority;
  return p.otherwise?.[i] ?? (minority === 0 ? 1 : 0);
}

/** Confusion matrix (rows: true class) of the threshold rule at t over all pooled predictions. */
export function confusionAt(p: OutOfFoldPredictions, classCount: number, minority: number, t: number): number[][] {
  const confusion = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  p.labels.forEach((label, i) => (confusion[label]![predictAt(p, minority, i, t)]! += 1));
  return confusion;
}

export { balancedAccuracyOf };

/** Balanced accuracy at thresholds 0, 0.01, …, 1. */
export function balancedAccuracyByThreshold(p: OutOfFoldPredictions, classCount: number, minority: number): Point[] {
  return Array.from({ length: 101 }, (_, k) => {
    const t = k / 100;
    return [t, balancedAccuracyOf(confusionAt(p, classCount, minority, t))] as const;
  });
}

/**
 * The out-of-fold confusion matrix: each fold scored with its own out-of-fold threshold (tuned on
 * the other folds), summed over folds. No image is counted under a threshold it helped choose.
 */
export function outOfFoldConfusion(result: TrialResult): number[][] {
  const n = result.classNames.length;
  const sum = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const fold of result.folds) fold.outOfFold.confusion.forEach((row, i) => row.forEach((count, j) => (sum[i]![j]! += count)));
  return sum;
}
