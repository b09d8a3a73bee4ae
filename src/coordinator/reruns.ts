/**
 * Trials that ran more than once. At-least-once delivery means a trial can run again: its lease
 * expired while its agent still worked (a stalled event loop, a partition), or a server restart
 * redelivered it. The first outcome to reach the store finishes the trial and is kept (finished
 * records never change); every later outcome of another run is recorded beside it as a
 * StoredRerun, so `skewer status` and the reporters can say how often it happened.
 *
 * storeOutcome applies an outcome and records it instead when it came late; the rest is pure:
 * which outcome is a late run, and how many runs each trial had.
 */
import { isFinished } from '../core/trial.ts';
import { PROTOCOL_VERSION, type StoredRerun, type StoredTrial, type TrialOutcomeMessage } from '../transport/messages.ts';
import type { AttemptLimits } from './attempt-budget.ts';
import { applyOutcome } from './outcomes.ts';
import type { TrialStore } from './store.ts';

/**
 * Applies `message` to its trial (the first outcome to finish it wins). When the trial had been
 * finished by another run, the outcome is recorded beside it instead, once however often it is
 * delivered: `rerun` is set only the first time. `stored` is undefined for an unknown trial.
 */
export async function storeOutcome(
  store: TrialStore,
  message: TrialOutcomeMessage,
  limits: AttemptLimits,
  now: number,
): Promise<{ stored: StoredTrial | undefined; rerun?: StoredRerun }> {
  const stored = await store.update(message.trialId, (t) => applyOutcome(t, message, limits));
  const late = stored && lateRun(stored, message, now);
  if (late && (await store.recordRerun(late))) return { stored, rerun: late };
  return { stored };
}

/**
 * The rerun record for `message` when `stored` (the trial as stored after applying it) is finished
 * and does not carry this outcome, i.e. another run's outcome finished it first. Undefined when
 * the trial is unfinished, or when `message` is the kept outcome itself (a redelivery of it).
 */
export function lateRun(stored: StoredTrial, message: TrialOutcomeMessage, at: number): StoredRerun | undefined {
  if (!isFinished(stored.state)) return undefined;
  // The attempt record takes the outcome and end time of the message applied to it.
  const kept = stored.attempts.some((a) => a.attempt === message.attempt && a.outcome === message.outcome && a.endedAt === message.endedAt);
  if (kept) return undefined;
  return {
    v: PROTOCOL_VERSION,
    type: 'rerun',
    trialId: message.trialId,
    attempt: message.attempt,
    agent: message.agent,
    startedAt: message.startedAt,
    endedAt: message.endedAt,
    outcome: message.outcome,
    ...(message.value !== undefined && { value: message.value }),
    ...(message.error !== undefined && { error: message.error }),
    at,
  };
}

export interface RerunCount {
  readonly trialId: string;
  /** The trial's number, -1 when the trial record is unknown to the caller. */
  readonly number: number;
  /** How many runs reported an outcome: the kept one plus each late one. */
  readonly runs: number;
  readonly reruns: readonly StoredRerun[];
}

/** One entry per trial with late runs, by trial number; each late run once. */
export function countReruns(reruns: readonly StoredRerun[], trials: readonly StoredTrial[]): RerunCount[] {
  const numbers = new Map(trials.map((t) => [t.id, t.number]));
  const byTrial = new Map<string, Map<string, StoredRerun>>();
  for (const rerun of reruns) {
    const runs = byTrial.get(rerun.trialId) ?? new Map<string, StoredRerun>();
    runs.set(`${rerun.attempt}/${rerun.agent}/${rerun.startedAt}`, rerun);
    byTrial.set(rerun.trialId, runs);
  }
  return [...byTrial]
    .map(([trialId, runs]) => ({
      trialId,
      number: numbers.get(trialId) ?? -1,
      runs: runs.size + 1,
      reruns: [...runs.values()].sort((a, b) => a.at - b.at),
    }))
    .sort((a, b) => a.number - b.number || a.trialId.localeCompare(b.trialId));
}
