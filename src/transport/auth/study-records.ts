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
 * not detected (records.ts says why).
 */
import type { Codec, KvEntry, KvStore, OpenOptions, Transport } from '../types.ts';
import { studyRecordCodec, type StudyRecordValue } from '../messages.ts';
import { AGENT_KEY_PREFIX, RERUN_KEY_PREFIX, STUDY_KEY, TRIAL_KEY_PREFIX, agentKey, rerunKey, studyBucketName, trialKey } from '../subjects.ts';

/** A record left out, with where it sits and why. */
export interface RecordRefusal {
  readonly key: string;
  readonly reason: string;
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

/** The study's records over `raw`, decoded by `codec` (signed or verified) and key-checked. */
export function studyRecordKv(raw: KvStore<Uint8Array>, codec: Codec<StudyRecordValue>, onRefused: RefusalHandler): KvStore<StudyRecordValue> {
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
  const entryOf = (entry: KvEntry<Uint8Array> | undefined): KvEntry<StudyRecordValue> | undefined => {
    if (!entry) return undefined;
    const value = decode(entry.key, entry.value);
    return value === undefined ? undefined : { key: entry.key, value, revision: entry.revision };
  };
  const encode = (key: string, value: StudyRecordValue): Uint8Array => {
    const mismatch = keyMismatch(key, value);
    if (mismatch !== undefined) throw new Error(`refusing to write ${mismatch}`); // a bug of ours, never data
    return codec.encode(value);
  };
  return {
    get: async (key) => entryOf(await raw.get(key)),
    async create(key, value) {
      const bytes = encode(key, value);
      const created = await raw.create(key, bytes);
      if (created !== undefined) return created;
      // Taken: by a genuine record (someone else won), or by a refused one, which we write over.
      const there = await raw.get(key);
      if (!there || decode(key, there.value) !== undefined) return undefined;
      return raw.update(key, bytes, there.revision);
    },
    async update(key, value, expectedRevision) {
      return raw.update(key, encode(key, value), expectedRevision);
    },
    put: (key, value) => raw.put(key, encode(key, value)),
    delete: (key) => raw.delete(key),
    async list(prefix) {
      const out: Array<KvEntry<StudyRecordValue>> = [];
      for (const entry of await raw.list(prefix)) {
        const decoded = entryOf(entry);
        if (decoded) out.push(decoded);
      }
      return out;
    },
    async *watch(prefix, signal) {
      for await (const entry of raw.watch(prefix, signal)) {
        if (entry.value === null) {
          yield { ...entry, value: null };
          continue;
        }
        const value = decode(entry.key, entry.value);
        if (value !== undefined) yield { ...entry, value };
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
): Promise<KvStore<StudyRecordValue>> {
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
