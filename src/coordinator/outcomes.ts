/**
 * Pure record mutations for what agents report, used inside TrialStore.update (compare-and-set).
 * Keyed by trial id and attempt: a start or an outcome seen before returns undefined (no write),
 * and the store never calls them for a finished trial, so duplicates change nothing.
 */
import type { IntermediateReport } from '../core/trial.ts';
import type {
  AttemptOutcome,
  AttemptRecord,
  StoredTrial,
  TrialOutcomeMessage,
  TrialStartedMessage,
} from '../transport/messages.ts';
import { enforceAttemptLimits, type AttemptLimits } from './attempt-budget.ts';

export function mergeReports(current: readonly IntermediateReport[], incoming: readonly IntermediateReport[]): IntermediateReport[] {
  const byStep = new Map(current.map((r) => [r.step, r]));
  for (const report of incoming) byStep.set(report.step, { step: report.step, value: report.value });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function sortAttempts(attempts: AttemptRecord[]): AttemptRecord[] {
  return attempts.sort((a, b) => a.attempt - b.attempt);
}

/**
 * Ends the open attempt (no outcome yet) with `outcome`; a running trial goes back to waiting.
 * Returns undefined when no attempt is open.
 */
export function closeOpenAttempt(trial: StoredTrial, outcome: AttemptOutcome, at: number, error?: string, limits?: AttemptLimits): StoredTrial | undefined {
  const open = trial.attempts.filter((a) => a.outcome === undefined);
  if (open.length === 0) return undefined;
  for (const attempt of open) {
    attempt.outcome = outcome;
    attempt.endedAt = at;
    if (error) attempt.error = error;
  }
  if (trial.state === 'running') trial.state = 'waiting';
  trial.progress = undefined;
  return limits ? enforceAttemptLimits(trial, limits) : trial;
}

/** An agent took the trial: a new attempt, and the trial is running (the atomic claim). */
export function applyStarted(trial: StoredTrial, message: TrialStartedMessage, limits?: AttemptLimits): StoredTrial | undefined {
  if (trial.attempts.some((a) => a.attempt === message.attempt)) return undefined;
  // An older attempt still open lost its lease (its agent died or stalled): it ends here.
  for (const attempt of trial.attempts) {
    if (attempt.outcome === undefined && attempt.attempt < message.attempt) {
      attempt.outcome = 'lost';
      attempt.endedAt = message.at;
    }
  }
  const superseded = trial.attempts.some((a) => a.outcome === undefined);
  trial.attempts = sortAttempts([...trial.attempts, { attempt: message.attempt, agent: message.agent, startedAt: message.at }]);
  if (!superseded) {
    trial.state = 'running';
    trial.progress = undefined;
  }
  trial.blocked = undefined;
  return limits ? enforceAttemptLimits(trial, limits) : trial;
}

/**
 * How an attempt ended. complete | pruned | failed finish the trial; the first one to arrive wins.
 * With `limits`, a retry that uses up maxAttempts (or a hand-back past maxVanishings) fails it.
 */
export function applyOutcome(trial: StoredTrial, message: TrialOutcomeMessage, limits?: AttemptLimits): StoredTrial | undefined {
  let attempt = trial.attempts.find((a) => a.attempt === message.attempt);
  if (attempt?.outcome !== undefined && attempt.outcome !== 'lost') return undefined;
  if (!attempt) {
    attempt = { attempt: message.attempt, agent: message.agent, startedAt: message.startedAt };
    trial.attempts = sortAttempts([...trial.attempts, attempt]);
  }
  attempt.endedAt = message.endedAt;
  attempt.outcome = message.outcome;
  if (message.error) attempt.error = message.error;
  if (message.reports.length) trial.reports = mergeReports(trial.reports, message.reports);
  trial.progress = undefined;
  switch (message.outcome) {
    case 'complete':
      if (message.value === undefined || !Number.isFinite(message.value)) {
        trial.state = 'failed';
        trial.error = `attempt ${message.attempt} completed without a finite objective value`;
      } else {
        trial.state = 'complete';
        trial.value = message.value;
        if (message.result) trial.result = message.result;
      }
      break;
    case 'pruned':
      trial.state = 'pruned';
      break;
    case 'failed':
      trial.state = 'failed';
      trial.error = message.error ?? `attempt ${message.attempt} failed`;
      break;
    case 'retry':
    case 'handed-back':
      // Back to waiting unless a newer attempt is already running it.
      if (trial.state === 'running' && !trial.attempts.some((a) => a.outcome === undefined)) trial.state = 'waiting';
      return limits ? enforceAttemptLimits(trial, limits) : trial;
  }
  return trial;
}
