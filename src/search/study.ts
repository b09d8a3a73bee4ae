/**
 * The ask/tell Study: the programmatic face of search, used by the coordinator and the benchmark.
 *
 * Direction is normalised once, here: `report` and `tell` take values in the user's direction,
 * `best()` returns the user's value, but `trials()` (and everything samplers and pruners see) holds
 * values multiplied by +1 (maximize) or -1 (minimize), so that larger is always better.
 *
 * Determinism: trial n is proposed with `createRng(seed).fork(n)` from the history so far, so a
 * study restored from stored trials (`trials` option) proposes exactly what the original would.
 *
 * Idempotence: telling a finished trial the same outcome again is a no-op (messages can arrive
 * twice); telling it a different outcome throws a UserError. A report for a finished trial is
 * ignored and answered 'prune'.
 */
import { createRng } from '../core/rng.ts';
import { UserError } from '../core/errors.ts';
import { DIRECTIONS, bestOf, fromMaximized, toMaximized, type Direction } from '../core/direction.ts';
import type { FrozenTrial, IntermediateReport, Params, TrialState } from '../core/trial.ts';
import { parseSearchSpace, type SearchSpace } from '../config/space.ts';
import type { PruneDecision, Pruner, Sampler } from './types.ts';
import { DEFAULT_SAMPLER, createSampler, type SamplerName } from './samplers.ts';
import { checkParams } from './space.ts';

export type { Direction } from '../core/direction.ts';

export interface StudyOptions {
  readonly space: SearchSpace;
  /** Default: DEFAULT_SAMPLER, the same default a study file gets. */
  readonly sampler?: SamplerName | Sampler;
  readonly seed: number | string;
  readonly direction: Direction;
  readonly pruner?: Pruner;
  /** Stored history to resume from (values already normalised, as `trials()` returns them). */
  readonly trials?: readonly FrozenTrial[];
}

export interface AskedTrial {
  readonly id: string;
  readonly number: number;
  readonly params: Params;
}

export interface BestTrial extends AskedTrial {
  /** In the user's direction. */
  readonly value: number;
}

export type TellOutcome = number | { readonly state: 'failed' | 'pruned' };

export interface Study {
  readonly space: SearchSpace;
  readonly direction: Direction;
  readonly samplerName: string;
  /** The next trial to run, or null when the sampler is exhausted (grid). Asks may pile up in flight. */
  ask(): AskedTrial | null;
  /** Records an intermediate value (user's direction) at a step and returns the pruner's decision. */
  report(id: string, step: number, value: number): PruneDecision;
  /** Finishes a trial: a number completes it, `{ state }` marks it failed or pruned. */
  tell(id: string, outcome: TellOutcome): void;
  /** The best complete trial (ties: the earliest), value in the user's direction. */
  best(): BestTrial | undefined;
  /** Every trial in number order; values normalised so that larger is better. */
  trials(): readonly FrozenTrial[];
}

/** Stable, sortable trial ids: `0000`, `0001`, … (wider past 9999). */
export function trialId(number: number): string {
  return String(number).padStart(4, '0');
}

interface MutableTrial {
  id: string;
  number: number;
  state: TrialState;
  params: Params;
  value?: number;
  reports: IntermediateReport[];
  /** The last snapshot of this trial; dropped whenever the trial changes. */
  snapshot?: FrozenTrial;
}

/**
 * Trial `number` of a study: the sampler's proposal from the history so far with the rng
 * `createRng(seed).fork(number)`, checked against the space. The one way a trial is proposed, for
 * the in-memory Study and the coordinator (which derives `history` from its store) alike, so a
 * study rebuilt from stored trials proposes exactly what the original would. Null: exhausted.
 */
export function proposeTrial(space: SearchSpace, sampler: Sampler, seed: number | string, history: readonly FrozenTrial[]): AskedTrial | null {
  const number = history.length === 0 ? 0 : history[history.length - 1]!.number + 1;
  const params = sampler.sample(space, history, createRng(seed).fork(number));
  if (params === null) return null;
  const problems = checkParams(space, params);
  if (problems.length) throw new Error(`sampler '${sampler.name}' proposed an illegal point: ${problems.join('; ')}`);
  return { id: trialId(number), number, params: Object.freeze({ ...params }) };
}

