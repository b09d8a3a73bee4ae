/**
 * Maximising an acquisition (log expected improvement, or an upper confidence bound for local
 * steps) over a mixed space: score many candidates (uniform ones and perturbations of the best
 * observed points), polish the best few with L-BFGS over their active numeric coordinates
 * (categories held), try every single-category change of the winner, then snap to legal values
 * (steps, ints) and re-score. Points already in the history are never proposed.
 */
import type { Rng } from '../../core/rng.ts';
import type { Params } from '../../core/trial.ts';
import type { SearchSpace } from '../../config/space.ts';
import { decodeParams, encodeParams, type EncodedPoint, type SpaceEncoding } from '../encoding.ts';
import { dLogHdz, logH } from '../math.ts';
import { paramsKey, sampleRandomParams } from '../space.ts';
import { minimize } from './lbfgs.ts';
import type { GpPosterior } from './model.ts';

/** Value a model sees for an inactive numeric coordinate. */
export const INACTIVE_COORDINATE = 0.5;

export interface AcquisitionOptions {
  readonly randomCandidates: number;
  readonly perturbationsPerAnchor: number;
  readonly polishStarts: number;
  readonly polishIterations: number;
}

export const DEFAULT_ACQUISITION: AcquisitionOptions = { randomCandidates: 300, perturbationsPerAnchor: 40, polishStarts: 4, polishIterations: 40 };

/** A local step: only perturbations of the anchors (the incumbent), at scales 0.01 / 0.05 / 0.2. */
export const LOCAL_ACQUISITION: AcquisitionOptions = { randomCandidates: 0, perturbationsPerAnchor: 120, polishStarts: 4, polishIterations: 40 };

export function imputed(point: EncodedPoint): Float64Array {
  return point.numeric.map((x) => (Number.isNaN(x) ? INACTIVE_COORDINATE : x));
}

/**
 * log EI at a point and, optionally, its gradient over the numeric coordinates. Where the latent
 * variance is under `minVariance`, -Infinity (the point is not a candidate; its gradient is zero).
 */
export function logEi(posterior: GpPosterior, numeric: Float64Array, categorical: Int32Array, best: number, grad?: Float64Array, minVariance = 0): number {
  if (!grad) {
    const { mean, variance } = posterior.predict(numeric, categorical);
    if (variance < minVariance) return -Infinity;
    const sd = Math.sqrt(variance);
    return Math.log(sd) + logH((mean - best) / sd);
  }
  const gm = new Float64Array(numeric.length);
  const gv = new Float64Array(numeric.length);
  const { mean, variance } = posterior.predict(numeric, categorical, gm, gv);
  if (variance < minVariance) {
    grad.fill(0);
    return -Infinity;
  }
  const sd = Math.sqrt(variance);
  const z = (mean - best) / sd;
  const slope = dLogHdz(z);
  for (let d = 0; d < numeric.length; d++) {
    const dsd = gv[d]! / (2 * sd);
    const dz = gm[d]! / sd - (z * dsd) / sd;
    grad[d] = dsd / sd + slope * dz;
  }
  return Math.log(sd) + logH(z);
}

interface Scored {
  readonly params: Params;
  readonly point: EncodedPoint;
  readonly score: number;
}

/** An acquisition to maximise: its value at a point and, when `grad` is given, its numeric gradient. */
export type Acquisition = (numeric: Float64Array, categorical: Int32Array, grad?: Float64Array) => number;

/** Upper confidence bound mean + beta sd (latent), with its gradient over the numeric coordinates. */
export function ucb(posterior: GpPosterior, beta: number): Acquisition {
  return (numeric, categorical, grad) => {
    if (!grad) {
      const { mean, variance } = posterior.predict(numeric, categorical);
      return mean + beta * Math.sqrt(variance);
    }
    const gm = new Float64Array(numeric.length);
    const gv = new Float64Array(numeric.length);
    const { mean, variance } = posterior.predict(numeric, categorical, gm, gv);
    const sd = Math.sqrt(variance);
    for (let d = 0; d < numeric.length; d++) grad[d] = gm[d]! + (beta * gv[d]!) / (2 * sd);
    return mean + beta * sd;
  };
}

