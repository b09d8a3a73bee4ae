/**
 * Read-only access to a study wherever it lives: the embedded journal in `.skewer/<study>/`, or
 * the study's KV bucket on a NATS server. What `skewer status`, `skewer export` and
 * `skewer ui --server` build on: the config the study ran with, its trials and agents, and a live
 * stream of StudyEvents derived from record changes (the same mapping the coordinator uses).
 */
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../core/errors.ts';
import type { StudyEvent } from '../core/events.ts';
import { parseStoredStudyConfig, type StudyConfig } from '../config/study.ts';
import { bestOf, type Direction } from '../core/direction.ts';
import { directionOf } from '../objectives/index.ts';
import type { KvStore, Transport } from '../transport/types.ts';
import {
  StudyRecordValueSchema,
  studyRecordCodec,
  type StoredAgent,
  type StoredRerun,
  type StoredStudy,
  type StoredTrial,
  type StudyRecordValue,
} from '../transport/messages.ts';
import { STUDY_KEY, studyBucketName, studyNamesOf } from '../transport/subjects.ts';
import { eventFromRerun, eventsFromAgentChange, eventsFromStoredTrial, eventsFromTrialChange, studyFinishedEvent, studyStartedEvent } from './changes.ts';
import { journalPath, readJournal, replayJournal, studyDir } from './journal.ts';
import { openVerifiedBucket, type ReaderTrust, type RecordIntegrity, type VerifiedBucket } from './verified-bucket.ts';

export type { ReaderTrust, RecordIntegrity } from './verified-bucket.ts';

export interface StudyReader {
  readonly name: string;
  config(): StudyConfig;
  /** Which way is better, owned by the study's objective. */
  readonly direction: Direction;
  /** The study record's state: `running` until the coordinator saw every trial finish. */
  state(): Promise<StoredStudy['state']>;
  trials(): Promise<StoredTrial[]>;
  agents(): Promise<StoredAgent[]>;
  best(): Promise<StoredTrial | undefined>;
  /**
   * State, trials, agents and best from ONE read of the store (a bucket of 1,000 trials is
   * megabytes: `skewer status` read it four times when it asked for each separately).
   */
  snapshot(): Promise<StudySnapshot>;
  /** Current state as events first, then every change, until `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<StudyEvent>;
  /** What the records were verified against, and those refused by the latest read. */
  integrity(): RecordIntegrity;
}

export interface StudySnapshot {
  readonly state: StoredStudy['state'];
  /** By trial number. */
  readonly trials: StoredTrial[];
  readonly agents: StoredAgent[];
  readonly best: StoredTrial | undefined;
  /** As of this read (refused records are counted, never in `trials`/`agents`). */
  readonly integrity: RecordIntegrity;
  /** Late runs of finished trials (their outcomes were recorded, not applied), oldest first. */
  readonly reruns: StoredRerun[];
}

export type StudyReaderTarget =
  | {
      readonly study: string;
      readonly transport: Transport;
      /** The study's key as the reader knows it; without it, records verify only against the key the study record names (unverified). */
      readonly trust?: ReaderTrust;
      /** Where refused records are logged (default: stderr). */
      readonly log?: (line: string) => void;
      /**
       * Where this machine keeps what it read of the study's records (record-anchor.ts; the CLI
       * passes defaultAnchorDir()): a record rolled back or deleted since is refused. None: believed as found.
       */
      readonly anchorDir?: string;
    }
  | { readonly study: string; readonly root?: string };

/** A record change: `value` null when the key was deleted. */
interface RecordChange {
  readonly key: string;
  readonly value: StudyRecordValue | null;
}

