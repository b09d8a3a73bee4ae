/**
 * A study's KV bucket as its parties see it (issue 11): every record decoded through a signed
 * codec (records.ts) *and* checked against the key it sits under, over the bucket's raw bytes.
 *
 * Working on the raw bytes (not through the transport's codec) gives what a codec cannot see:
 * the key and revision of a refused record. So a refusal is reported with its key and reason,
 * never applied (get/list/watch leave it out), and the coordinator can write over a refused
 * record that squats on a key it needs (a planted `trial.12` would otherwise block trial 12).
 *
 * Key rules: `study` holds the study record, `trial.<id>` a trial whose id is <id>,
 * `agent.<name>` the agent <name>, `rerun.<trial>.<attempt>.<agent>.<startedAt>` that late run of a
 * trial; anything else in the bucket is refused. A genuine record
 * copied under another key is refused by these rules; an older genuine revision written back is
 * refused by its `rev` (studyRecordKv below says when that can be seen).
 */
import type { Codec, KvEntry, KvStore, OpenOptions, Transport } from '../types.ts';
import { studyRecordCodec, type StudyRecordValue } from '../messages.ts';
import { AGENT_KEY_PREFIX, RERUN_KEY_PREFIX, STUDY_KEY, TRIAL_KEY_PREFIX, agentKey, rerunKey, studyBucketName, trialKey } from '../subjects.ts';

/** A record left out, with where it sits and why. */
export interface RecordRefusal {
  readonly key: string;
  readonly reason: string;
  /**
   * Refused against the anchor (what this machine read or wrote in an earlier process:
   * anchorWith): the bucket holds an older version of the record, or none, so it was rolled back
   * or deleted while nobody here watched. Nothing newer is known to restore it with.
   */
  readonly anchored?: true;
}

export type RefusalHandler = (refusal: RecordRefusal) => void;

/** The bytes as stored: what `studyRecordKv` decodes itself. */
export const bytesCodec: Codec<Uint8Array> = { encode: (bytes) => bytes, decode: (bytes) => bytes };

/** Why `value` may not sit under `key`, or undefined when it may. */
export function keyMismatch(key: string, value: StudyRecordValue): string | undefined {
  if (key === STUDY_KEY) return value.type === 'study' ? undefined : `a ${value.type} record under the study key`;
  if (key.startsWith(TRIAL_KEY_PREFIX)) {
    if (value.type !== 'trial') return `a ${value.type} record under trial key ${key}`;
    return trialKey(value.id) === key ? undefined : `trial record of id '${value.id}' under key ${key}`;
  }
  if (key.startsWith(AGENT_KEY_PREFIX)) {
    if (value.type !== 'agent') return `a ${value.type} record under agent key ${key}`;
    return agentKey(value.info.name) === key ? undefined : `agent record of '${value.info.name}' under key ${key}`;
  }
  if (key.startsWith(RERUN_KEY_PREFIX)) {
    if (value.type !== 'rerun') return `a ${value.type} record under rerun key ${key}`;
    return rerunKey(value.trialId, value.attempt, value.agent, value.startedAt) === key ? undefined : `rerun record of trial '${value.trialId}' under key ${key}`;
  }
  return `no study record belongs under key ${key}`;
}

export interface StudyRecordKvOptions {
  /**
   * The coordinator's side (its codec signs): a record rolled back to an older genuine version,
   * or deleted, is written back as the newest version it knows (restored), not only refused.
   */
  readonly restore?: boolean;
  /** Told of each restore (key, the rev it found, the rev written). */
  readonly onRestored?: (restored: { key: string; found: number | undefined; rev: number }) => void;
}

const revOf = (value: StudyRecordValue): number => value.rev ?? 0;

/** A study's records (studyRecordKv) with the revisions this process knows, to persist and seed. */
export interface StudyRecordKv extends KvStore<StudyRecordValue> {
  /**
   * Seeds the newest rev of each key that this machine read or wrote before (a RecordAnchor,
   * src/coordinator/record-anchor.ts): from now on a key first read below its anchored rev, or
   * gone from the bucket, is refused (`anchored`) instead of believed. Only the revs are known,
   * not the values, so nothing is restored: the refusal is the signal.
   */
  anchorWith(revs: ReadonlyMap<string, number>): void;
  /** The newest rev of every key this process read, wrote or was anchored with. */
  revs(): Map<string, number>;
}

