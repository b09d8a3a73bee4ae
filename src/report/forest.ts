/**
 * A small seeded random forest of regression trees and its mean-decrease-in-impurity importance
 * (what Optuna's MeanDecreaseImpurityImportanceEvaluator reports): the variance each feature's
 * splits remove, weighted by the samples they split, averaged over trees. Numeric kernel only;
 * which features a trial has is src/report/importance.ts' business.
 */
import type { Rng } from '../core/rng.ts';

export interface ForestOptions {
  readonly trees: number;
  readonly maxDepth: number;
  readonly minLeaf: number;
}

export const DEFAULT_FOREST: ForestOptions = { trees: 64, maxDepth: 8, minLeaf: 2 };

/** Sum of squared deviations of y over `rows`. */
function sse(y: readonly number[], rows: readonly number[]): number {
  let sum = 0;
  let sq = 0;
  for (const r of rows) {
    sum += y[r]!;
    sq += y[r]! * y[r]!;
  }
  return sq - (sum * sum) / Math.max(1, rows.length);
}

interface Split {
  readonly feature: number;
  readonly threshold: number;
  readonly gain: number;
}

/** The split of `rows` with the largest decrease in squared error, if any separates at least minLeaf each side. */
function bestSplit(x: readonly (readonly number[])[], y: readonly number[], rows: readonly number[], minLeaf: number): Split | undefined {
  const total = sse(y, rows);
  let best: Split | undefined;
  const features = x[0]?.length ?? 0;
  for (let f = 0; f < features; f++) {
    const sorted = [...rows].sort((a, b) => x[a]![f]! - x[b]![f]!);
    let leftSum = 0;
    let leftSq = 0;
    let rightSum = 0;
    let rightSq = 0;
    for (const r of sorted) {
      rightSum += y[r]!;
      rightSq += y[r]! * y[r]!;
    }
    for (let i = 0; i < sorted.length - 1; i++) {
      const v = y[sorted[i]!]!;
      leftSum += v;
      leftSq += v * v;
      rightSum -= v;
      rightSq -= v * v;
      const nLeft = i + 1;
      const nRight = sorted.length - nLeft;
      const here = x[sorted[i]!]![f]!;
      const next = x[sorted[i + 1]!]![f]!;
      if (here === next || nLeft < minLeaf || nRight < minLeaf) continue;
      const gain = total - (leftSq - (leftSum * leftSum) / nLeft) - (rightSq - (rightSum * rightSum) / nRight);
      if (!best || gain > best.gain + 1e-12) best = { feature: f, threshold: (here + next) / 2, gain };
    }
  }
  return best && best.gain > 1e-12 ? best : undefined;
}

/** Grows one tree on `rows`, adding each split's gain to `importance[feature]`. */
function grow(x: readonly (readonly number[])[], y: readonly number[], rows: readonly number[], depth: number, options: ForestOptions, importance: number[]): void {
  if (depth >= options.maxDepth || rows.length < 2 * options.minLeaf) return;
  const split = bestSplit(x, y, rows, options.minLeaf);
  if (!split) return;
  importance[split.feature]! += split.gain;
  const left = rows.filter((r) => x[r]![split.feature]! <= split.threshold);
  const right = rows.filter((r) => x[r]![split.feature]! > split.threshold);
  grow(x, y, left, depth + 1, options, importance);
  grow(x, y, right, depth + 1, options, importance);
}

/**
 * Per feature, its share (summing to 1) of the impurity removed by a forest fitted to (x, y), each
 * tree on a bootstrap sample drawn from `rng`. All zeros when y is constant or nothing splits.
 */
export function impurityImportance(x: readonly (readonly number[])[], y: readonly number[], rng: Rng, options: ForestOptions = DEFAULT_FOREST): number[] {
  const features = x[0]?.length ?? 0;
  const total = new Array<number>(features).fill(0);
  if (x.length < 2) return total;
  for (let t = 0; t < options.trees; t++) {
    const sample = Array.from({ length: x.length }, () => rng.int(0, x.length - 1));
    const importance = new Array<number>(features).fill(0);
    grow(x, y, sample, 0, options, importance);
    const sum = importance.reduce((a, b) => a + b, 0);
    if (sum > 0) importance.forEach((v, f) => (total[f]! += v / sum));
  }
  const sum = total.reduce((a, b) => a + b, 0);
  return sum > 0 ? total.map((v) => v / sum) : total;
}
