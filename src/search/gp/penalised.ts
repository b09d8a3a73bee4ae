/**
 * Local penalisation for trials in flight (González, Dai, Hennig & Lawrence 2016, "Batch Bayesian
 * optimization via local penalization"): log EI on the posterior of the finished trials only, plus
 * for each pending point x_j the log probability that x lies outside the ball around x_j that a
 * Lipschitz bound rules out:
 *   phi_j(x) = Phi((L r(x, x_j) - M + mu_j) / sigma_j),   (maximisation; M the best observed value)
 * with r the kernel's own metric (numeric distance over the lengthscales, plus the categorical
 * mismatch rates), mu_j / sigma_j the posterior at x_j, and L the largest gradient norm of the
 * posterior mean in that metric over a seeded sample of points. A pending point the model expects to
 * be poor excludes a wide ball; one expected near the incumbent excludes little, so the batch can
 * still refine the incumbent's basin. No fantasies: the model is the finished trials'.
 *
 * An option (`parallel: 'penalised'`), not the default: on Hartmann-6 with 8 in flight (50 trials,
 * 20 seeds) its median regret was 0.17 against the believer's 0.12.
 */
import type { Rng } from '../../core/rng.ts';
import { normalLogCdf, normalLogPdf } from '../math.ts';
import { logEi, type Acquisition } from './acquisition.ts';
import type { PendingPoint } from './batch.ts';
import type { GpHyperparameters, GpPosterior } from './model.ts';

/** Points at which the Lipschitz constant of the posterior mean is estimated (besides the data). */
export const LIPSCHITZ_SAMPLES = 200;

/** Largest |grad mu| in the kernel metric (per unit of x_d / l_d) over `points` and seeded uniform draws. */
export function lipschitzEstimate(posterior: GpPosterior, hyper: GpHyperparameters, points: readonly PendingPoint[], rng: Rng, samples = LIPSCHITZ_SAMPLES): number {
  const dn = hyper.lengthscales.length;
  const gm = new Float64Array(dn);
  const gv = new Float64Array(dn);
  let largest = 1e-7;
  const at = (p: PendingPoint) => {
    posterior.predict(p.numeric, p.categorical, gm, gv);
    let norm = 0;
    for (let d = 0; d < dn; d++) norm += (gm[d]! * hyper.lengthscales[d]!) ** 2;
    largest = Math.max(largest, Math.sqrt(norm));
  };
  points.forEach(at);
  for (let s = 0; s < samples && points.length > 0; s++) {
    const base = points[s % points.length]!;
    at({ numeric: Float64Array.from({ length: dn }, () => rng.next()), categorical: base.categorical });
  }
  return largest;
}

export function penalisedLogEi(posterior: GpPosterior, hyper: GpHyperparameters, pending: readonly PendingPoint[], best: number, lipschitz: number): Acquisition {
  const dn = hyper.lengthscales.length;
  const invL2 = hyper.lengthscales.map((l) => 1 / (l * l));
  const centres = pending.map((p) => {
    const { mean, variance } = posterior.predict(p.numeric, p.categorical);
    return { point: p, mean, sd: Math.sqrt(variance) };
  });
  return (numeric, categorical, grad) => {
    let value = logEi(posterior, numeric, categorical, best, grad);
    for (const c of centres) {
      let r2 = 0;
      for (let d = 0; d < dn; d++) r2 += (numeric[d]! - c.point.numeric[d]!) ** 2 * invL2[d]!;
      for (let k = 0; k < categorical.length; k++) if (categorical[k] !== c.point.categorical[k]) r2 += hyper.categoricalRates[k]!;
      const r = Math.sqrt(r2);
      const z = (lipschitz * r + c.mean - best) / c.sd;
      value += normalLogCdf(z);
      if (grad && r > 0) {
        const slope = Math.exp(normalLogPdf(z) - normalLogCdf(z)) * (lipschitz / c.sd);
        for (let d = 0; d < dn; d++) grad[d]! += (slope * (numeric[d]! - c.point.numeric[d]!) * invL2[d]!) / r;
      }
    }
    return value;
  };
}