export async function openStudyReader(target: StudyReaderTarget): Promise<StudyReader> {
  if ('transport' in target) {
    await assertStudyOnServer(target.transport, target.study);
    const log = target.log ?? ((line: string) => process.stderr.write(`skewer: ${line}\n`));
    const bucket = await openVerifiedBucket(target.transport, target.study, target.trust, log, target.anchorDir);
    if (!bucket) throw missing(target.study, `bucket ${studyBucketName(target.study)}`);
    return kvReader(target.study, bucket);
  }
  return journalReader(target.study, studyDir(target.study, target.root));
}

/**
 * Refuses a study name the server does not know, listing the ones it does, before anything opens
 * (and so creates) a bucket for it: a typo in `status`, `ui` or `--resume` leaves nothing behind.
 */
export async function assertStudyOnServer(transport: Transport, study: string): Promise<void> {
  const bucket = studyBucketName(study);
  const buckets = await transport.kvBuckets();
  if (buckets.includes(bucket)) return;
  const known = studyNamesOf(buckets);
  throw new UserError(`no study named '${study}' on this server`, {
    where: `bucket ${bucket}`,
    hint: known.length ? `Studies here: ${known.join(', ')}.` : 'This server has no study yet; start one with `skewer search STUDY.yaml --server URL`.',
  });
}

function decodeRecord(value: unknown, where: string): StudyRecordValue {
  const parsed = StudyRecordValueSchema.safeParse(value);
  if (!parsed.success) throw new UserError(`unreadable study record: ${parsed.error.issues[0]?.message}`, { where });
  return parsed.data;
}

interface Records {
  study?: StoredStudy;
  trials: StoredTrial[];
  agents: StoredAgent[];
  reruns: StoredRerun[];
}

function split(values: Iterable<StudyRecordValue>): Records {
  const out: Records = { trials: [], agents: [], reruns: [] };
  for (const value of values) {
    if (value.type === 'study') out.study = value;
    else if (value.type === 'trial') out.trials.push(value);
    else if (value.type === 'agent') out.agents.push(value);
    else out.reruns.push(value);
  }
  out.trials.sort((a, b) => a.number - b.number);
  out.reruns.sort((a, b) => a.at - b.at);
  return out;
}

function makeReader(
  name: string,
  study: StoredStudy,
  snapshot: () => Promise<Records>,
  changes: (signal: AbortSignal) => AsyncIterable<RecordChange>,
  integrity: () => RecordIntegrity,
): StudyReader {
  const config = parseStoredStudyConfig(study.config, `study ${name} (stored config)`);
  const direction = directionOf(config);
  const read = async (): Promise<StudySnapshot> => {
    const { study: current, trials, agents, reruns } = await snapshot();
    return { state: current?.state ?? study.state, trials, agents, best: bestOf(trials, direction), integrity: integrity(), reruns };
  };
  return {
    name,
    config: () => config,
    state: async () => (await snapshot()).study?.state ?? study.state,
    trials: async () => (await snapshot()).trials,
    agents: async () => (await snapshot()).agents,
    direction,
    best: async () => bestOf((await snapshot()).trials, direction),
    snapshot: read,
    events: (signal) => deriveEvents(changes(signal), direction),
    integrity,
  };
}

/** Folds record changes into StudyEvents, remembering the previous version of every record. */
async function* deriveEvents(changes: AsyncIterable<RecordChange>, direction: Direction): AsyncGenerator<StudyEvent> {
  const trials = new Map<string, StoredTrial>();
  const agents = new Map<string, StoredAgent>();
  const reruns = new Set<string>();
  let studyState: StoredStudy['state'] | undefined;
  for await (const { key, value } of changes) {
    if (!value) continue;
    if (value.type === 'rerun') {
      // Written once; seen again only when a compacted journal is read from its start.
      if (!reruns.has(key)) yield eventFromRerun(value);
      reruns.add(key);
      continue;
    }
    const at = value.type === 'agent' ? value.lastHeartbeat : value.updatedAt;
    if (value.type === 'study') {
      if (studyState === undefined) yield studyStartedEvent(value, value.createdAt);
      if (value.state === 'finished' && studyState !== 'finished') yield studyFinishedEvent([...trials.values()], direction, at);
      studyState = value.state;
    } else if (value.type === 'trial') {
      const before = trials.get(value.id);
      yield* before ? eventsFromTrialChange(before, value, at) : eventsFromStoredTrial(value);
      trials.set(value.id, value);
    } else {
      const before = agents.get(value.info.name);
      if (!before || before.lost !== value.lost || before.left !== value.left || before.info.busy !== value.info.busy || before.info.slots !== value.info.slots) {
        yield* eventsFromAgentChange(before, value, at);
      }
      agents.set(value.info.name, value);
    }
  }
}

