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
 *
 * Speed without new numbers: the categorical factors depend only on which categories differ, so
 * up to 12 categoricals every mismatch pattern's factors are tabulated once per set of
 * hyperparameters (`mismatchTable`) and a pair's pattern is read branch-free (`mismatchMask`); the
 * table sums in the same order as the per-pair loop, so the kernel is unchanged bit for bit.
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

/** Categorical factors by mismatch pattern (bit c of the index set: category c differs): hamming[mask] and sum[mask]. */
export interface MismatchTable {
  readonly hamming: Float64Array;
  readonly sum: Float64Array;
}

/** Categoricals up to which a kernel tabulates every mismatch pattern (2^12 entries). */
export const MAX_TABLE_CATEGORICALS = 12;

/**
 * Every mismatch pattern's Hamming factor exp(-sum of the mismatched rates) and additive sum
 * dc - sum (1 - exp(-rate_c)), each summed in category order as a loop over the categories does,
 * so a kernel read from the table is the same bit for bit. Undefined past MAX_TABLE_CATEGORICALS.
 */
export function mismatchTable(rates: ArrayLike<number>, kept: ArrayLike<number>): MismatchTable | undefined {
  const dc = rates.length;
  if (dc > MAX_TABLE_CATEGORICALS) return undefined;
  const size = 1 << dc;
  const hamming = new Float64Array(size);
  const sum = new Float64Array(size);
  for (let mask = 0; mask < size; mask++) {
    let mismatch = 0;
    let total = dc;
    for (let c = 0; c < dc; c++) {
      if (mask & (1 << c)) {
        mismatch += rates[c]!;
        total -= 1 - kept[c]!;
      }
    }
    hamming[mask] = Math.exp(-mismatch);
    sum[mask] = total;
  }
  return { hamming, sum };
}

/** The mismatch pattern of two category rows of length dc (dc <= MAX_TABLE_CATEGORICALS), branch-free. */
export function mismatchMask(a: ArrayLike<number>, aBase: number, b: ArrayLike<number>, bBase: number, dc: number): number {
  let mask = 0;
  for (let c = 0; c < dc; c++) {
    const differs = a[aBase + c]! ^ b[bBase + c]!;
    mask |= ((differs | -differs) >>> 31) << c;
  }
  return mask;
}

/**
 * The categorical factors of k(x, X_j) for every row j of `categorical` (n x dc): hamming[j] and the
 * additive sum[j], from the table where there is one, else summed per row in category order.
 */
export function categoricalRow(
  xCat: ArrayLike<number>,
  categorical: ArrayLike<number>,
  n: number,
  dc: number,
  table: MismatchTable | undefined,
  rates: ArrayLike<number>,
  kept: ArrayLike<number>,
  hamming: Float64Array,
  sum: Float64Array,
): void {
  if (table) {
    for (let j = 0; j < n; j++) {
      const mask = mismatchMask(xCat, 0, categorical, j * dc, dc);
      hamming[j] = table.hamming[mask]!;
      sum[j] = table.sum[mask]!;
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    let mismatch = 0;
    let total = dc;
    const base = j * dc;
    for (let c = 0; c < dc; c++) {
      if (xCat[c] !== categorical[base + c]) {
        mismatch += rates[c]!;
        total -= 1 - kept[c]!;
      }
    }
    hamming[j] = mismatch === 0 ? 1 : Math.exp(-mismatch);
    sum[j] = total;
  }
}
