/**
 * Walking a SearchSpace: which parameters are active, in what order (parents before children),
 * how a numeric parameter maps to the unit interval and back (log and step aware), and a
 * canonical key for a point. Every sampler builds its proposal through `buildParams`, so
 * conditions and fixed values are handled in one place.
 */
import type { Rng } from '../core/rng.ts';
import type { ParamValue, Params } from '../core/trial.ts';
import type { FloatDef, IntDef, ParamDef, SearchSpace } from '../config/space.ts';

export type RangeDef = IntDef | FloatDef;

export interface OrderedParam {
  readonly name: string;
  readonly def: ParamDef;
}

const orderCache = new WeakMap<SearchSpace, readonly OrderedParam[]>();

/** The parameters in declaration order, except that a parent always comes before its children. */
export function orderedParams(space: SearchSpace): readonly OrderedParam[] {
  const cached = orderCache.get(space);
  if (cached) return cached;
  const out: OrderedParam[] = [];
  const placed = new Set<string>();
  const place = (name: string, depth: number): void => {
    if (placed.has(name) || depth > Object.keys(space).length) return;
    const def = space[name]!;
    for (const parent of Object.keys(def.when ?? {})) if (space[parent]) place(parent, depth + 1);
    placed.add(name);
    out.push({ name, def });
  };
  for (const name of Object.keys(space)) place(name, 0);
  orderCache.set(space, out);
  return out;
}

/** Whether `def` is active given the (partial) params chosen so far: every parent matches. */
export function isActive(def: ParamDef, params: Readonly<Record<string, ParamValue>>): boolean {
  if (!def.when) return true;
  for (const [parent, values] of Object.entries(def.when)) {
    const value = params[parent];
    if (value === undefined || !values.some((v) => v === value)) return false;
  }
  return true;
}

/**
 * Builds one point: visits parameters parent-first, skips inactive ones, fills fixed values, and
 * asks `choose` for everything else. The result has exactly the active parameters.
 */
export function buildParams(
  space: SearchSpace,
  choose: (name: string, def: Exclude<ParamDef, { type: 'fixed' }>, partial: Readonly<Record<string, ParamValue>>) => ParamValue,
): Params {
  const params: Record<string, ParamValue> = {};
  for (const { name, def } of orderedParams(space)) {
    if (!isActive(def, params)) continue;
    params[name] = def.type === 'fixed' ? def.value : choose(name, def, params);
  }
  return params;
}

/** Maps a range value into [0, 1] (log-aware). */
export function rangeToUnit(def: RangeDef, value: number): number {
  if (def.high === def.low) return 0.5;
  if (def.log) return (Math.log(value) - Math.log(def.low)) / (Math.log(def.high) - Math.log(def.low));
  return (value - def.low) / (def.high - def.low);
}

/** Maps u in [0, 1] back to a legal value: clipped, snapped to the step, rounded for ints. */
export function rangeFromUnit(def: RangeDef, u: number): number {
  const clipped = Math.min(1, Math.max(0, u));
  const value = def.log
    ? Math.exp(Math.log(def.low) + clipped * (Math.log(def.high) - Math.log(def.low)))
    : def.low + clipped * (def.high - def.low);
  return snapRange(def, value);
}

/** Snaps a raw number onto the legal values of a range. */
export function snapRange(def: RangeDef, raw: number): number {
  let value = Math.min(def.high, Math.max(def.low, raw));
  if (def.step !== undefined) {
    const k = Math.round((value - def.low) / def.step);
    value = def.low + k * def.step;
    value = Math.min(def.high, value);
    if (def.type === 'float') value = Number(value.toPrecision(12));
  }
  if (def.type === 'int') value = Math.min(def.high, Math.max(def.low, Math.round(value)));
  return value;
}

/** A uniformly random legal value of one parameter (log-uniform for log ranges). */
export function sampleUniform(def: Exclude<ParamDef, { type: 'fixed' }>, rng: Rng): ParamValue {
  if (def.type === 'categorical') return rng.pick(def.values);
  if (def.type === 'int' && !def.log) {
    const step = def.step ?? 1;
    return def.low + step * rng.int(0, Math.round((def.high - def.low) / step));
  }
  if (def.type === 'int') {
    // Log-uniform over integers: sample the widened interval [low - 0.5, high + 0.5] in log space.
    const lo = Math.log(def.low - 0.5 > 0 ? def.low - 0.5 : def.low);
    const hi = Math.log(def.high + 0.5);
    return snapRange(def, Math.exp(rng.uniform(lo, hi)));
  }
  return rangeFromUnit(def, rng.next());
}

/** Uniform random point of the space. */
export function sampleRandomParams(space: SearchSpace, rng: Rng): Params {
  return buildParams(space, (_name, def) => sampleUniform(def, rng));
}

/** Keys of frozen points (a study's trials): a point cannot change once frozen, so its key is computed once. */
const frozenKeys = new WeakMap<Params, string>();

/** A canonical string for a point (sorted keys), used to find duplicates. */
export function paramsKey(params: Params): string {
  const known = frozenKeys.get(params);
  if (known !== undefined) return known;
  const key = JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
  if (Object.isFrozen(params)) frozenKeys.set(params, key);
  return key;
}

/** Problems with a point against a space: missing/extra/inactive params, out of range, wrong type. */
export function checkParams(space: SearchSpace, params: Params): string[] {
  const problems: string[] = [];
  const seen: Record<string, ParamValue> = {};
  for (const { name, def } of orderedParams(space)) {
    const active = isActive(def, seen);
    const value = params[name];
    if (!active) {
      if (value !== undefined) problems.push(`${name}: present but inactive`);
      continue;
    }
    if (value === undefined) {
      problems.push(`${name}: missing`);
      continue;
    }
    seen[name] = value;
    if (def.type === 'fixed' && value !== def.value) problems.push(`${name}: ${String(value)} is not the fixed ${String(def.value)}`);
    if (def.type === 'categorical' && !def.values.some((v) => v === value)) problems.push(`${name}: ${String(value)} is not one of the values`);
    if (def.type === 'int' || def.type === 'float') {
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${name}: ${String(value)} is not a number`);
      else {
        if (value < def.low || value > def.high) problems.push(`${name}: ${value} outside ${def.low}..${def.high}`);
        if (def.type === 'int' && !Number.isInteger(value)) problems.push(`${name}: ${value} is not an integer`);
        if (def.step !== undefined && Math.abs(snapRange(def, value) - value) > 1e-9 * Math.max(1, Math.abs(value))) {
          problems.push(`${name}: ${value} is off the step ${def.step}`);
        }
      }
    }
  }
  for (const name of Object.keys(params)) if (!(name in space)) problems.push(`${name}: not in the space`);
  return problems;
}
