/**
 * A numeric view of a space for model-based samplers: every range parameter becomes a unit
 * coordinate (log-aware), every categorical an index. Inactive conditional parameters encode as
 * NaN / -1, so a model can tell "absent" from any real value. Fixed parameters carry no
 * information and have no dimension.
 */
import type { ParamValue, Params } from '../core/trial.ts';
import type { CategoricalDef, SearchSpace } from '../config/space.ts';
import { buildParams, orderedParams, rangeFromUnit, rangeToUnit, type RangeDef } from './space.ts';

export interface NumericDim {
  readonly name: string;
  readonly def: RangeDef;
  /** Unit width of one step for ints and stepped floats (0 when continuous). */
  readonly quantum: number;
}

export interface CategoricalDim {
  readonly name: string;
  readonly def: CategoricalDef;
  readonly size: number;
}

export interface SpaceEncoding {
  readonly numeric: readonly NumericDim[];
  readonly categorical: readonly CategoricalDim[];
}

/** A point in encoded form: unit coordinates (NaN when inactive) and category indices (-1 when inactive). */
export interface EncodedPoint {
  readonly numeric: Float64Array;
  readonly categorical: Int32Array;
}

const cache = new WeakMap<SearchSpace, SpaceEncoding>();

export function encodingOf(space: SearchSpace): SpaceEncoding {
  const cached = cache.get(space);
  if (cached) return cached;
  const numeric: NumericDim[] = [];
  const categorical: CategoricalDim[] = [];
  for (const { name, def } of orderedParams(space)) {
    if (def.type === 'categorical') categorical.push({ name, def, size: def.values.length });
    else if (def.type === 'int' || def.type === 'float') {
      let quantum = 0;
      if (!def.log && (def.step !== undefined || def.type === 'int')) quantum = (def.step ?? 1) / Math.max(def.high - def.low, 1e-300);
      if (def.log && def.type === 'int') quantum = 1 / Math.max(def.high - def.low, 1);
      numeric.push({ name, def, quantum });
    }
  }
  const encoding = { numeric, categorical };
  cache.set(space, encoding);
  return encoding;
}

export function encodeParams(encoding: SpaceEncoding, params: Params): EncodedPoint {
  const numeric = new Float64Array(encoding.numeric.length);
  const categorical = new Int32Array(encoding.categorical.length);
  encoding.numeric.forEach((dim, i) => {
    const value = params[dim.name];
    numeric[i] = typeof value === 'number' ? rangeToUnit(dim.def, value) : NaN;
  });
  encoding.categorical.forEach((dim, i) => {
    const value = params[dim.name];
    categorical[i] = value === undefined ? -1 : dim.def.values.findIndex((v) => v === value);
  });
  return { numeric, categorical };
}

/**
 * Turns encoded coordinates into legal params. `numericAt` / `categoricalAt` give a value for each
 * dimension that becomes active (they are asked lazily, parents first, so a sampler can draw the
 * children of a branch only once the branch is chosen).
 */
export function decodeParams(
  space: SearchSpace,
  encoding: SpaceEncoding,
  numericAt: (index: number) => number,
  categoricalAt: (index: number) => number,
): Params {
  const numericIndex = new Map(encoding.numeric.map((d, i) => [d.name, i]));
  const categoricalIndex = new Map(encoding.categorical.map((d, i) => [d.name, i]));
  return buildParams(space, (name, def): ParamValue => {
    if (def.type === 'categorical') return def.values[categoricalAt(categoricalIndex.get(name)!)]!;
    return rangeFromUnit(def, numericAt(numericIndex.get(name)!));
  });
}
