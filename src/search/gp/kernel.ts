/**
 * The GP's kernel formula, shared by the marginal likelihood's fit and the posterior (model.ts).
 * With M the ARD Matern-5/2 over unit numeric coordinates, r^2 = sum_d (x_d - x'_d)^2 / l_d^2, and
 * per categorical c the match term h_c = exp(-rate_c [x_c != x'_c]) (an inactive categorical is its
 * own category):
 *   product:      k = signal * M(r) * prod_c h_c
 *   sum-product:  k = signal * (mix * M prod_c h_c + (1 - mix) * (M + sum_c h_c) / (1 + dc))
 * The sum-product kernel (after CoCaBO, Ru et al. 2020, with CoCaBO's overlap kernel made additive
 * over the categoricals) is the default where a space has both kinds: in the product alone, two
 * points that differ in most categoricals are nearly uncorrelated, so with many categorical
 * dimensions the model cannot learn that one level is better than another across the other
 * choices; the additive part can, and the fitted `mix` says how much of each the data wants. Both
 * have k(x, x) = signal.
 */

export const SQRT5 = Math.sqrt(5);

/**
 * The kernel of a space with both numeric and categorical dimensions: 'sum-product' (default) adds a
 * first-order additive part to the product, so an effect of one category is learnt across the
 * combinations of the others; 'product' is the product alone. Spaces of one kind always get the product.
 */
export type GpKernel = 'sum-product' | 'product';

/**
 * Kernel value from its parts: Matern M = poly * e, Hamming H = exp(-sum_c rate_c [x_c != x'_c]),
 * and the additive sum S = sum_c exp(-rate_c [x_c != x'_c]) with `share` = 1 / (1 + dc):
 * signal * (mix M H + (1 - mix) share (M + S)). The product (mix 1) is evaluated in the order it
 * always was, bit for bit.
 */
export function kernelValue(signal: number, mix: number, poly: number, e: number, hamming: number, sum: number, share: number): number {
  if (mix === 1) return signal * hamming * poly * e;
  const matern = poly * e;
  return signal * (mix * matern * hamming + (1 - mix) * share * (matern + sum));
}

/** The factor of the Matern's input and lengthscale gradients: signal * (mix H + (1 - mix) share) * (5/3) (1 + sqrt5 r) e. */
export function maternFactor(signal: number, mix: number, hamming: number, share: number, r: number, e: number): number {
  const weight = mix === 1 ? signal * hamming : signal * (mix * hamming + (1 - mix) * share);
  return weight * (5 / 3) * (1 + SQRT5 * r) * e;
}
