/**
 * Every payload skewer puts on the wire or in a store, as one versioned zod union per channel.
 * A message that fails validation (malformed, foreign, or from a future protocol version) is
 * rejected with a logged reason by the transport's codec and never executed.
 *
 * Channels (names in subjects.ts):
 * - trial queues:   TrialMessage         coordinator -> agents (work queue, at-least-once)
 * - results queue:  ResultMessage        agents -> coordinator (work queue: survives a coordinator crash)
 * - bus:            BusMessage           reports, heartbeats, prune commands, goodbyes (fire and forget)
 * On the trial, results and bus channels each payload travels inside a signed envelope
 * (auth/envelope.ts) and is checked for its study before it is applied (auth/trust.ts).
 * - study bucket:   StudyRecordValue     the study, its trials, agents and late re-runs (KV, compare-and-set)
 * - settings bucket: QueueSettings       each study's trial-queue lease and attempt settings
 */
import { z } from 'zod';
import { DATASET_HASH_PATTERN, DATASET_OBJECT_SUFFIX, NAME_PATTERN, NAME_RULE, PLAIN_FILE_NAME_PATTERN } from '../core/names.ts';
import { TRIAL_STATES } from '../core/trial.ts';
import { ParamValueSchema } from '../config/space.ts';
import { TrialSpecSchema } from '../config/trial.ts';
import { BatchProgressSchema, TrialProgressSchema, TrialResultSchema } from '../core/result.ts';
import { zodCodec, type VersionedFormat } from './codec.ts';
import { RESOURCE_CLASSES } from './subjects.ts';

/** Bumped on an incompatible change; a peer speaking another version is rejected, not misread. */
export const PROTOCOL_VERSION = 1 as const;
const version = z.literal(PROTOCOL_VERSION);
/** Every message and record of this protocol carries `v`; a later one is refused as a newer skewer's. */
const PROTOCOL: VersionedFormat = { field: 'v', current: PROTOCOL_VERSION, what: 'message protocol' };

const name = z.string().regex(NAME_PATTERN, NAME_RULE);
const timestamp = z.number().int().nonnegative();
const attempt = z.number().int().min(1);

export const ParamsSchema = z.record(z.string(), ParamValueSchema);

// ---------------------------------------------------------------- results
// TrialResultSchema and TrialProgressSchema are owned by src/core/result.ts (one schema, its type by z.infer).

export const IntermediateReportSchema = z.strictObject({ step: z.number().int().min(0), value: z.number() });

// ---------------------------------------------------------------- trial queues

/** What runs: a training recipe, or a benchmark function (to exercise the engine without training). */
export const TrialWorkSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('training'), spec: TrialSpecSchema }),
  z.strictObject({ kind: z.literal('function'), function: z.string().min(1), delayMs: z.number().int().min(0) }),
]);

/** Where an agent finds the dataset: a shared path if its content hash matches, else the object store. */
export const DatasetRefSchema = z
  .strictObject({
    /** sha256 hex: it names the agent's cache folder, so it is checked by pattern, never trusted. */
    hash: z.string().regex(DATASET_HASH_PATTERN, 'a dataset hash is 64 lowercase hex digits (sha256)'),
    /** Object name in the dataset bucket: the hash plus a fixed suffix. */
    object: z.string().min(1),
    /** The path on the coordinator's machine; used directly by an agent that sees the same content there. */
    path: z.string().min(1),
    /** When the dataset is a manifest file: its plain file name inside the archived folder. */
    entry: z.string().regex(PLAIN_FILE_NAME_PATTERN, 'a plain file name (no / or \\, not . or ..)').optional(),
  })
  .refine((ref) => ref.object === `${ref.hash}${DATASET_OBJECT_SUFFIX}`, { path: ['object'], message: `must be the hash followed by ${DATASET_OBJECT_SUFFIX}` });

export const ResourcesSchema = z.strictObject({
  class: z.enum(RESOURCE_CLASSES),
  /** Rough peak memory of the trial, to refuse it on an agent that cannot hold it. */
  memoryBytes: z.number().int().nonnegative(),
});

export const TrialMessageSchema = z.strictObject({
  v: version,
  type: z.literal('trial'),
  study: name,
  trialId: name,
  number: z.number().int().min(0),
  params: ParamsSchema,
  work: TrialWorkSchema,
  resources: ResourcesSchema,
  dataset: DatasetRefSchema.optional(),
  /** Attempts already used by earlier dispatches of this trial (an embedded resume re-publishes). */
  attemptOffset: z.number().int().min(0),
  /** Real failures allowed (the study's maxAttempts): the one that reaches it fails the trial. */
  maxAttempts: z.number().int().min(1),
  /**
   * Vanishings tolerated on top (lost agent, expired lease, handed back); the queue delivers this
   * dispatch up to maxAttempts + maxVanishings times. Absent (older coordinators): 0.
   */
  maxVanishings: z.number().int().min(0).optional(),
  /** Base delay of the nak backoff for a retryable failure. */
  retryDelayMs: z.number().int().min(0),
  /** The queue's lease: the agent renews it well within this. */
  ackWaitMs: z.number().int().min(1),
});

