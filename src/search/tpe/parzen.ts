/**
 * The multivariate Parzen estimator of TPE over an encoded space: one kernel component per
 * observation plus a broad prior component, each a product over dimensions of a normal truncated to
 * [0, 1] (unit coordinates) or a smoothed categorical. A component whose observation lacks a
 * dimension (an inactive conditional parameter) uses the prior there, so points from different
 * branches of a conditional space mix in one density: conditional parameters are native.
 */
import type { Rng } from '../../core/rng.ts';
import type { EncodedPoint, SpaceEncoding } from '../encoding.ts';
import { logSumExp, normalCdf } from '../math.ts';

export interface ParzenOptions {
  /** Weight of the prior component relative to one observation. */
  readonly priorWeight: number;
  /**
   * 'optuna' (default; Optuna 5's rule): each kernel's sigma in a dimension is the larger gap to its
   * neighbours among the observations (the range's ends count as neighbours only with
   * `considerEndpoints`), clipped by the "magic clip" to [range / min(100, n + 2), range]; a
   * categorical kernel puts priorWeight / (n + 1) on every category and +1 on the observed one.
   * 'scott': one sigma per dimension, bandwidthMagnitude * n^(-1/(d+4)), and categorical smoothing
   * priorWeight / n spread over the categories (this sampler's rule before issue 14).
   */
  readonly bandwidth?: 'optuna' | 'scott';
  /** Bandwidth scale of the 'scott' rule, in unit coordinates. */
  readonly bandwidthMagnitude?: number;
  /** 'optuna' rule: let the range's ends bound the outermost kernels' neighbour gaps (Optuna: false). */
  readonly considerEndpoints?: boolean;
  /** 'optuna' rule: the lower clip range / min(100, n + 2); without it only 1e-12 (Optuna: true). */
  readonly magicClip?: boolean;
  /** Searched dimensions, for the 'scott' rule's exponent (default: all of the encoding's). */
  readonly dims?: number;
}

const PRIOR_MU = 0.5;
const PRIOR_SIGMA = 1;

export interface ParzenEstimator {
  /** log component weights; the last component is the prior. */
  readonly logWeights: Float64Array;
  /** numericMu[d][c], NaN when component c has no value for dimension d (prior used). */
  readonly numericMu: readonly Float64Array[];
  /** numericSigma[d][c]. */
  readonly numericSigma: readonly Float64Array[];
  /** -log(sigma) - log(truncated mass in [0, 1]) of component c in dimension d. */
  readonly numericLogNorm: readonly Float64Array[];
  /** logCategorical[d][c][k]. */
  readonly logCategorical: readonly (readonly Float64Array[])[];
}

/**
 * Optuna's per-kernel bandwidths in one unit dimension: for the observations `mus` (all active),
 * the larger of the gaps to the left and right neighbours in sorted order, the range's ends [lo, hi]
 * acting as neighbours; without `considerEndpoints` the outermost kernels use their inner gap
 * instead. Clipped to [minSigma, hi - lo].
 */
export function neighbourBandwidths(mus: readonly number[], lo: number, hi: number, considerEndpoints: boolean, minSigma: number): number[] {
  const n = mus.length;
  if (n === 0) return [];
  const order = mus.map((_, i) => i).sort((a, b) => mus[a]! - mus[b]! || a - b);
  const sorted = [lo, ...order.map((i) => mus[i]!), hi];
  const sortedSigma = order.map((_, r) => Math.max(sorted[r + 1]! - sorted[r]!, sorted[r + 2]! - sorted[r + 1]!));
  if (!considerEndpoints && n >= 2) {
    sortedSigma[0] = sorted[2]! - sorted[1]!;
    sortedSigma[n - 1] = sorted[n]! - sorted[n - 1]!;
  }
  const sigma = new Array<number>(n);
  order.forEach((i, r) => (sigma[i] = Math.min(Math.max(sortedSigma[r]!, minSigma), hi - lo)));
  return sigma;
}

