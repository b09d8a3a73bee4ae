/**
 * A Gaussian process over an encoded mixed space, with the kernel of kernel.ts (the product, or
 * on spaces with numeric and categorical dimensions the sum-product). Numeric coordinates are unit
 * (ints and steps as continuous, inactive conditional coordinates imputed). Hyperparameters are
 * fitted by maximising the log marginal likelihood plus weak priors (MAP) with L-BFGS on analytic
 * gradients, from a fixed start, so the fit is a pure function of the data. Targets are
 * standardised by the caller.
 */
import { cholesky, tryCholesky, choleskyInverse, choleskySolve, logDeterminant, solveLower, solveUpper, type Cholesky } from './linalg.ts';
import { minimize } from './lbfgs.ts';
import { MAX_TABLE_CATEGORICALS, SQRT5, categoricalRow, kernelValue, maternFactor, mismatchTable, type GpKernel, type MismatchTable } from './kernel.ts';

export type { GpKernel } from './kernel.ts';

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
  /**
   * Weight of the product term in the sum-product kernel of spaces with numeric and categorical
   * dimensions (CoCaBO's lambda); absent (1) = the product only.
   */
  readonly mix?: number;
}

/** Whether theta holds the mix's logit after the noise (the sum-product kernel). */
const hasMix = (theta: ArrayLike<number>, dn: number, dc: number): boolean => theta.length > dn + dc + 2;

const BOUNDS = {
  lengthscale: [Math.log(0.005), Math.log(20)],
  rate: [Math.log(1e-3), Math.log(20)],
  signal: [Math.log(0.05), Math.log(20)],
  noise: [Math.log(1e-6), Math.log(1)],
  mixLogit: [-6, 6],
} as const;

const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

function unpack(theta: ArrayLike<number>, dn: number, dc: number): GpHyperparameters {
  const lengthscales = new Float64Array(dn);
  for (let d = 0; d < dn; d++) lengthscales[d] = Math.exp(theta[d]!);
  const categoricalRates = new Float64Array(dc);
  for (let c = 0; c < dc; c++) categoricalRates[c] = Math.exp(theta[dn + c]!);
  return { lengthscales, categoricalRates, signal: Math.exp(theta[dn + dc]!), noise: Math.exp(theta[dn + dc + 1]!), ...(hasMix(theta, dn, dc) && { mix: sigmoid(theta[dn + dc + 2]!) }) };
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
  const mix = h.mix ?? 1;
  const share = 1 / (1 + dc);
  const kept = h.categoricalRates.map((rate) => Math.exp(-rate));
  // d k / d log rate_c = -rate_c (hFactor + (1 - mix) share signal exp(-rate_c)) where x_c != x'_c; d k / d mixLogit = mFactor.
  const hFactor = new Float64Array(pairs);
  const mFactor = h.mix === undefined ? undefined : new Float64Array(pairs);
  const additiveScale = h.signal * (1 - mix) * share;
  // The categorical factors of row i's pairs (kernel.ts categoricalRow), from a table of every
  // mismatch pattern where that is smaller than the pairs (the same bits either way).
  const table = dc <= MAX_TABLE_CATEGORICALS && 1 << dc <= pairs ? mismatchTable(h.categoricalRates, kept) : undefined;
  const hammingRow = new Float64Array(n);
  const sumRow = new Float64Array(n);
  let p = 0;
  for (let i = 0; i < n; i++) {
    k[i * n + i] = h.signal + h.noise;
    categoricalRow(categorical.subarray(i * dc, (i + 1) * dc), categorical.subarray((i + 1) * dc), n - i - 1, dc, table, h.categoricalRates, kept, hammingRow, sumRow);
    for (let j = i + 1; j < n; j++, p++) {
      let r2 = 0;
      for (let d = 0; d < dn; d++) {
        const diff = numeric[i * dn + d]! - numeric[j * dn + d]!;
        r2 += diff * diff * invL2[d]!;
      }
      const hamming = hammingRow[j - i - 1]!;
      const sum = sumRow[j - i - 1]!;
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      const poly = 1 + SQRT5 * r + (5 / 3) * r2;
      const value = kernelValue(h.signal, mix, poly, e, hamming, sum, share);
      k[i * n + j] = value;
      k[j * n + i] = value;
      kLatent[p] = value;
      gFactor[p] = maternFactor(h.signal, mix, hamming, share, r, e);
      if (mFactor) {
        const matern = poly * e;
        hFactor[p] = h.signal * mix * matern * hamming;
        mFactor[p] = h.signal * mix * (1 - mix) * (matern * hamming - share * (matern + sum));
      } else hFactor[p] = value;
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
  let mixGrad = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, p++) {
      const w = inverse[i * n + j]! - alpha[i]! * alpha[j]!;
      if (w === 0) continue;
      const wg = w * gFactor[p]!;
      for (let d = 0; d < dn; d++) {
        const diff = numeric[i * dn + d]! - numeric[j * dn + d]!;
        grad[d]! += wg * diff * diff * invL2[d]!;
      }
      for (let c = 0; c < dc; c++) {
        if (categorical[i * dc + c] === categorical[j * dc + c]) continue;
        const dk = mFactor ? hFactor[p]! + additiveScale * kept[c]! : hFactor[p]!;
        grad[dn + c]! -= w * dk * h.categoricalRates[c]!;
      }
      signalGrad += w * kLatent[p]!;
      if (mFactor) mixGrad += w * mFactor[p]!;
    }
  }
  grad[dn + dc] = signalGrad;
  grad[dn + dc + 1] = 0.5 * traceW * h.noise;
  if (mFactor) grad[dn + dc + 2] = mixGrad;

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
  // Normal(0, 1.5^2) on the mix's logit: either term can win, neither is forced.
  if (mFactor) {
    const u = theta[dn + dc + 2]!;
    value += (0.5 * u * u) / 2.25;
    grad[dn + dc + 2]! += u / 2.25;
  }
  return value;
}