function missing(name: string, where: string): UserError {
  return new UserError(`no study named '${name}'`, {
    where,
    hint: 'Check the name (the `name:` of the study file), the working directory (.skewer/ lives where the search ran) or --server.',
  });
}

async function kvReader(name: string, bucket: VerifiedBucket): Promise<StudyReader> {
  const { kv } = bucket;
  const entry = await kv.get(STUDY_KEY);
  if (!entry || entry.value.type !== 'study') throw missing(name, `bucket ${studyBucketName(name)}`);
  const snapshot = async () => {
    bucket.beginRead();
    const records = split((await kv.list('')).map((e) => e.value));
    await bucket.endRead();
    return records;
  };
  const changes = async function* (signal: AbortSignal): AsyncGenerator<RecordChange> {
    // The study record as it started leads the stream (study-started first); its current state
    // follows in revision order, after the trials it waited for.
    const first = await kv.get(STUDY_KEY);
    if (first?.value.type === 'study') yield { key: STUDY_KEY, value: { ...first.value, state: 'running' } };
    for await (const change of kv.watch('', signal)) yield { key: change.key, value: change.value };
  };
  return makeReader(name, entry.value, snapshot, changes, bucket.integrity);
}

async function journalReader(name: string, dir: string): Promise<StudyReader> {
  const file = journalPath(dir);
  const load = () => {
    const entries = readJournal(dir);
    if (!entries) throw missing(name, dir);
    return [...entries].map(([key, value]) => decodeRecord(value, `${file} key ${key}`));
  };
  const first = split(load());
  if (!first.study) throw missing(name, dir);
  const snapshot = async () => split(load());
  const changes = (signal: AbortSignal) => tailJournal(file, signal);
  return makeReader(name, first.study, snapshot, changes, () => ({ basis: 'journal', refused: [] }));
}

const TAIL_POLL_MS = 200;

/** Every line of the journal, then lines as they are appended (polling, across compactions), until `signal` aborts. */
async function* tailJournal(file: string, signal: AbortSignal): AsyncGenerator<RecordChange> {
  let offset = 0;
  let pending = '';
  let studyLine: RecordChange | undefined;
  let first = true;
  let inode: number | undefined;
  while (!signal.aborted) {
    const { size, ino } = await stat(file);
    if (inode !== undefined && (ino !== inode || size < offset)) {
      // Compacted (renamed over): read the new file from its start. Its lines repeat records
      // already seen, which the event derivation folds away (an unchanged record yields nothing).
      offset = 0;
      pending = '';
    }
    inode = ino;
    if (size > offset) {
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        pending += buffer.toString('utf8');
      } finally {
        await handle.close();
      }
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        const complete = pending.slice(0, cut + 1);
        pending = pending.slice(cut + 1);
        const rows: RecordChange[] = [];
        for (const row of complete.split('\n')) {
          if (!row.trim()) continue;
          const { entries } = replayJournal(row, file);
          for (const [key, value] of entries) rows.push({ key, value: decodeRecord(value, `${file} key ${key}`) });
        }
        if (first) {
          // Study record first, as from a KV watch.
          studyLine = rows.find((r) => r.key === STUDY_KEY);
          if (studyLine) yield studyLine;
          first = false;
        }
        for (const row of rows) yield row;
      }
    }
    await sleep(TAIL_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}
