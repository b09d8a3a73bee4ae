import { decodeOrReport, type InvalidMessageHandler } from '../codec.ts';
import type { Codec, KvEntry, KvStore } from '../types.ts';
import { createChannel, type Channel } from './channel.ts';

const KEY_PATTERN = /^[A-Za-z0-9_=./-]+$/;

/** A stored revision of a key; `bytes` is null for a delete marker (as JetStream KV keeps them). */
interface Stored {
  readonly bytes: Uint8Array | null;
  readonly revision: number;
}

interface Change {
  readonly key: string;
  readonly stored: Stored;
}

/**
 * One bucket, shared by every `KvStore` opened on it in the same transport. Revisions are
 * monotone per bucket; a delete leaves a marker whose revision `update` may compare against,
 * and after which `create` succeeds again (JetStream KV semantics).
 */
export class MemoryBucketState {
  private readonly entries = new Map<string, Stored>();
  private readonly watchers = new Set<(change: Change) => void>();
  private revision = 0;

  get(key: string): Stored | undefined {
    return this.entries.get(checkKey(key));
  }

  /** Writes when `expected` holds: 'absent' (no value), a revision, or 'any'. */
  write(key: string, bytes: Uint8Array | null, expected: 'absent' | number | 'any'): number | undefined {
    const current = this.entries.get(checkKey(key));
    if (expected === 'absent' && current && current.bytes !== null) return undefined;
    if (typeof expected === 'number' && (current?.revision ?? 0) !== expected) return undefined;
    const stored: Stored = { bytes, revision: ++this.revision };
    this.entries.set(key, stored);
    for (const watcher of this.watchers) watcher({ key, stored });
    return stored.revision;
  }

  live(prefix: string): Array<{ key: string; stored: Stored }> {
    const out: Array<{ key: string; stored: Stored }> = [];
    for (const [key, stored] of this.entries) {
      if (stored.bytes !== null && key.startsWith(prefix)) out.push({ key, stored });
    }
    return out.sort((a, b) => a.stored.revision - b.stored.revision);
  }

  subscribe(watcher: (change: Change) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  closeWatchers(): void {
    this.watchers.clear();
  }
}

function checkKey(key: string): string {
  if (!KEY_PATTERN.test(key) || key.startsWith('.') || key.endsWith('.')) {
    throw new RangeError(`invalid KV key ${JSON.stringify(key)}: use [A-Za-z0-9_=./-]+ without a leading or trailing dot`);
  }
  return key;
}

export function memoryKv<T>(
  bucket: string,
  state: MemoryBucketState,
  codec: Codec<T>,
  onInvalid: InvalidMessageHandler,
  channels: Set<Channel<unknown>>,
): KvStore<T> {
  const decode = (key: string, bytes: Uint8Array): T | undefined =>
    decodeOrReport(codec, bytes, `kv ${bucket} key ${key}`, onInvalid)?.value;

  return {
    async get(key) {
      const stored = state.get(key);
      if (!stored || stored.bytes === null) return undefined;
      const value = decode(key, stored.bytes);
      return value === undefined ? undefined : { key, value, revision: stored.revision };
    },
    create: async (key, value) => state.write(key, codec.encode(value), 'absent'),
    update: async (key, value, expectedRevision) => state.write(key, codec.encode(value), expectedRevision),
    put: async (key, value) => state.write(key, codec.encode(value), 'any')!,
    async delete(key) {
      const stored = state.get(key);
      if (stored && stored.bytes !== null) state.write(key, null, 'any');
    },
    async list(prefix) {
      const out: Array<KvEntry<T>> = [];
      for (const { key, stored } of state.live(prefix)) {
        const value = decode(key, stored.bytes!);
        if (value !== undefined) out.push({ key, value, revision: stored.revision });
      }
      return out;
    },
    watch(prefix, signal) {
      let unsubscribe: () => void = () => {};
      const channel = createChannel<KvEntry<T | null> & { initial: boolean }>(signal, () => {
        unsubscribe();
        channels.delete(channel as Channel<unknown>);
      });
      channels.add(channel as Channel<unknown>);
      for (const { key, stored } of state.live(prefix)) {
        const value = decode(key, stored.bytes!);
        if (value !== undefined) channel.push({ key, value, revision: stored.revision, initial: true });
      }
      if (!channel.closed) {
        unsubscribe = state.subscribe(({ key, stored }) => {
          if (!key.startsWith(prefix)) return;
          if (stored.bytes === null) {
            channel.push({ key, value: null, revision: stored.revision, initial: false });
            return;
          }
          const value = decode(key, stored.bytes);
          if (value !== undefined) channel.push({ key, value, revision: stored.revision, initial: false });
        });
      }
      return channel;
    },
  };
}
