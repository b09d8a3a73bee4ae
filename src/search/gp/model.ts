/**
 * A Gaussian process over an encoded mixed space. Kernel:
 *   k(x, x') = signal * Matern52(r) * exp(-sum_c rate_c [x_c != x'_c]),  r^2 = sum_d (x_d - x'_d)^2 / l_d^2
 * ARD Matern-5/2 over unit numeric coordinates (ints and steps as continuous, inactive conditional
 * coordinates imputed), times an exponentiated Hamming kernel over categories (an inactive
 * categorical is its own category). Hyperparameters are fitted by maximising the log marginal
 * likelihood plus weak priors (MAP) with L-BFGS on analytic gradients, from a fixed start, so the
 * fit is a pure function of the data. Targets are standardised by the caller.
 */
import { cholesky, tryCholesky, choleskyInverse, choleskySolve, logDeterminant, solveLower, solveUpper, type Cholesky } from './linalg.ts';
import { minimize } from './lbfgs.ts';

const SQRT5 = Math.sqrt(5);

export interface GpData {
  readonly n: number;
  /** n x numericDims, unit coordinates. */
  readonly numeric: Float64Array;
  readonly numericDims: number;
  /** n x categoricalDims, category indices (-1 = inactive). */
  readonly categorical: Int32Array;
  readonly categoricalDims: number;
  readonly y: Float64Array;
}

export interface GpHyperparameters {
  readonly lengthscales: Float64Array;
  readonly categoricalRates: Float64Array;
  readonly signal: number;
  readonly noise: number;
}

const BOUNDS = {
  lengthscale: [Math.log(0.005), Math.log(20)],
  rate: [Math.log(1e-3), Math.log(20)],
  signal: [Math.log(0.05), Math.log(20)],
  noise: [Math.log(1e-6), Math.log(1)],
} as const;

function unpack(theta: ArrayLike<number>, dn: number, dc: number): GpHyperparameters {
  const lengthscales = new Float64Array(dn);
  for (let d = 0; d < dn; d++) lengthscales[d] = Math.exp(theta[d]!);
  const categoricalRates = new Float64Array(dc);
  for (let c = 0; c < dc; c++) categoricalRates[c] = Math.exp(theta[dn + c]!);
  return { lengthscales, categoricalRates, signal: Math.exp(theta[dn + dc]!), noise: Math.exp(theta[dn + dc + 1]!) };
}

/** Negative log marginal likelihood minus log prior, with gradient over log-hyperparameters. */
export function negativeLogPosterior(data: GpData, theta: Float64Array, grad: Float64Array): number {
  const { n, numericDims: dn, categoricalDims: dc, numeric, categorical, y } = data;
  const h = unpack(theta, dn, dc);
  const invL2 = h.lengthscales.map((l) => 1 / (l * l));
  const k = new Float64Array(n * n);
  const pairs = (n * (n - 1)) / 2;
  const gFactor = new Float64Array(pairs);
  const kLatent = new Float64Array(pairs);
  let p = 0;
  for (let i = 0; i < n; i++) {
    k[i * n + i] = h.signal + h.noise;
    for (let j = i + 1; j < n; j++, p++) {
      let r2 = 0;
      for (let d = 0; d < dn; d++) {
        const diff = numeric[i * dn + d]! - numeric[j * dn + d]!;
        r2 += diff * diff * invL2[d]!;
      }
      let mismatch = 0;
      for (let c = 0; c < dc; c++) if (categorical[i * dc + c] !== categorical[j * dc + c]) mismatch += h.categoricalRates[c]!;
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      const kc = h.signal * Math.exp(-mismatch);
      const value = kc * (1 + SQRT5 * r + (5 / 3) * r2) * e;
      k[i * n + j] = value;
      k[j * n + i] = value;
      kLatent[p] = value;
      gFactor[p] = kc * (5 / 3) * (1 + SQRT5 * r) * e;
    }
  }
  const chol = tryCholesky(k, n);
  if (!chol) {
    grad.fill(0);
    return Infinity; // a kernel too singular to factor: the line search steps back
  }
  const alpha = choleskySolve(chol, y);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += y[i]! * alpha[i]!;
  let value = 0.5 * fit + 0.5 * logDeterminant(chol) + 0.5 * n * Math.log(2 * Math.PI);

  const inverse = choleskyInverse(chol);
  grad.fill(0);
  let traceW = 0;
  for (let i = 0; i < n; i++) traceW += inverse[i * n + i]! - alpha[i]! * alpha[i]!;
  p = 0;
  let signalGrad = 0.5 * traceW * h.signal;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      const w = inverse[i * n + j]! - alpha[i]! * alpha[j]!;
      if (w === 0) continue;
      const wg = w * gFactor[p]!;
      for (let d = 0; d < dn; d++) {
        const diff = numeric[i * dn + d]! - numeric[j * dn + d]!;
        grad[d]! += wg * diff * diff * invL2[d]!;
      }
      const wk = w * kLatent[p]!;
      for (let c = 0; c < dc; c++) if (categorical[i * dc + c] !== categorical[j * dc + c]) grad[dn + c]! -= wk * h.categoricalRates[c]!;
      signalGrad += wk;
    }
  }
  grad[dn + dc] = signalGrad;
  grad[dn + dc + 1] = 0.5 * traceW * h.noise;

  // Weak priors (as log densities over log-parameters): Gamma(3, 6) lengthscales, LogNormal(0, 1)
  // category rates, Gamma(2, 0.15) signal variance; the noise is flat in log space.
  for (let d = 0; d < dn; d++) {
    value -= 3 * theta[d]! - 6 * h.lengthscales[d]!;
    grad[d]! -= 3 - 6 * h.lengthscales[d]!;
  }
  for (let c = 0; c < dc; c++) {
    value -= -0.5 * theta[dn + c]! ** 2;
    grad[dn + c]! -= -theta[dn + c]!;
  }
  value -= 2 * theta[dn + dc]! - 0.15 * h.signal;
  grad[dn + dc]! -= 2 - 0.15 * h.signal;
  return value;
}