export function buildParzen(encoding: SpaceEncoding, points: readonly EncodedPoint[], weights: readonly number[], options: ParzenOptions): ParzenEstimator {
  const m = points.length;
  const rule = options.bandwidth ?? 'optuna';
  const dims = options.dims ?? encoding.numeric.length + encoding.categorical.length;
  const total = weights.reduce((a, b) => a + b, 0) + options.priorWeight;
  const logWeights = new Float64Array(m + 1);
  for (let c = 0; c < m; c++) logWeights[c] = Math.log(weights[c]! / total);
  logWeights[m] = Math.log(options.priorWeight / total);

  const numericMu: Float64Array[] = [];
  const numericSigma: Float64Array[] = [];
  const numericLogNorm: Float64Array[] = [];
  encoding.numeric.forEach((dim, d) => {
    const mu = new Float64Array(m + 1);
    const sigma = new Float64Array(m + 1);
    const activeIndices: number[] = [];
    for (let c = 0; c < m; c++) {
      mu[c] = points[c]!.numeric[d]!;
      if (!Number.isNaN(mu[c]!)) activeIndices.push(c);
    }
    if (rule === 'scott') {
      const bandwidth = (options.bandwidthMagnitude ?? 0.1) * Math.pow(Math.max(activeIndices.length, 1), -1 / (dims + 4));
      const minSigma = Math.max(dim.quantum / 2, 1e-3);
      for (let c = 0; c < m; c++) sigma[c] = Math.max(bandwidth, minSigma);
    } else {
      // Optuna widens a stepped range by half a step at each end; in unit coordinates that is quantum / 2.
      const lo = -dim.quantum / 2;
      const hi = 1 + dim.quantum / 2;
      const kernels = activeIndices.length + 1;
      const minSigma = (options.magicClip ?? true) ? (hi - lo) / Math.min(100, 1 + kernels) : 1e-12;
      const sigmas = neighbourBandwidths(activeIndices.map((c) => mu[c]!), lo, hi, options.considerEndpoints ?? false, minSigma);
      for (let c = 0; c < m; c++) sigma[c] = PRIOR_SIGMA;
      activeIndices.forEach((c, i) => (sigma[c] = sigmas[i]!));
    }
    mu[m] = NaN;
    sigma[m] = PRIOR_SIGMA;
    const logNorm = new Float64Array(m + 1);
    for (let c = 0; c <= m; c++) logNorm[c] = truncationLogNorm(Number.isNaN(mu[c]!) ? PRIOR_MU : mu[c]!, sigma[c]!);
    numericMu.push(mu);
    numericSigma.push(sigma);
    numericLogNorm.push(logNorm);
  });

  const logCategorical = encoding.categorical.map((dim, d) => {
    const rows: Float64Array[] = [];
    const uniform = new Float64Array(dim.size).fill(-Math.log(dim.size));
    const active = points.filter((p) => p.categorical[d]! >= 0).length;
    // Smoothing per category: Optuna's priorWeight / (n + 1), or the older priorWeight / n / size.
    const base = rule === 'optuna' ? options.priorWeight / (active + 1) : options.priorWeight / Math.max(active, 1) / dim.size;
    for (let c = 0; c < m; c++) {
      const observed = points[c]!.categorical[d]!;
      if (observed < 0) {
        rows.push(uniform);
        continue;
      }
      const row = new Float64Array(dim.size);
      for (let k = 0; k < dim.size; k++) row[k] = Math.log((base + (k === observed ? 1 : 0)) / (base * dim.size + 1));
      rows.push(row);
    }
    rows.push(uniform);
    return rows;
  });
  return { logWeights, numericMu, numericSigma, numericLogNorm, logCategorical };
}

function truncationLogNorm(mu: number, sigma: number): number {
  const mass = normalCdf((1 - mu) / sigma) - normalCdf((0 - mu) / sigma);
  return -Math.log(sigma) - Math.log(Math.max(mass, 1e-300));
}

const PRIOR_LOG_NORM = truncationLogNorm(PRIOR_MU, PRIOR_SIGMA);

/** log density of a point over the dimensions active in it, up to a constant per active numeric dimension (−½ log 2π, the same for every estimator, so it cancels in l(x) / g(x)). */
export function parzenLogPdf(estimator: ParzenEstimator, point: EncodedPoint): number {
  const components = estimator.logWeights.length;
  const terms = Float64Array.from(estimator.logWeights);
  for (let d = 0; d < point.numeric.length; d++) {
    const x = point.numeric[d]!;
    if (Number.isNaN(x)) continue;
    const mu = estimator.numericMu[d]!;
    const sigma = estimator.numericSigma[d]!;
    const logNorm = estimator.numericLogNorm[d]!;
    const prior = -0.5 * ((x - PRIOR_MU) / PRIOR_SIGMA) ** 2 + PRIOR_LOG_NORM;
    for (let c = 0; c < components; c++) {
      const m = mu[c]!;
      if (Number.isNaN(m)) terms[c]! += prior;
      else {
        const z = (x - m) / sigma[c]!;
        terms[c]! += -0.5 * z * z + logNorm[c]!;
      }
    }
  }
  for (let d = 0; d < point.categorical.length; d++) {
    const k = point.categorical[d]!;
    if (k < 0) continue;
    const rows = estimator.logCategorical[d]!;
    for (let c = 0; c < components; c++) terms[c]! += rows[c]![k]!;
  }
  return logSumExp(terms);
}

/** Picks a component index by weight. */
export function pickComponent(estimator: ParzenEstimator, rng: Rng): number {
  let u = rng.next();
  for (let c = 0; c < estimator.logWeights.length; c++) {
    u -= Math.exp(estimator.logWeights[c]!);
    if (u < 0) return c;
  }
  return estimator.logWeights.length - 1;
}

/** Draws dimension d of component c (unit coordinate), by rejection from the untruncated normal. */
export function sampleNumeric(estimator: ParzenEstimator, c: number, d: number, rng: Rng): number {
  const muRaw = estimator.numericMu[d]![c]!;
  const mu = Number.isNaN(muRaw) ? PRIOR_MU : muRaw;
  const sigma = Number.isNaN(muRaw) ? PRIOR_SIGMA : estimator.numericSigma[d]![c]!;
  for (let tries = 0; tries < 64; tries++) {
    const x = mu + sigma * rng.normal();
    if (x >= 0 && x <= 1) return x;
  }
  return rng.next();
}

export function sampleCategorical(estimator: ParzenEstimator, c: number, d: number, rng: Rng): number {
  const row = estimator.logCategorical[d]![c]!;
  let u = rng.next();
  for (let k = 0; k < row.length; k++) {
    u -= Math.exp(row[k]!);
    if (u < 0) return k;
  }
  return row.length - 1;
}
