/**
 * Direction, applied once. Stored trials, messages, events and everything a person reads keep a
 * trial's value as the objective gives it (a balanced accuracy, a Branin value). Samplers and
 * pruners see values where larger is better: `toMaximized` makes them at the one edge where
 * stored trials become search history, and `fromMaximized` turns them back. Ranking trials for a
 * person (best trial, leaderboard, export) is `compareByValue`, the only place that orders values.
 */
import type { FrozenTrial, IntermediateReport, TrialState } from './trial.ts';

export type Direction = 'maximize' | 'minimize';
export const DIRECTIONS: readonly Direction[] = ['maximize', 'minimize'];

/** A value in the objective's own direction -> larger is better. */
export function toMaximized(value: number, direction: Direction): number {
  return direction === 'maximize' ? value : -value;
}

/** The inverse of `toMaximized`. */
export function fromMaximized(value: number, direction: Direction): number {
  return direction === 'maximize' ? value : -value;
}

/** True when `a` is strictly better than `b` in `direction`. */
export function isBetter(a: number, b: number, direction: Direction): boolean {
  return toMaximized(a, direction) > toMaximized(b, direction);
}

interface Ranked {
  readonly number: number;
  readonly state: TrialState;
  readonly value?: number | undefined;
}

/**
 * Orders trials best first: complete trials with a finite value by value in `direction` (ties: the
 * earlier trial), then everything else by number. Use with `Array.prototype.sort`.
 */
export function compareByValue(direction: Direction): (a: Ranked, b: Ranked) => number {
  return (a, b) => {
    const av = rankValue(a);
    const bv = rankValue(b);
    if (av !== undefined && bv !== undefined) return toMaximized(bv, direction) - toMaximized(av, direction) || a.number - b.number;
    if (av !== undefined) return -1;
    if (bv !== undefined) return 1;
    return a.number - b.number;
  };
}

/** Complete trials best first (ties: the earlier trial). */
export function rankComplete<T extends Ranked>(trials: readonly T[], direction: Direction): T[] {
  return trials.filter((t) => rankValue(t) !== undefined).sort(compareByValue(direction));
}

/** The best complete trial (ties: the earliest), or undefined when none is complete. */
export function bestOf<T extends Ranked>(trials: readonly T[], direction: Direction): T | undefined {
  let best: T | undefined;
  const compare = compareByValue(direction);
  for (const t of trials) if (rankValue(t) !== undefined && (!best || compare(t, best) < 0)) best = t;
  return best;
}

function rankValue(t: Ranked): number | undefined {
  return t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value) ? t.value : undefined;
}

interface TrialRecordLike extends Ranked {
  readonly id: string;
  readonly params: FrozenTrial['params'];
  readonly reports: readonly IntermediateReport[];
}

/**
 * The edge: a stored trial (values in the objective's direction) as the search sees it, frozen,
 * with its value and reports made larger-is-better. A value is kept only on a complete trial.
 */
export function freezeForSearch(trial: TrialRecordLike, direction: Direction): FrozenTrial {
  return Object.freeze({
    id: trial.id,
    number: trial.number,
    state: trial.state,
    params: trial.params,
    ...(trial.state === 'complete' && trial.value !== undefined && { value: toMaximized(trial.value, direction) }),
    reports: Object.freeze(trial.reports.map((r) => Object.freeze({ step: r.step, value: toMaximized(r.value, direction) }))),
  });
}