export function createStudy(options: StudyOptions): Study {
  const space = parseSearchSpace(options.space);
  const sampler = typeof options.sampler === 'object' ? options.sampler : createSampler(options.sampler ?? DEFAULT_SAMPLER);
  const direction = options.direction;
  if (!DIRECTIONS.includes(direction)) {
    throw new UserError(`direction must be 'maximize' or 'minimize', got ${JSON.stringify(direction)}`, {
      where: 'createStudy({ direction })',
      hint: 'Say whether larger values of the objective are better (maximize) or worse (minimize).',
    });
  }
  const pruner = options.pruner;
  const records: MutableTrial[] = restore(options.trials ?? []);
  const byId = new Map(records.map((t) => [t.id, t]));
  let frozen: readonly FrozenTrial[] | undefined;

  const snapshot = (): readonly FrozenTrial[] =>
    (frozen ??= Object.freeze(records.map((t) => (t.snapshot ??= freeze(t)))));
  const changed = (trial: MutableTrial): void => {
    trial.snapshot = undefined;
    frozen = undefined;
  };

  const find = (id: string): MutableTrial => {
    const trial = byId.get(id);
    if (!trial) throw new UserError(`unknown trial '${id}'`, { where: `trial ${id}`, hint: 'Use the id returned by study.ask().' });
    return trial;
  };

  return {
    space,
    direction,
    samplerName: sampler.name,

    ask() {
      const asked = proposeTrial(space, sampler, options.seed, snapshot());
      if (asked === null) return null;
      const trial: MutableTrial = { ...asked, state: 'running', reports: [] };
      records.push(trial);
      byId.set(trial.id, trial);
      frozen = undefined;
      return asked;
    },

    report(id, step, value) {
      const trial = find(id);
      if (trial.state !== 'running' && trial.state !== 'waiting') return 'prune';
      if (!Number.isFinite(step) || step < 0) {
        throw new UserError(`report step must be a finite number >= 0, got ${step}`, { where: `trial ${id}` });
      }
      if (!Number.isFinite(value)) {
        throw new UserError(`report value must be finite, got ${value}`, { where: `trial ${id}`, hint: 'A diverged trial should be told { state: "failed" }.' });
      }
      const entry = { step, value: toMaximized(value, direction) };
      const at = trial.reports.findIndex((r) => r.step >= step);
      if (at === -1) trial.reports.push(entry);
      else if (trial.reports[at]!.step === step) trial.reports[at] = entry;
      else trial.reports.splice(at, 0, entry);
      changed(trial);
      if (!pruner) return 'continue';
      const history = snapshot();
      return pruner.decide(history.find((t) => t.id === id)!, history);
    },

    tell(id, outcome) {
      const trial = find(id);
      const state: TrialState = typeof outcome === 'number' ? 'complete' : outcome.state;
      if (typeof outcome === 'number' && !Number.isFinite(outcome)) {
        throw new UserError(`objective value must be finite, got ${outcome}`, { where: `trial ${id}`, hint: 'Tell { state: "failed" } for a trial that produced no usable value.' });
      }
      if (typeof outcome !== 'number' && outcome.state !== 'failed' && outcome.state !== 'pruned') {
        throw new UserError(`unknown outcome state '${String((outcome as { state: unknown }).state)}'`, { where: `trial ${id}`, hint: 'Use a number, { state: "failed" } or { state: "pruned" }.' });
      }
      const value = typeof outcome === 'number' ? toMaximized(outcome, direction) : undefined;
      if (trial.state === 'complete' || trial.state === 'pruned' || trial.state === 'failed') {
        if (trial.state === state && trial.value === value) return;
        const was = trial.state === 'complete' ? `complete with ${fromMaximized(trial.value!, direction)}` : trial.state;
        throw new UserError(`trial is already ${was}; cannot tell it ${typeof outcome === 'number' ? outcome : state}`, {
          where: `trial ${id}`,
          hint: 'Finished trials are immutable; repeating the same outcome is allowed, a different one is not.',
        });
      }
      trial.state = state;
      if (value !== undefined) trial.value = value;
      changed(trial);
    },

    best() {
      const best = bestOf(records, 'maximize'); // records hold larger-is-better values
      return best && { id: best.id, number: best.number, params: best.params, value: fromMaximized(best.value!, direction) };
    },

    trials: snapshot,
  };
}

function freeze(t: MutableTrial): FrozenTrial {
  return Object.freeze({
    id: t.id,
    number: t.number,
    state: t.state,
    params: t.params,
    ...(t.value === undefined ? {} : { value: t.value }),
    reports: Object.freeze(t.reports.map((r) => Object.freeze({ ...r }))),
  });
}

function restore(trials: readonly FrozenTrial[]): MutableTrial[] {
  const out = trials
    .map((t) => ({ id: t.id, number: t.number, state: t.state, params: Object.freeze({ ...t.params }), ...(t.value === undefined ? {} : { value: t.value }), reports: [...t.reports].sort((a, b) => a.step - b.step) }))
    .sort((a, b) => a.number - b.number);
  const ids = new Set<string>();
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    if (ids.has(t.id)) throw new UserError(`stored history has trial id '${t.id}' twice`, { where: `trial ${t.id}`, hint: 'The trial store is corrupt; restore it from a backup.' });
    if (i > 0 && out[i - 1]!.number === t.number) throw new UserError(`stored history has trial number ${t.number} twice`, { where: `trial ${t.id}` });
    if (t.state === 'complete' && !Number.isFinite(t.value)) throw new UserError('a complete trial has no finite value', { where: `trial ${t.id}` });
    ids.add(t.id);
  }
  return out;
}