/**
 * The study's records over `raw`, decoded by `codec` (signed or verified) and key-checked.
 *
 * Versions: every write stamps the record's `rev` (its key's last known rev + 1; signed with the
 * payload), and every record read is compared with the newest version of its key this process
 * has read or written. One below it (an older genuine revision written back by whoever can write
 * the bucket) or a record gone from under its key is refused with the reason, and the newer
 * version is what get/list/watch give instead; with `restore` (the coordinator) it is also
 * written back, at a higher rev. What no reader can see: a rollback done before it first read
 * the key (a fresh `skewer status` trusts the bucket as it finds it; the live coordinator's own
 * watch restores such a record within moments).
 */
export function studyRecordKv(raw: KvStore<Uint8Array>, codec: Codec<StudyRecordValue>, onRefused: RefusalHandler, options: StudyRecordKvOptions = {}): StudyRecordKv {
  /**
   * The newest version of each key seen by this process, and the bucket revision it was seen at:
   * the anchor that rollbacks are measured against. An older rev at an older revision is a stale
   * copy (a watch replaying history); at a newer revision it was written back: a rollback.
   */
  const newest = new Map<string, { value: StudyRecordValue; revision: number }>();
  const note = (key: string, value: StudyRecordValue, revision: number): void => {
    const known = newest.get(key);
    if (!known || revOf(value) > revOf(known.value) || (revOf(value) === revOf(known.value) && revision >= known.revision)) newest.set(key, { value, revision });
  };
  const decode = (key: string, bytes: Uint8Array): StudyRecordValue | undefined => {
    let value: StudyRecordValue;
    try {
      value = codec.decode(bytes);
    } catch (error) {
      onRefused({ key, reason: reasonOf(error) });
      return undefined;
    }
    const mismatch = keyMismatch(key, value);
    if (mismatch === undefined) return value;
    onRefused({ key, reason: `refused ${mismatch}` });
    return undefined;
  };
  const encode = (key: string, value: StudyRecordValue, rev: number): { bytes: Uint8Array; stamped: StudyRecordValue } => {
    const mismatch = keyMismatch(key, value);
    if (mismatch !== undefined) throw new Error(`refusing to write ${mismatch}`); // a bug of ours, never data
    const stamped = { ...value, rev } as StudyRecordValue;
    return { bytes: codec.encode(stamped), stamped };
  };
  /** Revs read or written by earlier processes on this machine (anchorWith). */
  let anchored = new Map<string, number>();
  const nextRev = (key: string, value: StudyRecordValue): number => Math.max(revOf(newest.get(key)?.value ?? value), revOf(value), anchored.get(key) ?? 0) + 1;

  /** Writes `known` back over what sits at `revision` (undefined: nothing), at a rev above both. */
  const restore = async (key: string, known: StudyRecordValue, found: StudyRecordValue | undefined, revision: number | undefined): Promise<KvEntry<StudyRecordValue>> => {
    const rev = Math.max(revOf(known), found ? revOf(found) : 0) + 1;
    const { bytes, stamped } = encode(key, known, rev);
    const written = revision === undefined ? await raw.create(key, bytes) : await raw.update(key, bytes, revision);
    if (written === undefined) return { key, value: known, revision: revision ?? 0 }; // raced: the next read looks again
    note(key, stamped, written);
    options.onRestored?.({ key, found: found && revOf(found), rev });
    return { key, value: stamped, revision: written };
  };

  /** The record to believe for `key`, given what the bucket holds (`entry`, undefined: nothing). */
  const checked = async (key: string, entry: KvEntry<Uint8Array> | undefined): Promise<KvEntry<StudyRecordValue> | undefined> => {
    const value = entry && decode(key, entry.value);
    if (entry && value === undefined) return undefined; // refused (unsigned, forged, misplaced)
    const known = newest.get(key);
    const floor = known ? undefined : anchored.get(key);
    if (floor !== undefined && (value === undefined || revOf(value) < floor)) {
      onRefused({
        key,
        anchored: true,
        reason: value
          ? `refused an older version of the record (rev ${revOf(value)}; this machine read rev ${floor} of it before): rolled back while nobody here watched`
          : `refused the record's deletion (this machine read rev ${floor} of it before)`,
      });
      return undefined;
    }
    if (value !== undefined && (!known || revOf(value) >= revOf(known.value))) {
      note(key, value, entry!.revision);
      return { key, value, revision: entry!.revision };
    }
    if (!known) return undefined;
    // Older than what we know, but no newer in the bucket than it: a copy from before (history).
    if (entry && entry.revision <= known.revision) return { key, value: known.value, revision: known.revision };
    onRefused({
      key,
      reason: value
        ? `refused an older version of the record (rev ${revOf(value)}; rev ${revOf(known.value)} was read before): rolled back${options.restore ? ', restored' : ''}`
        : `refused the record's deletion (rev ${revOf(known.value)} was read before)${options.restore ? ', restored' : ''}`,
    });
    if (options.restore) return restore(key, known.value, value, entry?.revision);
    return { key, value: known.value, revision: entry?.revision ?? known.revision };
  };

  return {
    anchorWith(revs) {
      anchored = new Map(revs);
    },
    revs() {
      const out = new Map(anchored);
      for (const [key, { value }] of newest) out.set(key, Math.max(out.get(key) ?? 0, revOf(value)));
      return out;
    },
    get: async (key) => checked(key, await raw.get(key)),
    async create(key, value) {
      const { bytes, stamped } = encode(key, value, nextRev(key, value));
      const created = await raw.create(key, bytes);
      if (created !== undefined) {
        note(key, stamped, created);
        return created;
      }
      // Taken: by a genuine record (someone else won), or by a refused one, which we write over.
      const there = await raw.get(key);
      if (!there || decode(key, there.value) !== undefined) return undefined;
      const written = await raw.update(key, bytes, there.revision);
      if (written !== undefined) note(key, stamped, written);
      return written;
    },
    async update(key, value, expectedRevision) {
      const { bytes, stamped } = encode(key, value, nextRev(key, value));
      const written = await raw.update(key, bytes, expectedRevision);
      if (written !== undefined) note(key, stamped, written);
      return written;
    },
    async put(key, value) {
      // A put does not read first: learn the key's rev once, so a restarted writer stays above it.
      if (!newest.has(key)) await checked(key, await raw.get(key));
      const { bytes, stamped } = encode(key, value, nextRev(key, value));
      const written = await raw.put(key, bytes);
      note(key, stamped, written);
      return written;
    },
    async delete(key) {
      await raw.delete(key);
      newest.delete(key);
      anchored.delete(key);
    },
    async list(prefix) {
      const out: Array<KvEntry<StudyRecordValue>> = [];
      const present = new Set<string>();
      for (const entry of await raw.list(prefix)) {
        present.add(entry.key);
        const decoded = await checked(entry.key, entry);
        if (decoded) out.push(decoded);
      }
      // Keys this process (or, through the anchor, this machine) knew that are gone from the bucket.
      for (const key of new Set([...newest.keys(), ...anchored.keys()])) {
        if (key.startsWith(prefix) && !present.has(key)) {
          const decoded = await checked(key, undefined);
          if (decoded) out.push(decoded);
        }
      }
      return out;
    },
    async *watch(prefix, signal) {
      for await (const entry of raw.watch(prefix, signal)) {
        const decoded = await checked(entry.key, entry.value === null ? undefined : { key: entry.key, value: entry.value, revision: entry.revision });
        if (decoded) yield { ...decoded, initial: entry.initial };
        else if (entry.value === null) yield { ...entry, value: null };
      }
    },
  };
}

