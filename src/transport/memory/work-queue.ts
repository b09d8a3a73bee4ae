import { decodeOrReport, type InvalidMessageHandler } from '../codec.ts';
import type { Codec, Delivery, ExhaustedItem, Lease, WorkQueue, WorkQueueOptions } from '../types.ts';
import { InFlightSlots } from '../slots.ts';

const DEFAULT_DEDUPE_WINDOW_MS = 120_000;
/** How long an exhausted item waits before it is offered again when its handler threw. */
const EXHAUSTED_RETRY_MS = 1_000;

export interface QueuedItem {
  readonly seq: number;
  readonly id: string;
  readonly bytes: Uint8Array;
  deliveries: number;
  /** Identifies the current delivery; undefined while the item waits. */
  leaseToken: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

type Taker = (item: QueuedItem) => void;
type ExhaustedHandler = (item: QueuedItem) => Promise<void>;

/**
 * The state of one named queue, shared by every `WorkQueue` opened on it in the same transport
 * (like one JetStream stream with one durable consumer). Mirrors JetStream: ack wait timers,
 * redelivery with deliveryCount + 1, nak delay, max_deliver, msg-id dedupe within a window.
 */
export class MemoryQueueState {
  private readonly items = new Map<number, QueuedItem>();
  private readonly ready: QueuedItem[] = [];
  private readonly takers: Taker[] = [];
  private readonly recentIds = new Map<string, number>();
  private readonly exhausted: QueuedItem[] = [];
  private readonly exhaustedHandlers: ExhaustedHandler[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextSeq = 1;
  private nextLeaseToken = 1;
  private nextHandler = 0;
  private closed = false;
  private readonly closing = new AbortController();
  /** Aborts when the transport closes: consumers waiting on this queue end. */
  readonly closedSignal = this.closing.signal;

  constructor(private options: WorkQueueOptions) {}

  /** A later open with other options wins, as a JetStream consumer update would. */
  reconfigure(options: WorkQueueOptions): void {
    this.options = options;
  }

  publish(id: string, bytes: Uint8Array): void {
    if (this.closed) throw new Error('transport is closed');
    const now = Date.now();
    const window = this.options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS;
    for (const [seenId, at] of this.recentIds) {
      if (now - at < window) break; // Map keeps insertion order: the rest are newer
      this.recentIds.delete(seenId);
    }
    if (this.recentIds.has(id)) return;
    this.recentIds.set(id, now);
    const item: QueuedItem = { seq: this.nextSeq++, id, bytes, deliveries: 0, leaseToken: undefined, timer: undefined };
    this.items.set(item.seq, item);
    this.makeAvailable(item);
  }

  pending(): number {
    return this.items.size;
  }

  /** Resolves with the next item for a consumer with a free slot, or undefined on abort. */
  take(signal: AbortSignal): Promise<QueuedItem | undefined> {
    if (signal.aborted || this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const index = this.takers.indexOf(taker);
        if (index >= 0) this.takers.splice(index, 1);
        resolve(undefined);
      };
      const taker: Taker = (item) => {
        signal.removeEventListener('abort', onAbort);
        resolve(item);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.takers.push(taker);
      this.dispatch();
    });
  }

  /** Starts a delivery: counts it and arms the ack-wait timer. Returns the lease token. */
  private deliver(item: QueuedItem): void {
    item.deliveries += 1;
    item.leaseToken = this.nextLeaseToken++;
    this.armAckWait(item);
  }

  private armAckWait(item: QueuedItem): void {
    if (item.timer) this.clearTimer(item.timer);
    const token = item.leaseToken;
    item.timer = this.setTimer(() => {
      item.timer = undefined;
      if (item.leaseToken !== token) return;
      item.leaseToken = undefined;
      this.makeAvailable(item);
    }, this.options.ackWaitMs);
  }

  isCurrent(item: QueuedItem, token: number): boolean {
    return item.leaseToken === token && this.items.has(item.seq);
  }

  renew(item: QueuedItem, token: number): void {
    if (this.isCurrent(item, token)) this.armAckWait(item);
  }

  /** complete (ack) and reject (term) both remove the item for good. */
  remove(item: QueuedItem, token: number): void {
    if (!this.isCurrent(item, token)) return;
    this.endLease(item);
    this.items.delete(item.seq);
  }

