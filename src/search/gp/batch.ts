/**
 * Expected improvement with trials in flight: the joint q-EI of the pending points and the new one,
 * by Monte Carlo over the pending points' values and analytic in the new point (as BoTorch's
 * fantasised posteriors and Optuna's GP sampler do for running trials).
 *
 * With P the points in flight and M = max f(P), qEI({x} ∪ P) = E[(max(f(x), M) - best)+]
 *   = E[(M - best)+] + E_{f(P)}[ EI(x | f(P); max(best, M)) ],
 * so the part that depends on x is the analytic EI on the posterior conditioned on each joint draw
 * f_s(P), against the incumbent that draw implies, averaged over draws. Conditioning on a draw
 * moves only the posterior mean (linear in the targets), so one factor of the data plus the pending
 * points serves every draw: the variance and kernel row are shared, each draw costs one dot product.
 *
 * Unlike the kriging believer (the mean as the only fantasy), a pending point near the incumbent
 * does not flatten its basin: in the draws where that point comes out poor, its neighbours still
 * promise improvement, so a batch keeps several refinement points near the incumbent while the draws
 * where it comes out well push the rest elsewhere.
 */
import type { Rng } from '../../core/rng.ts';
import { dLogHdz, logH } from '../math.ts';
import type { Acquisition } from './acquisition.ts';
import { tryCholesky } from './linalg.ts';
import { GpPosterior, type GpData } from './model.ts';

/** Joint draws of the pending values (antithetic pairs, so half this many normals are drawn). */
export const FANTASY_SAMPLES = 16;

export interface PendingPoint {
  readonly numeric: Float64Array;
  readonly categorical: Int32Array;
}

/**
 * Joint draws f_s(P) from the posterior of `observed` at the pending points: mean + L z with
 * antithetic z, L the Cholesky factor of their posterior covariance. Row s is draw s.
 */
export function drawPending(observed: GpPosterior, pending: readonly PendingPoint[], rng: Rng, samples = FANTASY_SAMPLES): Float64Array[] {
  const k = pending.length;
  const mean = pending.map((p) => observed.predict(p.numeric, p.categorical).mean);
  const chol = tryCholesky(observed.jointCovariance(pending), k);
  const draws: Float64Array[] = [];
  for (let s = 0; s < samples; s += 2) {
    const z = Float64Array.from({ length: k }, () => rng.normal());
    for (const sign of [1, -1]) {
      const f = Float64Array.from(mean);
      if (chol) {
        for (let i = 0; i < k; i++) {
          let offset = 0;
          for (let j = 0; j <= i; j++) offset += chol.lower[i * k + j]! * z[j]!;
          f[i]! += sign * offset;
        }
      }
      draws.push(f);
    }
  }
  return draws;
}

/**
 * log of the fantasy-averaged EI at x (the x-dependent part of joint q-EI), with its gradient over
 * the numeric coordinates. `withPending` is the data with the pending points appended (their
 * targets are replaced by each draw); `best` is the best observed (standardised) value.
 */
export function batchLogEi(withPending: GpData, posterior: GpPosterior, observedY: Float64Array, draws: readonly Float64Array[], best: number): Acquisition {
  const n0 = observedY.length;
  const weights = draws.map((f) => {
    const y = new Float64Array(withPending.n);
    y.set(observedY);
    y.set(f, n0);
    return posterior.meanWeights(y);
  });
  const bests = draws.map((f) => Math.max(best, ...f));
  const s = draws.length;
  const means = new Float64Array(s);
  const terms = new Float64Array(s);
  const dn = withPending.numericDims;
  return (numeric, categorical, grad) => {
    const gradMeans = grad ? new Float64Array(s * dn) : undefined;
    const gradVar = grad ? new Float64Array(dn) : undefined;
    const variance = posterior.predictMany(numeric, categorical, weights, means, gradMeans, gradVar);
    const sd = Math.sqrt(variance);
    const logSd = Math.log(sd);
    let top = -Infinity;
    for (let i = 0; i < s; i++) {
      terms[i] = logSd + logH((means[i]! - bests[i]!) / sd);
      if (terms[i]! > top) top = terms[i]!;
    }
    let sum = 0;
    for (let i = 0; i < s; i++) sum += Math.exp(terms[i]! - top);
    const value = top + Math.log(sum / s);
    if (grad && gradMeans && gradVar) {
      grad.fill(0);
      for (let i = 0; i < s; i++) {
        const share = Math.exp(terms[i]! - top) / sum;
        const z = (means[i]! - bests[i]!) / sd;
        const slope = dLogHdz(z);
        for (let d = 0; d < dn; d++) {
          const dsd = gradVar[d]! / (2 * sd);
          const dz = gradMeans[i * dn + d]! / sd - (z * dsd) / sd;
          grad[d]! += share * (dsd / sd + slope * dz);
        }
      }
    }
    return value;
  };
}
