import { IllegalTransitionError } from './errors.ts';

/** A parameter value: JSON scalars only, so params round-trip through YAML, JSON and NATS. */
export type ParamValue = string | number | boolean;
/** One point of the search space. Conditional parameters that are inactive are absent. */
export type Params = Readonly<Record<string, ParamValue>>;

export const TRIAL_STATES = ['waiting', 'running', 'complete', 'pruned', 'failed'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
export const FINISHED_STATES: ReadonlySet<TrialState> = new Set(['complete', 'pruned', 'failed']);

/**
 * The only legal transitions. "Stalled" is not a state: a running trial whose lease expired
 * goes back to `waiting` (running -> waiting). Finished trials are immutable.
 */
const TRANSITIONS: Readonly<Record<TrialState, readonly TrialState[]>> = {
  waiting: ['running', 'failed', 'pruned'],
  running: ['waiting', 'complete', 'pruned', 'failed'],
  complete: [],
  pruned: [],
  failed: [],
};

export function canTransition(from: TrialState, to: TrialState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: TrialState, to: TrialState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError('trial', from, to);
}

export function isFinished(state: TrialState): boolean {
  return FINISHED_STATES.has(state);
}

/** An intermediate value reported by a running trial at a step (epoch, fold, or both combined). */
export interface IntermediateReport {
  readonly step: number;
  readonly value: number;
}

/** An immutable snapshot of a trial, what samplers and pruners see. Values are "maximise". */
export interface FrozenTrial {
  readonly id: string;
  readonly number: number;
  readonly state: TrialState;
  readonly params: Params;
  /** The objective, already normalised so that larger is better. Present when complete. */
  readonly value?: number;
  readonly reports: readonly IntermediateReport[];
}
