/**
 * The transport seam: what the coordinator and agents need from a message system. Two
 * implementations pass one contract suite (test/transport/contract.ts): `memory/` (in-process,
 * the embedded default and fast tests) and `nats/` (JetStream, real distribution).
 *
 * Delivery is at-least-once. A message can arrive twice: consumers key results by id and attempt.
 * (After a nats-server crash, items completed just before it can come back as well.)
 */

/** How a work item ended for this delivery. Exactly one verb per delivery; later calls are no-ops. */
export interface Lease {
  /** 1 on first delivery, 2 on the first redelivery, … (JetStream's deliveryCount). */
  readonly attempt: number;
  /** Extend the ack deadline by another ackWait (JetStream `working()`). Call it periodically. */
  renew(): void;
  /** Done: remove from the queue (ack). */
  complete(): Promise<void>;
  /** Hand back for redelivery after `delayMs` (nak with delay); counts towards maxAttempts. */
  retry(delayMs?: number): void;
  /** Never deliver again (term). The reason is for logs; Debian's nats-server 2.9 ignores it. */
  reject(reason: string): void;
}

export interface Delivery<T> {
  readonly data: T;
  readonly lease: Lease;
}

export interface WorkQueueOptions {
  /** Redeliver an unacknowledged item after this long without renew (JetStream ack_wait). */
  readonly ackWaitMs: number;
  /** After this many deliveries an item is not delivered again (JetStream max_deliver). */
  readonly maxAttempts: number;
  /**
   * `publish` with an id seen within this window is dropped (JetStream duplicate_window).
   * Default 2 min. nats-server forgets the ids of already-completed items when it restarts.
   */
  readonly dedupeWindowMs?: number;
}

/** An item that was delivered `maxAttempts` times without being completed or rejected. */
export interface ExhaustedItem<T> {
  readonly id: string;
  readonly data: T;
  readonly attempts: number;
}

/**
 * A durable queue of work items shared by competing consumers (JetStream work-queue stream with
 * one durable pull consumer). `publish` with the same `id` twice stores it once (msg-id dedupe).
 */
export interface WorkQueue<T> {
  publish(id: string, data: T): Promise<void>;
  /**
   * Pulls items one at a time: the iterator yields when an item is available and the caller has
   * fewer than `maxInFlight` unfinished leases from this consumer. Ends when `signal` aborts.
   * Items that fail `decode` are rejected with a logged reason and never yielded.
   */
  consume(options: { maxInFlight: number; signal: AbortSignal }): AsyncIterable<Delivery<T>>;
  /** Items waiting or unacknowledged (for status displays). */
  pending(): Promise<number>;
  /**
   * Called once for every item whose last attempt ended without complete/reject (lease expired
   * or retry). The item is removed from the queue after the handler resolves; a handler that
   * throws leaves it to be offered again. Exhausted items are kept durably until a handler is
   * registered (NATS: a stream capturing the MAX_DELIVERIES advisories), so a coordinator that
   * was down still learns about them. Returns an unsubscribe.
   * Timing: the memory transport notices at once; nats-server notices when some consumer next
   * pulls from the queue (it evaluates redeliveries on a pull), i.e. as soon as any agent has a
   * free slot. Several handlers on one queue compete: each item goes to one of them.
   * A handler that resolves to 'refused' does not believe the notice (on NATS an advisory is a
   * message any client allowed to publish it can forge): the notice is dropped and the item left
   * where it is (the memory transport's notices cannot be forged; there it is dropped all the same).
   */
  onMaxAttempts(handler: (item: ExhaustedItem<T>) => void | 'refused' | Promise<void | 'refused'>): () => void;
}

export interface KvEntry<T> {
  readonly key: string;
  readonly value: T;
  /** Monotone per bucket; the compare-and-set token. */
  readonly revision: number;
}

/** A key-value bucket with compare-and-set (JetStream KV). Keys: [A-Za-z0-9_=./-]+ . */
export interface KvStore<T> {
  get(key: string): Promise<KvEntry<T> | undefined>;
  /** Creates the key; returns undefined if it already exists (someone else won). */
  create(key: string, value: T): Promise<number | undefined>;
  /** Replaces the value only if the key is still at `expectedRevision`; undefined if not. */
  update(key: string, value: T, expectedRevision: number): Promise<number | undefined>;
  /** Unconditional write. */
  put(key: string, value: T): Promise<number>;
  delete(key: string): Promise<void>;
  /** All current entries whose key starts with `prefix` ('' for all). */
  list(prefix: string): Promise<Array<KvEntry<T>>>;
  /** Current entries first (`initial: true`), then every later change, until `signal` aborts. */
  watch(prefix: string, signal: AbortSignal): AsyncIterable<KvEntry<T | null> & { initial: boolean }>;
}

/** Fire-and-forget pub/sub for progress reports, heartbeats and prune commands (core NATS). */
export interface Bus<T> {
  publish(subject: string, data: T): void;
  /** Subscribes; `subject` may end in `.>` or contain `*` as in NATS. Returns an unsubscribe. */
  subscribe(subject: string, handler: (data: T, subject: string) => void): () => void;
}

/** Content-addressed blobs (JetStream object store): datasets under their content hash. */
export interface ObjectStore {
  has(name: string): Promise<boolean>;
  put(name: string, data: AsyncIterable<Uint8Array> | Uint8Array): Promise<void>;
  get(name: string): Promise<AsyncIterable<Uint8Array> | undefined>;
}

/** A codec validates on the way in; a failed decode is a rejected message, never executed. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  /** Throws (with a reason) when the bytes are not a valid T. */
  decode(bytes: Uint8Array): T;
}

export interface Transport {
  /** `name` is a stream name (see subjects.ts). */
  workQueue<T>(name: string, codec: Codec<T>, options: WorkQueueOptions): Promise<WorkQueue<T>>;
  /** Opens a bucket, creating it on first use (unless `bindOnly`). */
  kv<T>(bucket: string, codec: Codec<T>, options?: OpenOptions): Promise<KvStore<T>>;
  /** The names of the buckets that exist (so a reader can refuse a mistyped name without creating one). */
  kvBuckets(): Promise<string[]>;
  bus<T>(codec: Codec<T>): Bus<T>;
  objects(bucket: string, options?: OpenOptions): Promise<ObjectStore>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Open only a bucket or store that exists, never create it: what an agent does, since its server
   * rights (configs/nats-least-privilege.conf) include no STREAM.CREATE. A missing one rejects with
   * MissingBucketError.
   */
  readonly bindOnly?: boolean;
}

/** `bindOnly` asked for a bucket or object store the server does not have (yet). */
export class MissingBucketError extends Error {
  constructor(readonly bucket: string) {
    super(`bucket '${bucket}' does not exist on the server (it is created by the study's coordinator)`);
    this.name = 'MissingBucketError';
  }
}

/** What a `bindOnly` open gives, or undefined where the bucket does not exist (yet); other errors pass. */
export async function unlessMissing<T>(opening: Promise<T>): Promise<T | undefined> {
  return opening.catch((error: unknown) => {
    if (error instanceof MissingBucketError) return undefined;
    throw error;
  });
}