export interface FitOptions {
  readonly maxIterations?: number;
}

/** MAP hyperparameters from a fixed start (lengthscale 0.3, rate 1, signal 1, noise 1e-3). */
export function fitHyperparameters(data: GpData, options: FitOptions = {}): GpHyperparameters {
  const { numericDims: dn, categoricalDims: dc } = data;
  const size = dn + dc + 2;
  const lower = new Float64Array(size);
  const upper = new Float64Array(size);
  const start = new Float64Array(size);
  for (let d = 0; d < dn; d++) [lower[d], upper[d], start[d]] = [BOUNDS.lengthscale[0], BOUNDS.lengthscale[1], Math.log(0.3)];
  for (let c = 0; c < dc; c++) [lower[dn + c], upper[dn + c], start[dn + c]] = [BOUNDS.rate[0], BOUNDS.rate[1], 0];
  [lower[dn + dc], upper[dn + dc], start[dn + dc]] = [BOUNDS.signal[0], BOUNDS.signal[1], 0];
  [lower[dn + dc + 1], upper[dn + dc + 1], start[dn + dc + 1]] = [BOUNDS.noise[0], BOUNDS.noise[1], Math.log(1e-3)];
  const result = minimize((theta, grad) => negativeLogPosterior(data, theta, grad), start, {
    lower,
    upper,
    maxIterations: options.maxIterations ?? 40,
    gradientTolerance: 1e-4,
  });
  return unpack(result.x, dn, dc);
}

/** The posterior of a fitted GP, for predictions with input gradients. Not re-entrant (scratch buffers). */
export class GpPosterior {
  private readonly chol: Cholesky;
  private readonly alpha: Float64Array;
  private readonly invL2: Float64Array;
  private readonly kStar: Float64Array;
  private readonly gStar: Float64Array;
  private readonly v: Float64Array;
  private readonly w: Float64Array;

