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
  /** Bandwidth scale: sigma = magnitude * n^(-1/(d+4)) in unit coordinates (Scott-like). */
  readonly bandwidthMagnitude: number;
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

export function buildParzen(encoding: SpaceEncoding, points: readonly EncodedPoint[], weights: readonly number[], options: ParzenOptions): ParzenEstimator {
  const m = points.length;
  const dims = encoding.numeric.length + encoding.categorical.length;
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
    const active = points.filter((p) => !Number.isNaN(p.numeric[d]!)).length;
    const bandwidth = options.bandwidthMagnitude * Math.pow(Math.max(active, 1), -1 / (dims + 4));
    const minSigma = Math.max(dim.quantum / 2, 1e-3);
    for (let c = 0; c < m; c++) {
      mu[c] = points[c]!.numeric[d]!;
      sigma[c] = Math.max(bandwidth, minSigma);
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
    const active = Math.max(points.filter((p) => p.categorical[d]! >= 0).length, 1);
    for (let c = 0; c < m; c++) {
      const observed = points[c]!.categorical[d]!;
      if (observed < 0) {
        rows.push(uniform);
        continue;
      }
      // Optuna's smoothing: priorWeight / active spread over the categories, +1 on the observed one.
      const base = options.priorWeight / active / dim.size;
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