export function maximizeLogEi(
  space: SearchSpace,
  encoding: SpaceEncoding,
  posterior: GpPosterior,
  best: number,
  anchors: readonly EncodedPoint[],
  taken: ReadonlySet<string>,
  rng: Rng,
  options: AcquisitionOptions = DEFAULT_ACQUISITION,
  minVariance = 0,
): Params {
  return maximizeAcquisition(space, encoding, (x, c, g) => logEi(posterior, x, c, best, g, minVariance), anchors, taken, rng, options);
}

export function maximizeAcquisition(
  space: SearchSpace,
  encoding: SpaceEncoding,
  acquisition: Acquisition,
  anchors: readonly EncodedPoint[],
  taken: ReadonlySet<string>,
  rng: Rng,
  options: AcquisitionOptions = DEFAULT_ACQUISITION,
): Params {
  const seen = new Set(taken);
  const scored: Scored[] = [];
  const consider = (params: Params): Scored | undefined => {
    const key = paramsKey(params);
    if (seen.has(key)) return undefined;
    seen.add(key);
    const point = encodeParams(encoding, params);
    const entry = { params, point, score: acquisition(imputed(point), point.categorical) };
    scored.push(entry);
    return entry;
  };

  for (let i = 0; i < options.randomCandidates; i++) consider(sampleRandomParams(space, rng));
  const flip = 1 / Math.max(2, encoding.categorical.length);
  for (const anchor of anchors) {
    for (let i = 0; i < options.perturbationsPerAnchor; i++) {
      const scale = [0.01, 0.05, 0.2][i % 3]!;
      consider(
        decodeParams(
          space,
          encoding,
          (d) => {
            const x = anchor.numeric[d]!;
            return Number.isNaN(x) ? rng.next() : Math.min(1, Math.max(0, x + scale * rng.normal()));
          },
          (c) => {
            const k = anchor.categorical[c]!;
            return k < 0 || rng.next() < flip ? rng.int(0, encoding.categorical[c]!.size - 1) : k;
          },
        ),
      );
    }
  }
  if (scored.length === 0) return sampleRandomParams(space, rng); // every candidate was taken: a finite space is used up

  scored.sort((a, b) => b.score - a.score);
  let winner = scored[0]!;
  for (const start of scored.slice(0, options.polishStarts)) {
    const polished = polish(space, encoding, acquisition, start, options.polishIterations);
    const entry = polished && consider(polished);
    if (entry && entry.score > winner.score) winner = entry;
  }
  // Single-category moves around the winner (children that become active start mid-range).
  for (let c = 0; c < encoding.categorical.length; c++) {
    if (winner.point.categorical[c]! < 0) continue;
    const base = winner;
    for (let k = 0; k < encoding.categorical[c]!.size; k++) {
      if (k === base.point.categorical[c]) continue;
      const moved = decodeParams(
        space,
        encoding,
        (d) => (Number.isNaN(base.point.numeric[d]!) ? INACTIVE_COORDINATE : base.point.numeric[d]!),
        (cc) => (cc === c ? k : Math.max(0, base.point.categorical[cc]!)),
      );
      const entry = consider(moved);
      if (entry && entry.score > winner.score) winner = entry;
    }
  }
  return winner.params;
}

/** L-BFGS over the active numeric coordinates of `start`, then snapped to legal params. */
function polish(space: SearchSpace, encoding: SpaceEncoding, acquisition: Acquisition, start: Scored, iterations: number): Params | undefined {
  const active: number[] = [];
  start.point.numeric.forEach((x, d) => {
    if (!Number.isNaN(x)) active.push(d);
  });
  if (active.length === 0) return undefined;
  const full = imputed(start.point);
  const fullGrad = new Float64Array(full.length);
  const result = minimize(
    (x, grad) => {
      active.forEach((d, i) => (full[d] = x[i]!));
      const value = acquisition(full, start.point.categorical, fullGrad);
      active.forEach((d, i) => (grad[i] = -fullGrad[d]!));
      return -value;
    },
    active.map((d) => start.point.numeric[d]!),
    { lower: active.map(() => 0), upper: active.map(() => 1), maxIterations: iterations, gradientTolerance: 1e-6 },
  );
  const optimum = imputed(start.point);
  active.forEach((d, i) => (optimum[d] = result.x[i]!));
  return decodeParams(
    space,
    encoding,
    (d) => optimum[d]!,
    (c) => start.point.categorical[c]!,
  );
}
