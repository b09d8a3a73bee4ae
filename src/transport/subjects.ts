/**
 * The only place where NATS subjects, stream names and bucket names are spelled. Everything else
 * asks this module, so a rename is one edit and a typo is a compile error.
 *
 * Layout on one server (several studies may share it; agents serve all of them):
 * - trial queues (JetStream work-queue streams), one per study and resource class:
 *   `SKEWER_TRIALS_<study>_cpu`, `…_native`, `…_gpu`. Each has its own consumer, so its lease
 *   (ack_wait) and attempt bound (max_deliver) are that study's, whatever other studies on the
 *   server chose; an agent consumes the classes it can run (a wasm agent only `cpu`) of the
 *   studies it joined, and never sees another study's trials. JetStream forbids overlapping
 *   work-queue consumers, so routing is done by stream, not by filter.
 * - per study: a results queue `SKEWER_RESULTS_<study>` (agents -> coordinator, durable so a
 *   coordinator that was down still gets every result) and a KV bucket `skewer_study_<study>`
 *   holding the study record, one record per trial, one per agent seen and one per late re-run.
 * - core NATS (fire and forget): `skewer.report.<study>.<trialId>`, `skewer.prune.<study>.<trialId>`,
 *   `skewer.heartbeat.<study>.<agent>` (an agent beats once per study it joined, signed for it; the
 *   study in every subject lets NATS permissions confine a study's agents to it).
 * - one object store `skewer_datasets` of datasets under their content hash, and per study an
 *   object store `skewer_encoders_<study>` of the SimCLR encoders its agents pretrained.
 */
import { UserError } from '../core/errors.ts';
import { NAME_PATTERN } from '../core/names.ts';

/** Study, agent and trial names become subject tokens and stream names: no dots, spaces or wildcards. */
export { NAME_PATTERN } from '../core/names.ts';

/** Resource classes: which agents can run a trial. An agent consumes its own class and those below it. */
export const RESOURCE_CLASSES = ['cpu', 'native', 'gpu'] as const;
export type ResourceClass = (typeof RESOURCE_CLASSES)[number];

function checkName(kind: string, name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new UserError(`invalid ${kind} name '${name}'`, {
      where: kind,
      hint: 'Use 1-64 letters, digits, _ or - (it becomes a NATS subject token).',
    });
  }
  return name;
}

/**
 * The work-queue stream carrying one study's trials of one resource class. Unambiguous: a class
 * has no `_`, so the last token is the class and the rest the study.
 */
export function trialQueueName(study: string, resourceClass: ResourceClass): string {
  return `SKEWER_TRIALS_${checkName('study', study)}_${resourceClass}`;
}

/** The work-queue stream carrying one study's trial starts and outcomes to its coordinator. */
export function resultQueueName(study: string): string {
  return `SKEWER_RESULTS_${checkName('study', study)}`;
}

/** The subject a work-queue stream named `stream` listens on (the NATS transport binds it). */
export function queueSubject(stream: string): string {
  return `skewer.queue.${stream}`;
}

/** The stream capturing MAX_DELIVERIES advisories of the work-queue stream `stream`. */
export function exhaustedStreamName(stream: string): string {
  return `${stream}_EXHAUSTED`;
}

const STUDY_BUCKET_PREFIX = 'skewer_study_';

/** The KV bucket holding one study's records. */
export function studyBucketName(study: string): string {
  return `${STUDY_BUCKET_PREFIX}${checkName('study', study)}`;
}

/** The study names among bucket names (the inverse of studyBucketName). */
export function studyNamesOf(buckets: readonly string[]): string[] {
  return buckets.filter((b) => b.startsWith(STUDY_BUCKET_PREFIX)).map((b) => b.slice(STUDY_BUCKET_PREFIX.length));
}

/** Server-wide settings (KV): each study's trial-queue lease and attempt settings, under its own key. */
export const SETTINGS_BUCKET = 'skewer_settings';

/** The key of one study's trial-queue settings in SETTINGS_BUCKET. */
export function trialQueueSettingsKey(study: string): string {
  return `trial-queues.${checkName('study', study)}`;
}

/** Coordinator leases (KV), one key per study: who runs it, renewed while it runs. */
export const LEASE_BUCKET = 'skewer_leases';

export function coordinatorLeaseKey(study: string): string {
  return `coordinator.${checkName('study', study)}`;
}

/** The object store of datasets, keyed by content hash; shared by every study on the server. */
export const DATASET_BUCKET = 'skewer_datasets';

/**
 * One study's object store of pretrained encoders (`<key>.skewer-encoder`). Per study, not shared:
 * a study's agents may write it (configs/nats-least-privilege.conf), and an encoder poisoned by a
 * party of one study must not reach another study's trials.
 */
export function encoderBucketName(study: string): string {
  return `skewer_encoders_${checkName('study', study)}`;
}

/** KV keys inside a study bucket. */
export const STUDY_KEY = 'study';
export const TRIAL_KEY_PREFIX = 'trial.';
export const AGENT_KEY_PREFIX = 'agent.';
export const RERUN_KEY_PREFIX = 'rerun.';

export function trialKey(trialId: string): string {
  return `${TRIAL_KEY_PREFIX}${trialId}`;
}

export function agentKey(agent: string): string {
  return `${AGENT_KEY_PREFIX}${agent}`;
}

/**
 * One late run of a trial: its attempt, agent and start time name it, so the same outcome
 * delivered twice is one key, and two runs that share an attempt number (a queue that forgot its
 * delivery count in a restart) are two.
 */
export function rerunKey(trialId: string, attempt: number, agent: string, startedAt: number): string {
  return `${RERUN_KEY_PREFIX}${trialId}.${attempt}.${agent}.${startedAt}`;
}

/** Per-epoch/per-fold reports of one study's trials (agent -> coordinator). */
export function reportSubject(study: string, trialId: string): string {
  return `skewer.report.${study}.${trialId}`;
}

export function reportSubjectsOf(study: string): string {
  return `skewer.report.${study}.>`;
}

/** Prune commands (coordinator -> the agent running the trial). */
export function pruneSubject(study: string, trialId: string): string {
  return `skewer.prune.${study}.${trialId}`;
}

export function pruneSubjectsOf(study: string): string {
  return `skewer.prune.${checkName('study', study)}.>`;
}

/** Heartbeats and goodbyes of an agent for one study it joined (agent -> that study's coordinator). */
export function heartbeatSubject(study: string, agent: string): string {
  return `skewer.heartbeat.${checkName('study', study)}.${checkName('agent', agent)}`;
}

export function heartbeatSubjectsOf(study: string): string {
  return `skewer.heartbeat.${checkName('study', study)}.>`;
}

/** Checks a study name early, with a clear error naming the config field. */
export function checkStudyName(name: string): string {
  return checkName('study', name);
}

export function checkAgentName(name: string): string {
  return checkName('agent', name);
}