  retry(item: QueuedItem, token: number, delayMs: number): void {
    if (!this.isCurrent(item, token)) return;
    this.endLease(item);
    if (delayMs > 0) this.setTimer(() => this.makeAvailable(item), delayMs);
    else this.makeAvailable(item);
  }

  private endLease(item: QueuedItem): void {
    if (item.timer) this.clearTimer(item.timer);
    item.timer = undefined;
    item.leaseToken = undefined;
  }

  /** Back in line, unless this was its last attempt (JetStream stops at max_deliver). */
  private makeAvailable(item: QueuedItem): void {
    if (this.closed || !this.items.has(item.seq)) return;
    if (item.deliveries >= this.options.maxAttempts) {
      this.exhausted.push(item);
      this.offerExhausted();
      return;
    }
    let index = this.ready.length;
    while (index > 0 && this.ready[index - 1]!.seq > item.seq) index -= 1;
    this.ready.splice(index, 0, item);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.ready.length > 0 && this.takers.length > 0) {
      const item = this.ready.shift()!;
      const taker = this.takers.shift()!;
      this.deliver(item);
      taker(item);
    }
  }

  leaseTokenOf(item: QueuedItem): number {
    return item.leaseToken!;
  }

  onExhausted(handler: ExhaustedHandler): () => void {
    this.exhaustedHandlers.push(handler);
    this.offerExhausted();
    return () => {
      const index = this.exhaustedHandlers.indexOf(handler);
      if (index >= 0) this.exhaustedHandlers.splice(index, 1);
    };
  }

  private offerExhausted(): void {
    while (this.exhausted.length > 0 && this.exhaustedHandlers.length > 0 && !this.closed) {
      const item = this.exhausted.shift()!;
      const handler = this.exhaustedHandlers[this.nextHandler++ % this.exhaustedHandlers.length]!;
      handler(item).then(
        () => this.items.delete(item.seq),
        () => this.setTimer(() => {
          this.exhausted.push(item);
          this.offerExhausted();
        }, EXHAUSTED_RETRY_MS),
      );
    }
  }

  private setTimer(callback: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.takers.length = 0;
    this.closing.abort();
  }
}

/** A typed view of a queue state, with its own codec (as a NATS client would have). */
export function memoryWorkQueue<T>(
  name: string,
  state: MemoryQueueState,
  codec: Codec<T>,
  onInvalid: InvalidMessageHandler,
): WorkQueue<T> {
  const source = `queue ${name}`;
  return {
    async publish(id, data) {
      state.publish(id, codec.encode(data));
    },
    pending: async () => state.pending(),
    consume: ({ maxInFlight, signal }) => consume(state, codec, source, onInvalid, maxInFlight, signal),
    onMaxAttempts(handler) {
      return state.onExhausted(async (item) => {
        const decoded = decodeOrReport(codec, item.bytes, source, onInvalid);
        if (!decoded) return;
        const exhausted: ExhaustedItem<T> = { id: item.id, data: decoded.value, attempts: item.deliveries };
        await handler(exhausted);
      });
    },
  };
}

async function* consume<T>(
  state: MemoryQueueState,
  codec: Codec<T>,
  source: string,
  onInvalid: InvalidMessageHandler,
  maxInFlight: number,
  callerSignal: AbortSignal,
): AsyncGenerator<Delivery<T>> {
  const slots = new InFlightSlots(maxInFlight);
  const signal = AbortSignal.any([callerSignal, state.closedSignal]);
  while (!signal.aborted) {
    await slots.free(signal);
    if (signal.aborted) break;
    const item = await state.take(signal);
    if (!item) return;
    const token = state.leaseTokenOf(item);
    const decoded = decodeOrReport(codec, item.bytes, source, onInvalid);
    if (!decoded) {
      state.remove(item, token);
      continue;
    }
    slots.take();
    yield { data: decoded.value, lease: memoryLease(state, item, token, slots.release) };
  }
}

function memoryLease(state: MemoryQueueState, item: QueuedItem, token: number, release: () => void): Lease {
  let finished = false;
  const finish = (verb: () => void): void => {
    if (finished) return;
    finished = true;
    verb();
    release();
  };
  return {
    attempt: item.deliveries,
    renew: () => {
      if (!finished) state.renew(item, token);
    },
    complete: async () => finish(() => state.remove(item, token)),
    retry: (delayMs = 0) => finish(() => state.retry(item, token, delayMs)),
    reject: (_reason) => finish(() => state.remove(item, token)),
  };
}
