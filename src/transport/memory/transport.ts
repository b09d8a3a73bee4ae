import { logInvalidMessage, type InvalidMessageHandler } from '../codec.ts';
import { MissingBucketError, type Transport } from '../types.ts';
import { memoryBus, MemoryBusState } from './bus.ts';
import type { Channel } from './channel.ts';
import { MemoryBucketState, memoryKv } from './kv.ts';
import { MemoryObjectState, memoryObjects } from './objects.ts';
import { MemoryQueueState, memoryWorkQueue } from './work-queue.ts';

export interface MemoryTransportOptions {
  /** Called for every message that fails its codec (default: one line on stderr). */
  readonly onInvalid?: InvalidMessageHandler;
}

/**
 * The in-process transport: the embedded default (`skewer search` with no server) and fast
 * tests. Same semantics as the NATS one (it passes the same contract suite). Queues, buckets
 * and object stores are shared by name within one transport, as streams are on one server.
 */
export function createMemoryTransport(options: MemoryTransportOptions = {}): Transport {
  const onInvalid = options.onInvalid ?? logInvalidMessage;
  const queues = new Map<string, MemoryQueueState>();
  const buckets = new Map<string, MemoryBucketState>();
  const objectStores = new Map<string, MemoryObjectState>();
  const watchChannels = new Set<Channel<unknown>>();
  const busState = new MemoryBusState();
  let closed = false;

  const open = <S>(map: Map<string, S>, name: string, make: () => S): S => {
    if (closed) throw new Error('transport is closed');
    let state = map.get(name);
    if (!state) {
      state = make();
      map.set(name, state);
    }
    return state;
  };

  return {
    async workQueue(name, codec, queueOptions) {
      checkQueueOptions(name, queueOptions.ackWaitMs, queueOptions.maxAttempts);
      const state = open(queues, name, () => new MemoryQueueState(queueOptions));
      state.reconfigure(queueOptions);
      return memoryWorkQueue(name, state, codec, onInvalid);
    },
    kvBuckets: async () => [...buckets.keys()].sort(),
    async kv(bucket, codec, openOptions) {
      if (openOptions?.bindOnly && !buckets.has(bucket)) throw new MissingBucketError(bucket);
      return memoryKv(bucket, open(buckets, bucket, () => new MemoryBucketState()), codec, onInvalid, watchChannels);
    },
    bus: (codec) => memoryBus(busState, codec, onInvalid),
    async objects(bucket, openOptions) {
      if (openOptions?.bindOnly && !objectStores.has(bucket)) throw new MissingBucketError(bucket);
      return memoryObjects(open(objectStores, bucket, () => new MemoryObjectState()));
    },
    async close() {
      closed = true;
      for (const queue of queues.values()) queue.close();
      for (const bucket of buckets.values()) bucket.closeWatchers();
      for (const channel of watchChannels) channel.close();
      busState.close();
    },
  };
}

/** Shared by both transports: options a queue cannot work with. */
export function checkQueueOptions(name: string, ackWaitMs: number, maxAttempts: number): void {
  if (!(ackWaitMs >= 1)) throw new RangeError(`queue ${name}: ackWaitMs is ${ackWaitMs}, but must be at least 1`);
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`queue ${name}: maxAttempts is ${maxAttempts}, but must be a whole number of at least 1`);
  }
}
