/**
 * The reporters for logs and scripts: plain text (one line per event, for pipes, CI and
 * `--no-tui`) and JSON lines (one JSON object per event, for `--json`).
 */
import type { StudyEvent } from '../core/events.ts';
import { metricLabel } from '../core/metric.ts';
import { batchLabel, formatClock, formatDuration, formatParams, formatScore, formatSummary } from './format.ts';
import { scoreLabel, studyProgress } from './selectors.ts';
import { reduceStudyView, type StudyViewState, initialStudyView } from './view-state.ts';

/** Where reporters write: process.stdout, a file stream, or a test's collector. */
export interface TextSink {
  write(text: string): unknown;
}

function trialLabel(state: StudyViewState, trialId: string): string {
  const trial = state.trials.get(trialId);
  return trial && trial.number >= 0 ? `trial #${trial.number}` : `trial ${trialId}`;
}

/**
 * The line for one event, or undefined for a heartbeat of an agent already known and unchanged
 * (heartbeats arrive every few seconds and would drown the log). `before` is the view before the
 * event, `after` the view with it.
 */
export function formatPlainEvent(event: StudyEvent, before: StudyViewState, after: StudyViewState): string | undefined {
  const time = formatClock(event.at);
  switch (event.type) {
    case 'study-started':
      return `${time} study ${event.study} started: sampler ${event.sampler}, ${event.totalTrials} trials, ${event.direction} ${event.metric ?? 'value'}`;
    case 'trial-created':
      return `${time} trial #${event.number} created: ${formatParams(event.params) || '(no params)'}`;
    case 'trial-started':
      return `${time} ${trialLabel(after, event.trialId)} started on ${event.agent} (attempt ${event.attempt})`;
    case 'trial-progress': {
      const p = event.progress;
      if (p.phase === 'pretrain') return `${time} ${trialLabel(after, event.trialId)} pretrain epoch ${p.epoch + 1}/${p.epochs}: NT-Xent ${p.loss.toFixed(4)}`;
      return `${time} ${trialLabel(after, event.trialId)} fold ${p.fold + 1}/${p.folds} epoch ${p.epoch + 1}/${p.epochs}: val ${scoreLabel(after)} ${formatScore(p.validationValue)}, loss ${p.loss.toFixed(4)}`;
    }
    case 'trial-batch': {
      // Batches are live detail the plain log leaves out, except where a stage with no epoch
      // report of its own begins: SimCLR pretraining's first epoch and a fold's cRT.
      const shown = after.trials.get(event.trialId)?.batch;
      const was = before.trials.get(event.trialId)?.batch;
      if (!shown?.stage || shown === was || (was?.stage === shown.stage && was.fold === shown.fold)) return undefined;
      const stage = shown.stage === 'pretrain' ? 'SimCLR pretraining' : 'classifier re-training (cRT)';
      return `${time} ${trialLabel(after, event.trialId)} ${stage} under way: ${batchLabel(shown)}`;
    }
    case 'trial-requeued':
      return `${time} ${trialLabel(after, event.trialId)} back to waiting: ${event.reason}`;
    case 'trial-finished': {
      const label = trialLabel(after, event.trialId);
      if (before.trials.get(event.trialId)?.finishedAt !== undefined) return `${time} ${label} duplicate result ignored`;
      const { done, total } = studyProgress(after, event.at);
      const count = `[${done}/${total ?? '?'}]`;
      if (event.state === 'failed') return `${time} ${label} failed ${count}: ${event.error ?? 'no reason given'}`;
      const result = event.result;
      if (!result) return `${time} ${label} ${event.state} ${count}: ${event.state === 'pruned' ? 'partial value' : 'value'} ${formatScore(event.value)}`;
      const recalls = result.classNames.map((name) => `${name} ${formatSummary(result.perClassRecall[name])}`).join(', ');
      return `${time} ${label} ${event.state} ${count}: ${metricLabel(result.metric)} ${formatSummary(result.objective)} (recall ${recalls}) in ${formatDuration(result.durationMs)} on ${result.backend}`;
    }
    case 'trial-rerun': {
      const seen = before.trials.get(event.trialId)?.reruns?.length ?? 0;
      const reruns = after.trials.get(event.trialId)?.reruns?.length ?? 0;
      if (reruns === seen) return undefined; // this run was reported already
      const how = event.value !== undefined ? `, value ${formatScore(event.value)}` : event.error ? `: ${event.error}` : '';
      const runs = 1 + reruns;
      return `${time} ${trialLabel(after, event.trialId)} ran again (${runs} runs): attempt ${event.attempt} on ${event.agent} ended ${event.outcome}${how}; not applied, the first result is kept`;
    }
    case 'agent-seen': {
      const known = before.agents.get(event.agent.name);
      const a = event.agent;
      if (known && known.lost === a.lost && known.left === a.left && known.slots === a.slots) return undefined;
      const verb = (known?.lost || known?.left) && !a.lost && !a.left ? 'back' : 'joined';
      return `${time} agent ${a.name} ${verb}: backend ${a.backend}, ${a.slots} slot${a.slots === 1 ? '' : 's'}, ${a.gpus} GPU${a.gpus === 1 ? '' : 's'}`;
    }
    case 'agent-lost':
      return `${time} agent ${event.name} LOST (no heartbeat)`;
    case 'agent-left':
      return `${time} agent ${event.name} left`;
    case 'study-finished': {
      const best = event.bestTrialId ? after.trials.get(event.bestTrialId) : undefined;
      const { done, failed, pruned } = studyProgress(after, event.at);
      const summary = `${done} trials done (${pruned} pruned, ${failed} failed)`;
      if (!best) return `${time} study finished: ${summary}, no completed trial`;
      const score = best.result ? `${metricLabel(best.result.metric)} ${formatSummary(best.result.objective)}` : formatScore(event.bestValue ?? best.value);
      return `${time} study finished: ${summary}; best trial #${best.number} ${score}: ${formatParams(best.params)}`;
    }
  }
}

export interface Reporter {
  onEvent(event: StudyEvent): void;
  /** Flushes and releases the output (and, for the TUI, unmounts it). */
  close(): Promise<void>;
}

export function createPlainReporter(out: TextSink): Reporter {
  let state = initialStudyView;
  return {
    onEvent(event) {
      const before = state;
      state = reduceStudyView(state, event);
      const line = formatPlainEvent(event, before, state);
      if (line !== undefined) out.write(`${line}\n`);
    },
    async close() {},
  };
}

export function createJsonReporter(out: TextSink): Reporter {
  return {
    onEvent(event) {
      out.write(`${JSON.stringify(event)}\n`);
    },
    async close() {},
  };
}