// ---------------------------------------------------------------- results queue

/** How one attempt ended, as the agent saw it. */
export const ATTEMPT_OUTCOMES = ['complete', 'pruned', 'failed', 'retry', 'handed-back', 'lost', 'interrupted'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export const TrialStartedMessageSchema = z.strictObject({
  v: version,
  type: z.literal('trial-started'),
  study: name,
  trialId: name,
  attempt,
  agent: name,
  at: timestamp,
});

export const TrialOutcomeMessageSchema = z.strictObject({
  v: version,
  type: z.literal('trial-outcome'),
  study: name,
  trialId: name,
  attempt,
  agent: name,
  startedAt: timestamp,
  endedAt: timestamp,
  /** complete | pruned | failed end the trial; retry and handed-back send it back to waiting. */
  outcome: z.enum(['complete', 'pruned', 'failed', 'retry', 'handed-back']),
  /** The raw objective (the study's direction applies later). */
  value: z.number().optional(),
  result: TrialResultSchema.optional(),
  error: z.string().optional(),
  /** Every intermediate report of this attempt: the durable copy of what the bus carried. */
  reports: z.array(IntermediateReportSchema),
  lastProgress: TrialProgressSchema.optional(),
});

export const ResultMessageSchema = z.discriminatedUnion('type', [TrialStartedMessageSchema, TrialOutcomeMessageSchema]);

// ---------------------------------------------------------------- bus

export const AgentInfoSchema = z.strictObject({
  name,
  backend: z.string(),
  slots: z.number().int().min(1),
  busy: z.number().int().min(0),
  gpus: z.number().int().min(0),
  memoryBytes: z.number().int().nonnegative(),
  classes: z.array(z.enum(RESOURCE_CLASSES)).min(1),
  /** webgpu agents: the adapter trials train on (optional: older agents do not send it). */
  gpu: z.strictObject({ name: z.string().max(200), memoryBytes: z.number().int().nonnegative(), software: z.boolean() }).optional(),
  running: z.array(z.strictObject({ study: name, trialId: name, attempt })),
  startedAt: timestamp,
});

export const BusMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    v: version,
    type: z.literal('report'),
    study: name,
    trialId: name,
    attempt,
    agent: name,
    progress: TrialProgressSchema,
  }),
  /** Where a running attempt is inside an epoch: shown live, never stored (see BatchProgressSchema). */
  z.strictObject({
    v: version,
    type: z.literal('batch'),
    study: name,
    trialId: name,
    attempt,
    agent: name,
    batch: BatchProgressSchema,
  }),
  z.strictObject({ v: version, type: z.literal('heartbeat'), at: timestamp, agent: AgentInfoSchema }),
  z.strictObject({ v: version, type: z.literal('agent-leaving'), at: timestamp, agent: name }),
  /** Names the attempt it judged, so a prune replayed later never stops a later attempt. */
  z.strictObject({ v: version, type: z.literal('prune'), study: name, trialId: name, attempt, reason: z.string() }),
]);

// ---------------------------------------------------------------- study bucket

export const AttemptRecordSchema = z.strictObject({
  attempt,
  agent: name,
  startedAt: timestamp,
  endedAt: timestamp.optional(),
  outcome: z.enum(ATTEMPT_OUTCOMES).optional(),
  error: z.string().optional(),
});