export interface FitOptions {
  readonly maxIterations?: number;
  readonly kernel?: GpKernel;
}

/** MAP hyperparameters from a fixed start (lengthscale 0.3, rate 1, signal 1, noise 1e-3, mix 0.5). */
export function fitHyperparameters(data: GpData, options: FitOptions = {}): GpHyperparameters {
  const { numericDims: dn, categoricalDims: dc } = data;
  const sumProduct = (options.kernel ?? 'sum-product') === 'sum-product' && dn > 0 && dc > 0;
  const size = dn + dc + 2 + (sumProduct ? 1 : 0);
  const lower = new Float64Array(size);
  const upper = new Float64Array(size);
  const start = new Float64Array(size);
  for (let d = 0; d < dn; d++) [lower[d], upper[d], start[d]] = [BOUNDS.lengthscale[0], BOUNDS.lengthscale[1], Math.log(0.3)];
  for (let c = 0; c < dc; c++) [lower[dn + c], upper[dn + c], start[dn + c]] = [BOUNDS.rate[0], BOUNDS.rate[1], 0];
  [lower[dn + dc], upper[dn + dc], start[dn + dc]] = [BOUNDS.signal[0], BOUNDS.signal[1], 0];
  [lower[dn + dc + 1], upper[dn + dc + 1], start[dn + dc + 1]] = [BOUNDS.noise[0], BOUNDS.noise[1], Math.log(1e-3)];
  if (sumProduct) [lower[dn + dc + 2], upper[dn + dc + 2], start[dn + dc + 2]] = [BOUNDS.mixLogit[0], BOUNDS.mixLogit[1], 0];
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
  /** Scratch rows of the categorical factors (kernel.ts categoricalRow). */
  private readonly hammingRow: Float64Array;
  private readonly sumRow: Float64Array;
  /** exp(-rate_c) and 1 / (1 + dc), for the additive part of the sum-product kernel. */
  private readonly kept: Float64Array;
  private readonly share: number;
  /** The categorical factors by mismatch pattern; undefined where dc is too large for a table. */
  private readonly table: MismatchTable | undefined;

  constructor(
    readonly data: GpData,
    readonly hyper: GpHyperparameters,
    factor = true,
  ) {
    const { n, numericDims: dn, categoricalDims: dc } = data;
    this.invL2 = hyper.lengthscales.map((l) => 1 / (l * l));
    this.kept = hyper.categoricalRates.map((rate) => Math.exp(-rate));
    this.share = 1 / (1 + dc);
    this.table = mismatchTable(hyper.categoricalRates, this.kept);
    this.kStar = new Float64Array(n);
    this.gStar = new Float64Array(n);
    this.v = new Float64Array(n);
    this.w = new Float64Array(n);
    this.hammingRow = new Float64Array(n);
    this.sumRow = new Float64Array(n);
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
    const { n, numericDims: dn, categoricalDims: dc, numeric } = this.data;
    const signal = this.hyper.signal;
    const mix = this.hyper.mix ?? 1;
    const { invL2, kStar, gStar, share, hammingRow, sumRow } = this;
    categoricalRow(xCat, this.data.categorical, n, dc, this.table, this.hyper.categoricalRates, this.kept, hammingRow, sumRow);
    for (let j = 0; j < n; j++) {
      let r2 = 0;
      const base = j * dn;
      for (let d = 0; d < dn; d++) {
        const diff = xNum[d]! - numeric[base + d]!;
        r2 += diff * diff * invL2[d]!;
      }
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      const hamming = hammingRow[j]!;
      kStar[j] = kernelValue(signal, mix, 1 + SQRT5 * r + (5 / 3) * r2, e, hamming, sumRow[j]!, share);
      gStar[j] = maternFactor(signal, mix, hamming, share, r, e);
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