  constructor(
    readonly data: GpData,
    readonly hyper: GpHyperparameters,
    factor = true,
  ) {
    const { n, numericDims: dn, categoricalDims: dc } = data;
    this.invL2 = hyper.lengthscales.map((l) => 1 / (l * l));
    this.kStar = new Float64Array(n);
    this.gStar = new Float64Array(n);
    this.v = new Float64Array(n);
    this.w = new Float64Array(n);
    if (!factor) {
      // A kernel evaluator only (jointCovariance): no factor, no weights.
      this.chol = { n: 0, lower: new Float64Array(0), jitter: 0 };
      this.alpha = new Float64Array(0);
      return;
    }
    const k = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      this.kernelRow(data.numeric.subarray(i * dn, (i + 1) * dn), data.categorical.subarray(i * dc, (i + 1) * dc));
      for (let j = 0; j < n; j++) k[i * n + j] = this.kStar[j]!;
      k[i * n + i] = hyper.signal + hyper.noise;
    }
    this.chol = cholesky(k, n);
    this.alpha = choleskySolve(this.chol, data.y);
  }

  /** Fills kStar[j] = k(x, X_j) and gStar[j] (the factor of its input gradient). */
  private kernelRow(xNum: ArrayLike<number>, xCat: ArrayLike<number>): void {
    const { n, numericDims: dn, categoricalDims: dc, numeric, categorical } = this.data;
    const rates = this.hyper.categoricalRates;
    const signal = this.hyper.signal;
    for (let j = 0; j < n; j++) {
      let r2 = 0;
      const base = j * dn;
      for (let d = 0; d < dn; d++) {
        const diff = xNum[d]! - numeric[base + d]!;
        r2 += diff * diff * this.invL2[d]!;
      }
      let mismatch = 0;
      for (let c = 0; c < dc; c++) if (xCat[c] !== categorical[j * dc + c]) mismatch += rates[c]!;
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      const kc = mismatch === 0 ? signal : signal * Math.exp(-mismatch);
      this.kStar[j] = kc * (1 + SQRT5 * r + (5 / 3) * r2) * e;
      this.gStar[j] = kc * (5 / 3) * (1 + SQRT5 * r) * e;
    }
  }

  /** Weights of the posterior mean for other targets at the same inputs: K^-1 y. */
  meanWeights(y: ArrayLike<number>): Float64Array {
    return choleskySolve(this.chol, y);
  }

  /**
   * Latent posterior covariance between points (their prior covariance less what the data explain),
   * row-major k x k: what a joint draw of the values at trials in flight needs.
   */
  jointCovariance(points: ReadonlyArray<{ numeric: ArrayLike<number>; categorical: ArrayLike<number> }>): Float64Array {
    const k = points.length;
    const n = this.data.n;
    const solved = points.map((p) => {
      this.kernelRow(p.numeric, p.categorical);
      return solveLower(this.chol, this.kStar, new Float64Array(n));
    });
    const prior = new GpPosterior({ ...this.data, n: k, numeric: flatten(points.map((p) => p.numeric)), categorical: flattenInt(points.map((p) => p.categorical)), y: new Float64Array(k) }, this.hyper, false);
    const cov = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      prior.kernelRow(points[i]!.numeric, points[i]!.categorical);
      for (let j = 0; j < k; j++) {
        let explained = 0;
        for (let m = 0; m < n; m++) explained += solved[i]![m]! * solved[j]![m]!;
        cov[i * k + j] = (i === j ? this.hyper.signal : prior.kStar[j]!) - explained;
      }
    }
    return cov;
  }

  /**
   * Latent variance at x and the means under several weight vectors (`meanWeights` of several
   * targets: one per fantasy), with their gradients over the numeric coordinates when asked
   * (`gradMeans` s x numericDims row-major). One kernel row and one triangular solve for all.
   */
  predictMany(xNum: ArrayLike<number>, xCat: ArrayLike<number>, weights: readonly Float64Array[], means: Float64Array, gradMeans?: Float64Array, gradVar?: Float64Array): number {
    const { n, numericDims: dn, numeric } = this.data;
    this.kernelRow(xNum, xCat);
    for (let s = 0; s < weights.length; s++) {
      const a = weights[s]!;
      let mean = 0;
      for (let j = 0; j < n; j++) mean += this.kStar[j]! * a[j]!;
      means[s] = mean;
    }
    const v = solveLower(this.chol, this.kStar, this.v);
    let explained = 0;
    for (let j = 0; j < n; j++) explained += v[j]! * v[j]!;
    const variance = Math.max(this.hyper.signal - explained, 1e-12);
    if (gradMeans && gradVar) {
      const w = solveUpper(this.chol, v, this.w);
      gradMeans.fill(0);
      gradVar.fill(0);
      for (let j = 0; j < n; j++) {
        const g = this.gStar[j]!;
        if (g === 0) continue;
        for (let d = 0; d < dn; d++) {
          const dk = -g * (xNum[d]! - numeric[j * dn + d]!) * this.invL2[d]!;
          gradVar[d]! -= 2 * w[j]! * dk;
          for (let s = 0; s < weights.length; s++) gradMeans[s * dn + d]! += weights[s]![j]! * dk;
        }
      }
    }
    return variance;
  }

  /**
   * Latent mean and variance at x; with `gradMean`/`gradVar` given, also their gradients over the
   * numeric coordinates.
   */
  predict(xNum: ArrayLike<number>, xCat: ArrayLike<number>, gradMean?: Float64Array, gradVar?: Float64Array): { mean: number; variance: number } {
    const { n, numericDims: dn, numeric } = this.data;
    this.kernelRow(xNum, xCat);
    let mean = 0;
    for (let j = 0; j < n; j++) mean += this.kStar[j]! * this.alpha[j]!;
    const v = solveLower(this.chol, this.kStar, this.v);
    let explained = 0;
    for (let j = 0; j < n; j++) explained += v[j]! * v[j]!;
    const variance = Math.max(this.hyper.signal - explained, 1e-12);
    if (gradMean && gradVar) {
      const w = solveUpper(this.chol, v, this.w);
      gradMean.fill(0);
      gradVar.fill(0);
      for (let j = 0; j < n; j++) {
        const g = this.gStar[j]!;
        if (g === 0) continue;
        for (let d = 0; d < dn; d++) {
          // dk/dx_d = -g (x_d - X_jd) / l_d^2
          const dk = -g * (xNum[d]! - numeric[j * dn + d]!) * this.invL2[d]!;
          gradMean[d]! += this.alpha[j]! * dk;
          gradVar[d]! -= 2 * w[j]! * dk;
        }
      }
    }
    return { mean, variance };
  }
}

function flatten(rows: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(rows.reduce((a, r) => a + r.length, 0));
  let at = 0;
  for (const r of rows) for (let i = 0; i < r.length; i++) out[at++] = r[i]!;
  return out;
}

function flattenInt(rows: readonly ArrayLike<number>[]): Int32Array {
  return Int32Array.from(flatten(rows));
}
