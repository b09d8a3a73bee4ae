/**
 * From a sampled point to a stored trial: the work it describes (a trial spec over the study's
 * base, or a benchmark function), its resource estimate, and its initial record. Params that do
 * not make a valid trial spec give a trial that is failed at once with the reason, never queued.
 */
import { SkewerError } from '../core/errors.ts';
import type { Params } from '../core/trial.ts';
import { baseSpecOf, type StudyConfig } from '../config/study.ts';
import { specFromParams } from '../config/trial.ts';
import { PROTOCOL_VERSION, type StoredTrial, type TrialWork } from '../transport/messages.ts';
import { estimateResources } from './resources.ts';

export function workFor(config: StudyConfig, params: Params): TrialWork {
  if (config.objective) return { kind: 'function', function: config.objective.function, delayMs: config.objective.delayMs };
  // The study's metric is the trial's: its value, what its early stopping monitors, what export carries.
  return { kind: 'training', spec: specFromParams({ ...baseSpecOf(config), ...(config.metric && { metric: config.metric }) }, params) };
}

export function buildTrial(config: StudyConfig, asked: { id: string; number: number; params: Params }, now: number): StoredTrial {
  const base = {
    v: PROTOCOL_VERSION,
    type: 'trial' as const,
    id: asked.id,
    number: asked.number,
    params: { ...asked.params },
    dispatches: 0,
    attempts: [],
    reports: [],
    createdAt: now,
    updatedAt: now,
  };
  let work: TrialWork;
  try {
    work = workFor(config, asked.params);
  } catch (error) {
    if (!(error instanceof SkewerError)) throw error;
    const reason = error.where ? `${error.where}: ${error.message}` : error.message;
    return { ...base, state: 'failed', resources: { class: 'cpu', memoryBytes: 0 }, error: `invalid trial params: ${reason}` };
  }
  return { ...base, state: 'waiting', work, resources: estimateResources(work) };
}
