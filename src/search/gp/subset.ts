/**
 * A bounded model for long studies: past MAX_MODEL_TRIALS observations, the GP is fitted and
 * conditioned on a subset instead of every trial, so the cost per ask stops growing with the study
 * (the factor is O(m^3), each prediction O(m^2)). The subset keeps what the acquisition needs:
 * the best half (where improvement lives; the incumbent's neighbourhood is resolved by them), the
 * most recent quarter (where the search is now), and the rest spread evenly over the value ranking
 * (so the model still knows where the space is poor). A pure function of the values, in trial order.
 */

/** Observations the model is conditioned on at most (the factor of 128 + 16 in flight is ~1 ms). */
export const MAX_MODEL_TRIALS = 128;

/** Indices (ascending) of the observations the model uses, out of `values` (larger is better). */
export function modelSubset(values: ArrayLike<number>, max = MAX_MODEL_TRIALS): number[] {
  const n = values.length;
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  const ranked = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
  const best = Math.ceil(max / 2);
  for (let r = 0; r < best; r++) chosen.add(ranked[r]!);
  for (let i = n - 1; i >= 0 && chosen.size < best + Math.floor(max / 4); i--) chosen.add(i);
  const rest = ranked.filter((i) => !chosen.has(i));
  const spread = max - chosen.size;
  for (let k = 0; k < spread; k++) chosen.add(rest[Math.floor(((k + 0.5) * rest.length) / spread)]!);
  return [...chosen].sort((a, b) => a - b);
}
