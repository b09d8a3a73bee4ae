/**
 * The seeded space-filling start of the model-based samplers: a best-candidate design under the
 * MaxPro criterion. Each startup proposal is the one of many uniform candidates that minimises the
 * MaxPro sum against every point already in the history (running trials included), so a sequential
 * or parallel start spreads out in every projection like a Latin hypercube, is a pure function of
 * (history, rng), and adapts to trials restored from another sampler. (A maximin criterion was
 * tried first: in 6-D it pushes the start into corners, and the GP then needed ~10 more trials on
 * Hartmann-6.)
 */
import type { Rng } from '../core/rng.ts';
import type { FrozenTrial, Params } from '../core/trial.ts';
import type { SearchSpace } from '../config/space.ts';
import { encodeParams, encodingOf, type EncodedPoint } from './encoding.ts';
import { sampleRandomParams } from './space.ts';

export const STARTUP_CANDIDATES = 100;

/**
 * MaxPro criterion term of a pair (Joseph, Gul & Ba 2015): 1 / prod_d (x_d - y_d)^2, so two points
 * close in ANY single coordinate are penalised (a Latin-hypercube-like spread in every projection)
 * without the maximin pull towards corners. Categories count as distance 1 when different and
 * 1/size when equal; a dimension inactive in either point is ignored.
 */
export function maxProTerm(a: EncodedPoint, b: EncodedPoint, categorySizes: readonly number[]): number {
  let logProduct = 0;
  for (let i = 0; i < a.numeric.length; i++) {
    const x = a.numeric[i]!;
    const y = b.numeric[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) continue;
    logProduct += Math.log((x - y) * (x - y) + 1e-6);
  }
  for (let i = 0; i < a.categorical.length; i++) {
    if (a.categorical[i]! < 0 || b.categorical[i]! < 0) continue;
    if (a.categorical[i] === b.categorical[i]) logProduct += 2 * Math.log(1 / categorySizes[i]!);
  }
  return Math.exp(-logProduct);
}

export function spaceFillingSample(space: SearchSpace, history: readonly FrozenTrial[], rng: Rng, candidates = STARTUP_CANDIDATES): Params {
  const encoding = encodingOf(space);
  const existing = history.map((t) => encodeParams(encoding, t.params));
  let best = sampleRandomParams(space, rng);
  if (existing.length === 0) return best;
  const sizes = encoding.categorical.map((d) => d.size);
  let bestCriterion = Infinity;
  for (let c = 0; c < candidates; c++) {
    const candidate = c === 0 ? best : sampleRandomParams(space, rng);
    const encoded = encodeParams(encoding, candidate);
    let criterion = 0;
    for (const point of existing) {
      criterion += maxProTerm(encoded, point, sizes);
      if (criterion >= bestCriterion) break;
    }
    if (criterion < bestCriterion) {
      bestCriterion = criterion;
      best = candidate;
    }
  }
  return best;
}

/**
 * Whether a model-based sampler should still propose from the space-filling start: until
 * `startupTrials` trials have been asked and at least half of them are finished (complete, or
 * pruned/failed, which also carry information). Counting asks, not completions, keeps a parallel
 * study (many trials in flight) from spending far more than `startupTrials` on the start.
 */
export function inStartup(history: readonly FrozenTrial[], startupTrials: number): boolean {
  if (history.length < startupTrials) return true;
  let complete = 0;
  for (const t of history) if (t.state === 'complete') complete++;
  return complete < Math.max(2, Math.ceil(startupTrials / 2));
}

/** Startup size by default: one trial per searched dimension, at least 5 and at most 10. */
export function defaultStartupTrials(space: SearchSpace): number {
  const encoding = encodingOf(space);
  return Math.min(10, Math.max(5, encoding.numeric.length + encoding.categorical.length));
}
