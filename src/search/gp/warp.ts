/**
 * Output warping for the GP: objective values are rarely Gaussian (a few good trials far above a
 * crowd of poor ones, or a long tail of failures), and a GP on raw values then models the crowd
 * and smooths over the interesting end. Values are standardised, passed through a Yeo-Johnson
 * power transform whose lambda maximises the Gaussian likelihood (as in HEBO), and standardised
 * again. Monotone, so the best point stays the best.
 */

export function standardize(values: readonly number[]): number[] {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return values.map((v) => (sd > 1e-12 ? (v - mean) / sd : 0));
}

export function yeoJohnson(y: number, lambda: number): number {
  if (y >= 0) return Math.abs(lambda) < 1e-8 ? Math.log1p(y) : ((1 + y) ** lambda - 1) / lambda;
  return Math.abs(lambda - 2) < 1e-8 ? -Math.log1p(-y) : -((1 - y) ** (2 - lambda) - 1) / (2 - lambda);
}

function yeoJohnsonLogLikelihood(values: readonly number[], lambda: number): number {
  const n = values.length;
  const transformed = values.map((v) => yeoJohnson(v, lambda));
  const mean = transformed.reduce((a, b) => a + b, 0) / n;
  const variance = transformed.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  let jacobian = 0;
  for (const v of values) jacobian += Math.sign(v) * Math.log1p(Math.abs(v));
  return -0.5 * n * Math.log(Math.max(variance, 1e-300)) + (lambda - 1) * jacobian;
}

/** Standardise, Yeo-Johnson with the best lambda on a grid over [-2, 4], standardise. */
export function warpValues(values: readonly number[]): number[] {
  const z = standardize(values);
  if (values.length < 3) return z;
  let bestLambda = 1;
  let bestLikelihood = -Infinity;
  for (let lambda = -2; lambda <= 4 + 1e-9; lambda += 0.1) {
    const likelihood = yeoJohnsonLogLikelihood(z, lambda);
    if (likelihood > bestLikelihood) {
      bestLikelihood = likelihood;
      bestLambda = lambda;
    }
  }
  return standardize(z.map((v) => yeoJohnson(v, bestLambda)));
}
