/**
 * Parameter importance of a study: a seeded random forest (src/report/forest.ts) fitted to the
 * complete trials' values, reported as each parameter's share of the variance its splits remove
 * (mean decrease in impurity, as Optuna's MeanDecreaseImpurityImportanceEvaluator).
 *
 * Encoding, so conditional parameters are handled rather than dropped: a categorical becomes one
 * 0/1 column per declared level plus one for "not set" when it is conditional (columns summed
 * back into the parameter); a numeric range becomes its value (log10 of it on a log range), and an
 * inactive conditional value sits below the range (src/report/params.ts' notSetPosition), so a
 * split can separate "not set" from every real value.
 */
import { createRng } from '../core/rng.ts';
import type { StoredTrial } from '../transport/messages.ts';
import { DEFAULT_FOREST, impurityImportance, type ForestOptions } from './forest.ts';
import { NOT_SET, axisValue, notSetPosition, type ParamAxis } from './params.ts';

export interface ParamImportance {
  readonly name: string;
  /** Share of the removed variance, in [0, 1]; all parameters sum to 1 (or all are 0). */
  readonly importance: number;
}

export interface ImportanceResult {
  readonly method: string;
  readonly trials: number;
  readonly seed: number;
  readonly params: readonly ParamImportance[];
  readonly durationMs: number;
}

/** The encoded columns of one parameter for one trial. */
function encode(axis: ParamAxis, value: string | number): number[] {
  if (axis.kind === 'categorical') return axis.levels.map((level) => (level === value ? 1 : 0));
  const raw = value === NOT_SET ? notSetPosition(axis) : Number(value);
  return [axis.log ? Math.log10(raw) : raw];
}

/** Importance of each parameter axis from the complete trials with a finite value; seeded. */
export function paramImportance(trials: readonly StoredTrial[], axes: readonly ParamAxis[], seed: number, options: ForestOptions = DEFAULT_FOREST): ImportanceResult {
  const started = performance.now();
  const complete = trials.filter((t) => t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)).sort((a, b) => a.number - b.number);
  const owner: number[] = [];
  axes.forEach((axis, a) => encode(axis, axis.kind === 'categorical' ? axis.levels[0]! : axis.low).forEach(() => owner.push(a)));
  const x = complete.map((t) => axes.flatMap((axis) => encode(axis, axisValue(axis, t.params))));
  const y = complete.map((t) => t.value!);
  const columns = impurityImportance(x, y, createRng(`importance/${seed}`), options);
  const shares = axes.map(() => 0);
  columns.forEach((share, c) => (shares[owner[c]!]! += share));
  return {
    method: `mean decrease in impurity of a seeded random forest (${options.trees} trees, depth ≤ ${options.maxDepth}, ≥ ${options.minLeaf} trials per leaf)`,
    trials: complete.length,
    seed,
    params: axes.map((axis, a) => ({ name: axis.name, importance: shares[a]! })).sort((p, q) => q.importance - p.importance || p.name.localeCompare(q.name)),
    durationMs: performance.now() - started,
  };
}