/** Opens study `study`'s bucket on `transport` as `studyRecordKv` (created if missing, unless `bindOnly`). */
export async function openStudyRecordKv(
  transport: Transport,
  study: string,
  codec: Codec<StudyRecordValue>,
  onRefused: RefusalHandler,
  options: OpenOptions = {},
): Promise<StudyRecordKv> {
  return studyRecordKv(await transport.kv(studyBucketName(study), bytesCodec, options), codec, onRefused);
}

/** What the study record says before anything is verified: its claimed signer, and its value if it parses. */
export type StudyRecordClaim =
  | { readonly kind: 'signed'; readonly signer: string; readonly value: StudyRecordValue | undefined }
  | { readonly kind: 'unsigned'; readonly value: StudyRecordValue | undefined };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a record's claim WITHOUT verifying it: for choosing which key to verify with (a reader
 * with no trust root of its own), and for recognising a legacy unsigned bucket. Never apply it.
 */
export function claimOf(bytes: Uint8Array): StudyRecordClaim {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    return { kind: 'unsigned', value: undefined };
  }
  const record = json as { kv?: unknown; signer?: unknown; payload?: unknown };
  if (record && typeof record === 'object' && record.kv !== undefined) {
    const value = typeof record.payload === 'string' ? tryDecode(new TextEncoder().encode(record.payload)) : undefined;
    return { kind: 'signed', signer: typeof record.signer === 'string' ? record.signer : '', value };
  }
  return { kind: 'unsigned', value: tryDecode(bytes) };
}

function tryDecode(bytes: Uint8Array): StudyRecordValue | undefined {
  try {
    return studyRecordCodec.decode(bytes);
  } catch {
    return undefined;
  }
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^invalid message: /, '');
}
