/**
 * The study as the UI sees it, folded from the event stream by a pure reducer. The TUI, the plain
 * reporter and the tests all read this state; nothing here touches a terminal or a clock (time
 * comes from the events' `at` and from the `now` callers pass to the selectors).
 */
import { bestOf, type Direction } from '../core/direction.ts';
import type { AgentInfo, RerunOutcome, StudyEvent } from '../core/events.ts';
import { batchOrder, compareBatchOrder, type BatchProgress, type TrialProgress, type TrialResult } from '../core/result.ts';
import type { Params, TrialState } from '../core/trial.ts';

export interface TrialView {
  readonly id: string;
  /** The study's trial number; -1 while only later events of the trial have been seen. */
  readonly number: number;
  readonly params: Params;
  readonly state: TrialState;
  readonly attempts: number;
  readonly agent?: string;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly progress?: TrialProgress;
  /** Where the current attempt is inside the epoch it trains (live only; see isBatchNewer). */
  readonly batch?: BatchProgress;
  /**
   * The learning curve this view has seen for the current attempt: the validation value after each
   * epoch on the pruner's step axis (folds × epochs), ordered by step. Empty for a trial that ran
   * before the view attached (its finished record keeps no per-epoch values).
   */
  readonly curve?: readonly CurvePoint[];
  /** The objective as the coordinator reported it (for image trials: balanced accuracy). */
  readonly value?: number;
  readonly result?: TrialResult;
  readonly error?: string;
  /** Why the trial went back to waiting last (lease expired, agent lost, …). */
  readonly requeueReason?: string;
  /** Later runs whose outcomes arrived after this trial had finished (its first result is kept), oldest first. */
  readonly reruns?: readonly RerunView[];
}

/** One late run of a finished trial: recorded, not applied. */
export interface RerunView {
  readonly attempt: number;
  readonly agent: string;
  readonly startedAt: number;
  readonly at: number;
  readonly outcome: RerunOutcome;
  readonly value?: number;
  readonly error?: string;
}

export interface CurvePoint {
  readonly step: number;
  readonly value: number;
}

/** Adds (or, for a step seen before, replaces) one point, keeping the curve ordered by step. */
function withPoint(curve: readonly CurvePoint[] | undefined, point: CurvePoint): readonly CurvePoint[] {
  const kept = (curve ?? []).filter((p) => p.step !== point.step);
  return [...kept, point].sort((a, b) => a.step - b.step);
}

export interface StudyViewState {
  readonly study?: string;
  readonly sampler?: string;
  readonly direction: Direction;
  /** From study-started (what a trial's value is, and its column label); unknown when attached to a stream that did not say. */
  readonly metric?: string;
  readonly metricLabel?: string;
  readonly totalTrials?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly lastEventAt?: number;
  readonly trials: ReadonlyMap<string, TrialView>;
  /** Ids of finished trials in the order they finished: what `<Static>` prints, once each. */
  readonly finishedOrder: readonly string[];
  readonly agents: ReadonlyMap<string, AgentInfo>;
  readonly bestTrialId?: string;
  /** Best-so-far value after each completed trial, oldest first (the header's sparkline). */
  readonly bestHistory: readonly number[];
}

export const initialStudyView: StudyViewState = {
  direction: 'maximize',
  trials: new Map(),
  finishedOrder: [],
  agents: new Map(),
  bestHistory: [],
};

/**
 * The number a trial is ranked by: its value, i.e. the study's metric (mean over folds) for an image
 * trial, the function's value for a benchmark (a pruned trial's last report).
 */
export function scoreOf(trial: TrialView): number | undefined {
  return trial.value;
}

function placeholder(id: string): TrialView {
  return { id, number: -1, params: {}, state: 'waiting', attempts: 0 };
}

function withTrial(state: StudyViewState, id: string, update: (trial: TrialView) => TrialView): StudyViewState {
  const before = state.trials.get(id) ?? placeholder(id);
  const after = update(before);
  if (after === before && state.trials.has(id)) return state;
  const trials = new Map(state.trials);
  trials.set(id, after);
  return { ...state, trials };
}

function finishTrial(state: StudyViewState, event: Extract<StudyEvent, { type: 'trial-finished' }>): StudyViewState {
  const existing = state.trials.get(event.trialId);
  // Finished trials are immutable: a second result (redelivery) changes nothing.
  if (existing && (existing.state === 'complete' || existing.state === 'pruned' || existing.state === 'failed')) return state;
  let next = withTrial(state, event.trialId, (trial) => {
    const { progress: _progress, batch: _batch, ...rest } = trial;
    return {
      ...rest,
      state: event.state,
      finishedAt: event.at,
      ...(event.value !== undefined ? { value: event.value } : {}),
      ...(event.result !== undefined ? { result: event.result } : {}),
      ...(event.error !== undefined ? { error: event.error } : {}),
      ...(event.state === 'pruned' && trial.progress ? { progress: trial.progress } : {}),
    };
  });
  next = { ...next, finishedOrder: [...next.finishedOrder, event.trialId] };
  if (event.state !== 'complete') return next;
  const finished = next.trials.get(event.trialId)!;
  const previous = next.bestTrialId ? next.trials.get(next.bestTrialId) : undefined;
  const best = bestOf(previous ? [previous, finished] : [finished], next.direction);
  if (!best) return next;
  return { ...next, bestTrialId: best.id, bestHistory: [...next.bestHistory, scoreOf(best)!] };
}

