/**
 * Across folds: mean, sample standard deviation and a 95% Student-t interval (simple-statistics for
 * the moments; the t quantile from a table, Cornish-Fisher beyond 30 degrees of freedom).
 *
 * Repeated k-fold's folds overlap in their training data (and every image is validated once per
 * repeat), so they are not independent: with repeats the interval uses Nadeau & Bengio's (2003)
 * corrected variance, std^2 (1/n + n_validation/n_train), n_validation/n_train = 1/(k - 1). One
 * k-fold keeps the plain std / sqrt(n), as before.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';
import type { FoldMetrics, Summary, TrialResult } from '../core/result.ts';

/** t(0.975, df) for df = 1..30. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101,
  2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** The 97.5% quantile of Student's t with `df` degrees of freedom. */
export function tQuantile975(df: number): number {
  if (df < 1) throw new RangeError(`t quantile needs df >= 1, got ${df}`);
  if (df <= T_975.length) return T_975[df - 1]!;
  const z = 1.959963984540054; // the normal 97.5% quantile (simple-statistics' probit is only ~1e-2 accurate)
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/**
 * Summary of the finite values (a fold whose metric is undefined, e.g. AUC without a minority
 * image, is left out and `n` says how many counted). One value: std 0 and a zero-width interval;
 * none: NaN everywhere and n = 0.
 */
export function summarize(values: readonly number[], correction: SummaryCorrection = {}): Summary {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN, ci95: [Number.NaN, Number.NaN], n };
  const m = mean(finite);
  if (n === 1) return { mean: m, std: 0, ci95: [m, m], n };
  const std = sampleStandardDeviation(finite);
  const t = tQuantile975(n - 1);
  const half = correction.validationOverTrain === undefined ? (t * std) / Math.sqrt(n) : t * std * Math.sqrt(1 / n + correction.validationOverTrain);
  return { mean: m, std, ci95: [m - half, m + half], n };
}

/** For resampled estimates that overlap (repeated k-fold): n_validation / n_train of Nadeau & Bengio's corrected variance. */
export interface SummaryCorrection {
  readonly validationOverTrain?: number;
}

/** A summary of a metric whose range is [0, 1]: the interval clipped to it (the mean and std as they are). */
export function summarizeMetric(values: readonly number[], correction: SummaryCorrection = {}): Summary {
  const summary = summarize(values, correction);
  const clip = (value: number): number => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : value);
  return { ...summary, ci95: [clip(summary.ci95[0]), clip(summary.ci95[1])] };
}

/**
 * The across-fold part of a TrialResult (every metric here lies in [0, 1]), over all folds of all
 * repeats; `foldsPerRepeat` (k) sets the repeated-k-fold correction of the intervals when the folds
 * are more than one k-fold.
 */
export function summarizeFolds(
  folds: readonly FoldMetrics[],
  classNames: readonly string[],
  foldsPerRepeat = folds.length,
): Pick<TrialResult, 'objective' | 'balancedAccuracy' | 'outOfFoldBalancedAccuracy' | 'oracleBalancedAccuracy' | 'perClassRecall' | 'rocAuc' | 'prAuc'> {
  const correction: SummaryCorrection = folds.length > foldsPerRepeat ? { validationOverTrain: 1 / (foldsPerRepeat - 1) } : {};
  const over = (value: (fold: FoldMetrics) => number): Summary => summarizeMetric(folds.map(value), correction);
  const perClassRecall: Record<string, Summary> = {};
  for (const name of classNames) perClassRecall[name] = over((f) => f.argmax.perClassRecall[name] ?? Number.NaN);
  return {
    objective: over((f) => f.objective),
    balancedAccuracy: over((f) => f.argmax.balancedAccuracy),
    outOfFoldBalancedAccuracy: over((f) => f.outOfFold.balancedAccuracy),
    oracleBalancedAccuracy: over((f) => f.oracle.balancedAccuracy),
    perClassRecall,
    rocAuc: over((f) => f.rocAuc),
    prAuc: over((f) => f.prAuc),
  };
}
