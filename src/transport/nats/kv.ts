import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, KvWatchInclude, type KV } from '@nats-io/kv';
import { decodeOrReport, type InvalidMessageHandler } from '../codec.ts';
import { MissingBucketError, type Codec, type KvEntry, type KvStore } from '../types.ts';
import { storageType } from './streams.ts';

/** A compare-and-set that lost: the key moved on (or exists, for create). */
function isWrongRevision(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

async function unlessWrongRevision(write: Promise<number>): Promise<number | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isWrongRevision(error)) return undefined;
    throw error;
  }
}

/** The NATS subject filter for keys starting with `prefix` (client-side filtering does the rest). */
function keyFilter(prefix: string): string {
  if (prefix === '') return '>';
  return prefix.endsWith('.') && !prefix.slice(0, -1).includes('*') ? `${prefix}>` : '>';
}

/** The KV buckets on the server. */
export async function natsKvBuckets(js: JetStreamClient): Promise<string[]> {
  const names: string[] = [];
  for await (const status of new Kvm(js).list()) names.push(status.bucket);
  return names.sort();
}

/**
 * Binds to an existing bucket with only STREAM.INFO (no STREAM.CREATE right needed), taking the
 * stream's own direct-get setting so reads use the API the bucket answers.
 */
async function bindKv(js: JetStreamClient, bucket: string): Promise<KV> {
  const jsm = await js.jetstreamManager();
  const info = await jsm.streams.info(`KV_${bucket}`).catch((error: unknown) => {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) throw new MissingBucketError(bucket);
    throw error;
  });
  return new Kvm(js).open(bucket, { allow_direct: info.config.allow_direct ?? false });
}

/** A JetStream KV bucket (created on first use, kept afterwards, or only bound). Revisions are stream sequences. */
export async function natsKv<T>(
  js: JetStreamClient,
  bucket: string,
  codec: Codec<T>,
  storage: 'file' | 'memory',
  onInvalid: InvalidMessageHandler,
  closing: AbortSignal,
  bindOnly = false,
): Promise<KvStore<T>> {
  const kv: KV = bindOnly ? await bindKv(js, bucket) : await new Kvm(js).create(bucket, { storage: storageType(storage) });
  const decode = (key: string, bytes: Uint8Array): T | undefined =>
    decodeOrReport(codec, bytes, `kv ${bucket} key ${key}`, onInvalid)?.value;

  const get = async (key: string): Promise<KvEntry<T> | undefined> => {
    const entry = await kv.get(key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    const value = decode(key, entry.value);
    return value === undefined ? undefined : { key, value, revision: entry.revision };
  };

  return {
    get,
    create: (key, value) => unlessWrongRevision(kv.create(key, codec.encode(value))),
    update: (key, value, expectedRevision) =>
      unlessWrongRevision(
        expectedRevision > 0 ? kv.update(key, codec.encode(value), expectedRevision) : kv.put(key, codec.encode(value), { previousSeq: 0 }),
      ),
    put: (key, value) => kv.put(key, codec.encode(value)),
    async delete(key) {
      const current = await kv.get(key);
      if (current && current.operation === 'PUT') await kv.delete(key);
    },
    list: (prefix) => list(kv, prefix, decode),
    watch: (prefix, signal) => watch(kv, prefix, decode, AbortSignal.any([signal, closing])),
  };
}

/**
 * The current entries under `prefix` in one pass: a headers-only key scan (cheap, and it tells an
 * empty selection apart, which a watch cannot), then one last-value consumer that streams every
 * value and stops at the last pending message. It used to be one `get` request per key: 1,000
 * round trips for a study of 1,000 trials.
 */
async function list<T>(kv: KV, prefix: string, decode: (key: string, bytes: Uint8Array) => T | undefined): Promise<Array<KvEntry<T>>> {
  const filter = keyFilter(prefix);
  let any = false;
  for await (const key of await kv.keys(filter)) if (key.startsWith(prefix)) any = true;
  if (!any) return [];
  const latest = new Map<string, KvEntry<T>>();
  const entries = await kv.watch({ key: filter, include: KvWatchInclude.LastValue });
  try {
    for await (const entry of entries) {
      if (entry.key.startsWith(prefix)) {
        if (entry.operation !== 'PUT') latest.delete(entry.key);
        else {
          const value = decode(entry.key, entry.value);
          if (value === undefined) latest.delete(entry.key);
          else latest.set(entry.key, { key: entry.key, value, revision: entry.revision });
        }
      }
      if (entry.delta === 0) break; // nothing pending: every key's last value has arrived
    }
  } finally {
    entries.stop();
  }
  return [...latest.values()];
}

async function* watch<T>(
  kv: KV,
  prefix: string,
  decode: (key: string, bytes: Uint8Array) => T | undefined,
  signal: AbortSignal,
): AsyncGenerator<KvEntry<T | null> & { initial: boolean }> {
  if (signal.aborted) return;
  // Entries up to the bucket's last revision when the watch starts are the initial snapshot.
  const snapshotRevision = (await kv.status()).streamInfo.state.last_seq;
  const entries = await kv.watch({ key: keyFilter(prefix), include: KvWatchInclude.LastValue });
  const stop = (): void => entries.stop();
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) stop();
  try {
    for await (const entry of entries) {
      if (!entry.key.startsWith(prefix)) continue;
      const initial = entry.revision <= snapshotRevision;
      if (entry.operation !== 'PUT') {
        if (!initial) yield { key: entry.key, value: null, revision: entry.revision, initial };
        continue;
      }
      const value = decode(entry.key, entry.value);
      if (value !== undefined) yield { key: entry.key, value, revision: entry.revision, initial };
    }
  } finally {
    signal.removeEventListener('abort', stop);
    entries.stop();
  }
}