/** One trial as stored: what `skewer status`, export and the UI read. Finished records never change. */
export const StoredTrialSchema = z.strictObject({
  v: version,
  type: z.literal('trial'),
  /**
   * The record's version under its key: 1 when first written, +1 on every write, signed with the
   * rest. A reader refuses a record whose rev is below one it read before (an older genuine
   * revision written back: study-records.ts); absent in records older than it and in embedded journals.
   */
  rev: z.number().int().min(1).optional(),
  id: name,
  number: z.number().int().min(0),
  state: z.enum(TRIAL_STATES),
  params: ParamsSchema,
  /** Absent only when the params could not be made into a runnable trial (it failed at once). */
  work: TrialWorkSchema.optional(),
  resources: ResourcesSchema,
  /** How many times the coordinator put it on a queue (>1 only after an embedded resume). */
  dispatches: z.number().int().min(0),
  attempts: z.array(AttemptRecordSchema),
  reports: z.array(IntermediateReportSchema),
  progress: TrialProgressSchema.optional(),
  /** The raw objective in the study's direction. */
  value: z.number().optional(),
  result: TrialResultSchema.optional(),
  error: z.string().optional(),
  /** Why no agent takes it (set while it waits for an agent that can run it). */
  blocked: z.string().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

/** The study record: its config as parsed (so readers need no YAML) and where it stands. */
export const StoredStudySchema = z.strictObject({
  v: version,
  type: z.literal('study'),
  /** The record's version under its key (StoredTrialSchema.rev). */
  rev: z.number().int().min(1).optional(),
  name,
  /** The StudyConfig as validated by src/config/study.ts; re-parsed by readers. */
  config: z.record(z.string(), z.unknown()),
  /** `stopped`: its coordinator stopped before every trial finished (`skewer search --resume` continues it). */
  state: z.enum(['running', 'stopped', 'finished']),
  /** The coordinator's nkeys public key (A…), for people and resume checks; agents trust their join token's. */
  coordinatorKey: z.string().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const StoredAgentSchema = z.strictObject({
  v: version,
  type: z.literal('agent'),
  /** The record's version under its key (StoredTrialSchema.rev). */
  rev: z.number().int().min(1).optional(),
  info: AgentInfoSchema,
  lastHeartbeat: timestamp,
  lost: z.boolean(),
  /** Stopped cleanly (an `agent-leaving` message); absent in records written before it existed. */
  left: z.boolean().optional(),
});

/**
 * An attempt whose outcome arrived after its trial had finished (key rerunKey(...)): the trial ran
 * more than once (a lease that expired while its agent still worked, a server restart) and the
 * first result was kept. Written once per run (create, so a redelivered copy adds nothing), never
 * read back into the trial: the kept record stays as it was.
 */
export const StoredRerunSchema = z.strictObject({
  v: version,
  type: z.literal('rerun'),
  /** The record's version under its key (StoredTrialSchema.rev). */
  rev: z.number().int().min(1).optional(),
  trialId: name,
  attempt,
  agent: name,
  startedAt: timestamp,
  endedAt: timestamp,
  outcome: TrialOutcomeMessageSchema.shape.outcome,
  value: z.number().optional(),
  error: z.string().optional(),
  /** When the coordinator received it. */
  at: timestamp,
});

export const StudyRecordValueSchema = z.discriminatedUnion('type', [StoredStudySchema, StoredTrialSchema, StoredAgentSchema, StoredRerunSchema]);

// ---------------------------------------------------------------- server-wide settings

/**
 * The lease and attempt settings of one study's trial queues (key trialQueueSettingsKey(study)),
 * written by its coordinator before it opens them. Agents read them so that opening a queue never
 * resets what the coordinator chose; each study has its own queues, so no study resets another's.
 */
export const QueueSettingsSchema = z.strictObject({
  v: version,
  type: z.literal('queue-settings'),
  ackWaitMs: z.number().int().min(1),
  maxAttempts: z.number().int().min(1),
});

/**
 * Who runs a study's coordinator (LEASE_BUCKET, key coordinatorLeaseKey(study)): renewed every
 * third of `ttlMs`; a record not renewed for `ttlMs` is stale and may be taken over. `token`
 * tells the holder its own record from a successor's.
 */
export const CoordinatorLeaseSchema = z.strictObject({
  v: version,
  type: z.literal('coordinator-lease'),
  study: z.string().min(1),
  token: z.string().min(1),
  pid: z.number().int(),
  host: z.string(),
  startedAt: z.number(),
  renewedAt: z.number(),
  ttlMs: z.number().int().min(1),
});
export type CoordinatorLease = z.infer<typeof CoordinatorLeaseSchema>;
export const coordinatorLeaseCodec = zodCodec(CoordinatorLeaseSchema, PROTOCOL);

/** The results queues' settings: the same for every study, so agents and coordinators agree. */
export const RESULT_QUEUE_OPTIONS = { ackWaitMs: 30_000, maxAttempts: 1_000 } as const;

// ---------------------------------------------------------------- types and codecs

export type TrialWork = z.infer<typeof TrialWorkSchema>;
export type DatasetRef = z.infer<typeof DatasetRefSchema>;
export type Resources = z.infer<typeof ResourcesSchema>;
export type TrialMessage = z.infer<typeof TrialMessageSchema>;
export type TrialStartedMessage = z.infer<typeof TrialStartedMessageSchema>;
export type TrialOutcomeMessage = z.infer<typeof TrialOutcomeMessageSchema>;
export type ResultMessage = z.infer<typeof ResultMessageSchema>;
export type AgentAdvert = z.infer<typeof AgentInfoSchema>;
export type BusMessage = z.infer<typeof BusMessageSchema>;
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;
export type StoredTrial = z.infer<typeof StoredTrialSchema>;
export type StoredStudy = z.infer<typeof StoredStudySchema>;
export type StoredAgent = z.infer<typeof StoredAgentSchema>;
export type StoredRerun = z.infer<typeof StoredRerunSchema>;
export type StudyRecordValue = z.infer<typeof StudyRecordValueSchema>;
export type QueueSettings = z.infer<typeof QueueSettingsSchema>;

export const trialCodec = zodCodec(TrialMessageSchema, PROTOCOL);
export const resultCodec = zodCodec(ResultMessageSchema, PROTOCOL);
export const busCodec = zodCodec(BusMessageSchema, PROTOCOL);
export const studyRecordCodec = zodCodec(StudyRecordValueSchema, PROTOCOL);
export const queueSettingsCodec = zodCodec(QueueSettingsSchema, PROTOCOL);
