/**
 * Numeric kernels shared by the samplers: the normal distribution (pdf, cdf, log-cdf),
 * log-sum-exp and a numerically safe log expected improvement. Written here because search is pure
 * and dependency-free.
 */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** erfc(x) with relative error < 1.2e-7 everywhere (Numerical Recipes' Chebyshev fit). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** log erfc(x), accurate for large positive x where erfc underflows. */
export function logErfc(x: number): number {
  if (x < 5) return Math.log(erfc(x));
  const z = x;
  const t = 1 / (1 + 0.5 * z);
  return (
    Math.log(t) -
    z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  );
}

export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

export function normalLogPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

export function normalLogCdf(z: number): number {
  return Math.log(0.5) + logErfc(-z / SQRT2);
}

export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}

/**
 * log E[max(f - best, 0)] for f ~ N(mean, sd^2): log(sd) + log h(z), z = (mean - best) / sd,
 * h(z) = phi(z) + z Phi(z), computed without cancellation for very negative z (LogEI, Ament et al. 2023).
 */
export function logExpectedImprovement(mean: number, sd: number, best: number): number {
  const z = (mean - best) / sd;
  return Math.log(sd) + logH(z);
}

export function logH(z: number): number {
  if (z > -1) return Math.log(normalPdf(z) + z * normalCdf(z));
  // h(z) = phi(z) * (1 - |z| * R(|z|)) with the Mills ratio R(u) = Phi(-u) / phi(u) = sqrt(pi/2) erfcx(u / sqrt2).
  const u = -z;
  if (u < 8) {
    const millsRatio = Math.exp(logErfc(u / SQRT2) + (u * u) / 2) * Math.sqrt(Math.PI / 2);
    return normalLogPdf(z) + Math.log(1 - u * millsRatio);
  }
  // Asymptotic series 1 - u R(u) ~ 1/u^2 - 3/u^4 + 15/u^6 (relative error < 5e-4 for u >= 8).
  const u2 = u * u;
  return normalLogPdf(z) + Math.log(1 / u2 - 3 / (u2 * u2) + 15 / (u2 * u2 * u2));
}

/** d/dz log h(z) = Phi(z) / h(z), for gradient-based acquisition optimisation. */
export function dLogHdz(z: number): number {
  return Math.exp(normalLogCdf(z) - logH(z));
}