/**
 * A batch report counts only if it is inside an epoch no epoch report has closed yet and later
 * than the batch already shown: a repeated, reordered or stale one changes nothing.
 */
export function isBatchNewer(batch: BatchProgress, trial: Pick<TrialView, 'progress' | 'batch'>): boolean {
  const at = batchOrder(batch);
  const { progress } = trial;
  if (progress && compareBatchOrder(at, batchOrder({ ...progress, stage: progress.phase })) <= 0) return false;
  return !trial.batch || compareBatchOrder(at, batchOrder(trial.batch)) > 0;
}

/** Drops the batch shown once an epoch report has closed its epoch. */
function withoutClosedBatch(trial: TrialView): TrialView {
  if (!trial.batch || isBatchNewer(trial.batch, { progress: trial.progress })) return trial;
  const { batch: _batch, ...rest } = trial;
  return rest;
}

/** Folds one event into the view. Pure: returns a new state (or the same one if nothing changed). */
export function reduceStudyView(state: StudyViewState, event: StudyEvent): StudyViewState {
  const stamped: StudyViewState = { ...state, lastEventAt: Math.max(state.lastEventAt ?? 0, event.at) };
  switch (event.type) {
    case 'study-started':
      return {
        ...stamped,
        study: event.study,
        sampler: event.sampler,
        totalTrials: event.totalTrials,
        direction: event.direction,
        ...(event.metric && { metric: event.metric }),
        ...(event.metricLabel && { metricLabel: event.metricLabel }),
        startedAt: stamped.startedAt ?? event.at,
      };
    case 'trial-created':
      return withTrial(stamped, event.trialId, (trial) => ({ ...trial, number: event.number, params: event.params }));
    case 'trial-started':
      return withTrial(stamped, event.trialId, (trial) => {
        if (trial.state !== 'waiting' && trial.state !== 'running') return trial;
        // A new attempt trains from scratch: its progress and curve start again.
        const { progress: _progress, curve: _curve, batch: _batch, ...rest } = trial;
        return { ...rest, state: 'running', attempts: Math.max(trial.attempts, event.attempt), agent: event.agent, startedAt: event.at };
      });
    case 'trial-progress':
      return withTrial(stamped, event.trialId, (trial) =>
        trial.state === 'running' || trial.state === 'waiting'
          ? withoutClosedBatch({ ...trial, state: 'running', progress: event.progress, curve: withPoint(trial.curve, { step: event.progress.step, value: event.progress.validationValue }) })
          : trial,
      );
    case 'trial-batch':
      return withTrial(stamped, event.trialId, (trial) =>
        trial.state === 'running' && event.attempt >= trial.attempts && isBatchNewer(event.batch, trial) ? { ...trial, batch: event.batch } : trial,
      );
    case 'trial-requeued':
      return withTrial(stamped, event.trialId, (trial) => {
        if (trial.state !== 'running' && trial.state !== 'waiting') return trial;
        const { progress: _progress, batch: _batch, ...rest } = trial;
        return { ...rest, state: 'waiting', requeueReason: event.reason };
      });
    case 'trial-finished':
      return finishTrial(stamped, event);
    case 'trial-rerun':
      return withTrial(stamped, event.trialId, (trial) => {
        // The same late run seen twice (a replay, a re-read journal) is one run.
        if (trial.reruns?.some((r) => r.attempt === event.attempt && r.agent === event.agent && r.startedAt === event.startedAt)) return trial;
        const { type: _type, trialId: _trialId, ...rerun } = event;
        return { ...trial, reruns: [...(trial.reruns ?? []), rerun] };
      });
    case 'agent-seen': {
      const agents = new Map(stamped.agents);
      agents.set(event.agent.name, event.agent);
      return { ...stamped, agents };
    }
    case 'agent-lost':
    case 'agent-left': {
      const agents = new Map(stamped.agents);
      const known = agents.get(event.name);
      const lost = event.type === 'agent-lost';
      agents.set(event.name, {
        ...(known ?? { name: event.name, backend: '?', slots: 0, gpus: 0, memoryBytes: 0, lastHeartbeat: 0 }),
        busy: 0,
        lost,
        left: !lost,
      });
      return { ...stamped, agents };
    }
    case 'study-finished': {
      const bestTrialId = event.bestTrialId && stamped.trials.has(event.bestTrialId) ? event.bestTrialId : stamped.bestTrialId;
      return { ...stamped, finishedAt: event.at, bestTrialId };
    }
  }
}

/** Folds a whole list of events (a replay) from the initial state. */
export function foldStudyEvents(events: Iterable<StudyEvent>, from: StudyViewState = initialStudyView): StudyViewState {
  let state = from;
  for (const event of events) state = reduceStudyView(state, event);
  return state;
}
