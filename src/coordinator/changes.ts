/**
 * StudyEvents derived from record changes. The coordinator emits what its own writes mean, and a
 * reader attached to a study elsewhere (`skewer ui --server`, a tail of the embedded journal)
 * derives the same events from the same records: one mapping, so both views agree.
 */
import { bestOf, type Direction } from '../core/direction.ts';
import type { AgentInfo, StudyEvent } from '../core/events.ts';
import { isFinished } from '../core/trial.ts';
import { parseStoredStudyConfig } from '../config/study.ts';
import { directionOf, valueNameOf } from '../objectives/index.ts';
import type { StoredAgent, StoredRerun, StoredStudy, StoredTrial } from '../transport/messages.ts';

const REQUEUE_OUTCOMES = new Set(['retry', 'handed-back', 'lost', 'interrupted']);

export function eventsFromTrialChange(before: StoredTrial | undefined, after: StoredTrial, at: number): StudyEvent[] {
  const events: StudyEvent[] = [];
  const trialId = after.id;
  if (!before) events.push({ type: 'trial-created', at, trialId, number: after.number, params: after.params });
  const known = before?.attempts ?? [];
  // Attempts that ended without finishing the trial: it goes round again.
  if (!isFinished(after.state)) {
    for (const attempt of after.attempts) {
      if (attempt.outcome === undefined || !REQUEUE_OUTCOMES.has(attempt.outcome)) continue;
      if (known.find((a) => a.attempt === attempt.attempt)?.outcome !== undefined) continue;
      events.push({ type: 'trial-requeued', at, trialId, reason: describeRequeue(attempt.outcome, attempt.agent, attempt.error) });
    }
  }
  // No live agent can run it: still waiting, now with a reason a person can act on.
  if (after.blocked && !before?.blocked && !isFinished(after.state)) {
    events.push({ type: 'trial-requeued', at, trialId, reason: `waiting for an agent that can run it: ${after.blocked}` });
  }
  for (const attempt of after.attempts) {
    if (known.some((a) => a.attempt === attempt.attempt)) continue;
    events.push({ type: 'trial-started', at, trialId, attempt: attempt.attempt, agent: attempt.agent });
  }
  if (after.progress && !isFinished(after.state) && JSON.stringify(after.progress) !== JSON.stringify(before?.progress)) {
    events.push({ type: 'trial-progress', at, trialId, progress: after.progress });
  }
  if (isFinished(after.state) && !(before && isFinished(before.state))) {
    const value = after.value ?? (after.state === 'pruned' ? after.reports.at(-1)?.value : undefined);
    events.push({
      type: 'trial-finished',
      at,
      trialId,
      state: after.state as 'complete' | 'pruned' | 'failed',
      ...(value !== undefined && { value }),
      ...(after.result !== undefined && { result: after.result }),
      ...(after.error !== undefined && { error: after.error }),
    });
  }
  return events;
}

/**
 * The events that tell a stored trial's story from its beginning, stamped with the times its record
 * keeps (created, each attempt's start, the end of the last attempt), so that a resumed study or a
 * view attached mid-study shows the history with real durations rather than all at one instant.
 */
export function eventsFromStoredTrial(trial: StoredTrial): StudyEvent[] {
  const ended = trial.attempts.at(-1)?.endedAt ?? trial.updatedAt;
  return eventsFromTrialChange(undefined, trial, trial.updatedAt).map((event): StudyEvent => {
    switch (event.type) {
      case 'trial-created':
        return { ...event, at: trial.createdAt };
      case 'trial-started':
        return { ...event, at: trial.attempts.find((a) => a.attempt === event.attempt)?.startedAt ?? event.at };
      case 'trial-finished':
        return { ...event, at: ended };
      default:
        return event;
    }
  });
}

/**
 * A resumed study shows its history first, so reporters know its earlier trials and results: each
 * trial's events together, finished trials in the order they finished, then the unfinished ones.
 */
export function replayHistory(trials: readonly StoredTrial[]): StudyEvent[] {
  const stories = trials.map((trial) => {
    const events = eventsFromStoredTrial(trial);
    const finished = events.find((e) => e.type === 'trial-finished');
    return { events, order: finished ? finished.at : Infinity };
  });
  return stories.sort((a, b) => a.order - b.order).flatMap((story) => story.events);
}

function describeRequeue(outcome: string, agent: string, error: string | undefined): string {
  switch (outcome) {
    case 'lost':
      return `agent ${agent} stopped answering`;
    case 'handed-back':
      return `agent ${agent} handed it back (stopping)`;
    case 'interrupted':
      return 'the study was interrupted; queued again on resume';
    default:
      return `retrying after a failure on ${agent}${error ? `: ${error}` : ''}`;
  }
}

/** A late run of a finished trial, recorded beside it (reruns.ts). */
export function eventFromRerun(rerun: StoredRerun): StudyEvent {
  return {
    type: 'trial-rerun',
    at: rerun.at,
    trialId: rerun.trialId,
    attempt: rerun.attempt,
    agent: rerun.agent,
    startedAt: rerun.startedAt,
    outcome: rerun.outcome,
    ...(rerun.value !== undefined && { value: rerun.value }),
    ...(rerun.error !== undefined && { error: rerun.error }),
  };
}

export function agentInfoOf(record: StoredAgent): AgentInfo {
  const { info } = record;
  return {
    name: info.name,
    backend: info.backend,
    slots: info.slots,
    busy: info.busy,
    gpus: info.gpus,
    memoryBytes: info.memoryBytes,
    ...(info.gpu && { gpu: info.gpu }),
    lastHeartbeat: record.lastHeartbeat,
    lost: record.lost,
    left: record.left === true,
  };
}

export function eventsFromAgentChange(before: StoredAgent | undefined, after: StoredAgent, at: number): StudyEvent[] {
  if (after.left) return before?.left ? [] : [{ type: 'agent-left', at, name: after.info.name }];
  if (after.lost) return before?.lost ? [] : [{ type: 'agent-lost', at, name: after.info.name }];
  return [{ type: 'agent-seen', at, agent: agentInfoOf(after) }];
}

/**
 * The study as it starts: its sampler, size, the direction its objective owns and what a trial's
 * value is (an image metric, or a benchmark function), from the stored config.
 */
export function studyStartedEvent(study: StoredStudy, at: number): StudyEvent {
  const config = parseStoredStudyConfig(study.config, `study ${study.name} (stored config)`);
  const value = valueNameOf(config);
  return {
    type: 'study-started',
    at,
    study: study.name,
    sampler: config.sampler.type,
    totalTrials: config.trials,
    direction: directionOf(config),
    metric: value.id,
    metricLabel: value.label,
  };
}

export function studyFinishedEvent(trials: readonly StoredTrial[], direction: Direction, at: number): StudyEvent {
  const best = bestOf(trials, direction);
  return { type: 'study-finished', at, ...(best && { bestTrialId: best.id, bestValue: best.value! }) };
}
