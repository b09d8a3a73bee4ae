/**
 * Grid search: the full product of categorical values and listed (or stepped) numeric values,
 * respecting conditions (a conditional parameter multiplies only the branch where it is active).
 * Each proposal is drawn uniformly from the grid points not yet in the history, which visits the
 * grid in a seeded random order, never repeats a point (running, failed and pruned trials count as
 * visited) and returns null once every point has been proposed.
 */
import { ConfigError } from '../core/errors.ts';
import type { ParamValue, Params } from '../core/trial.ts';
import type { ParamDef, SearchSpace } from '../config/space.ts';
import type { Sampler } from './types.ts';
import { isActive, orderedParams, paramsKey } from './space.ts';

/** Largest grid we enumerate; beyond it, listing values is the user's job. */
export const MAX_GRID_POINTS = 200_000;

function gridValues(name: string, def: ParamDef): readonly ParamValue[] {
  switch (def.type) {
    case 'fixed':
      return [def.value];
    case 'categorical':
      return def.values;
    case 'int':
    case 'float': {
      if (def.values) return [...new Set(def.values)];
      if (def.type === 'float' && def.step === undefined) {
        throw new ConfigError(`grid search cannot enumerate the float range ${def.low}..${def.high}`, {
          where: `space.${name}`,
          hint: `Give it explicit values (values: [${def.low}, ${def.high}]) or a step, or use a random/Bayesian sampler.`,
        });
      }
      const step = def.step ?? 1;
      const count = Math.round((def.high - def.low) / step) + 1;
      if (count > MAX_GRID_POINTS) {
        throw new ConfigError(`grid over ${name} would have ${count} values`, { where: `space.${name}`, hint: 'List the values to try, or widen the step.' });
      }
      return Array.from({ length: count }, (_, k) => (def.type === 'float' ? Number((def.low + k * step).toPrecision(12)) : def.low + k * step));
    }
  }
}

/** Every grid point, in a fixed (declaration) order. Throws ConfigError if the space is not griddable. */
export function enumerateGrid(space: SearchSpace): Params[] {
  const order = orderedParams(space);
  const values = order.map(({ name, def }) => gridValues(name, def));
  const out: Params[] = [];
  const walk = (index: number, partial: Record<string, ParamValue>): void => {
    if (index === order.length) {
      if (out.length >= MAX_GRID_POINTS) {
        throw new ConfigError(`the grid has more than ${MAX_GRID_POINTS} points`, { where: 'space', hint: 'Fewer values per parameter, or a random/Bayesian sampler.' });
      }
      out.push({ ...partial });
      return;
    }
    const { name, def } = order[index]!;
    if (!isActive(def, partial)) return walk(index + 1, partial);
    for (const value of values[index]!) {
      partial[name] = value;
      walk(index + 1, partial);
    }
    delete partial[name];
  };
  walk(0, {});
  return out;
}

export function createGridSampler(): Sampler {
  const cache = new WeakMap<SearchSpace, { points: Params[]; keys: Map<string, number> }>();
  const gridOf = (space: SearchSpace) => {
    let grid = cache.get(space);
    if (!grid) {
      const points = enumerateGrid(space);
      grid = { points, keys: new Map(points.map((p, i) => [paramsKey(p), i])) };
      cache.set(space, grid);
    }
    return grid;
  };
  return {
    name: 'grid',
    sample(space, history, rng) {
      const { points, keys } = gridOf(space);
      const visited = new Set<number>();
      for (const trial of history) {
        const index = keys.get(paramsKey(trial.params));
        if (index !== undefined) visited.add(index);
      }
      const left = points.length - visited.size;
      if (left === 0) return null;
      // The k-th unvisited point, k uniform: a seeded shuffle drawn one point at a time.
      const k = rng.int(0, left - 1);
      const sortedVisited = [...visited].sort((a, b) => a - b);
      let index = k;
      for (const v of sortedVisited) {
        if (v <= index) index++;
        else break;
      }
      return points[index]!;
    },
  };
}
