/**
 * "The trial failed" vs "the agent vanished": an attempt whose run failed (outcome `failed` or
 * `retry`) counts towards maxAttempts; one whose agent vanished (`lost`: heartbeats stopped or its
 * lease expired and another agent took it; `handed-back`; `interrupted`) counts towards the
 * separate, larger maxVanishings. Pure: used inside TrialStore.update (compare-and-set).
 */
import type { AttemptOutcome, StoredTrial } from '../transport/messages.ts';

export interface AttemptLimits {
  readonly maxAttempts: number;
  readonly maxVanishings: number;
}

const FAILURES: ReadonlySet<AttemptOutcome> = new Set(['failed', 'retry']);
const VANISHINGS: ReadonlySet<AttemptOutcome> = new Set(['lost', 'handed-back', 'interrupted']);

export function countAttempts(trial: Pick<StoredTrial, 'attempts'>): { failures: number; vanishings: number } {
  let failures = 0;
  let vanishings = 0;
  for (const { outcome } of trial.attempts) {
    if (outcome && FAILURES.has(outcome)) failures += 1;
    else if (outcome && VANISHINGS.has(outcome)) vanishings += 1;
  }
  return { failures, vanishings };
}

function history(trial: StoredTrial): string {
  return trial.attempts.map((a) => `#${a.attempt} on ${a.agent}: ${a.outcome ?? 'no outcome'}${a.error ? ` (${a.error})` : ''}`).join('; ');
}

/**
 * Fails an unfinished trial that has used up a budget: `maxAttempts` failed runs, or more than
 * `maxVanishings` vanished agents. Returns the trial unchanged otherwise.
 */
export function enforceAttemptLimits(trial: StoredTrial, limits: AttemptLimits): StoredTrial {
  if (trial.state !== 'waiting' && trial.state !== 'running') return trial;
  const { failures, vanishings } = countAttempts(trial);
  if (failures >= limits.maxAttempts) {
    return { ...trial, state: 'failed', error: `failed ${failures} times (maxAttempts ${limits.maxAttempts}): ${history(trial)}` };
  }
  if (vanishings > limits.maxVanishings) {
    return {
      ...trial,
      state: 'failed',
      error: `its agents vanished ${vanishings} times (more than maxVanishings ${limits.maxVanishings}; raise it if agents come and go): ${history(trial)}`,
    };
  }
  return trial;
}
