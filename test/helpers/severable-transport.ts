/**
 * A transport view for one in-process agent that can be cut off at once, as if its process had
 * been SIGKILLed: after `sever()` its queue iterators end, its lease verbs, bus messages and
 * heartbeats go nowhere (no goodbye, no ack, no renew: the lease expires and the queue redelivers),
 * and its publishes and KV calls reject.
 */
import type { Bus, Codec, Delivery, Transport, WorkQueue } from '../../src/transport/types.ts';

export interface SeverableTransport {
  readonly transport: Transport;
  sever(): void;
  readonly severed: boolean;
}

const gone = (): Promise<never> => Promise.reject(new Error('connection lost (severed)'));

export function severable(inner: Transport): SeverableTransport {
  let severed = false;
  const transport: Transport = {
    async workQueue<T>(name: string, codec: Codec<T>, options: Parameters<Transport['workQueue']>[2]): Promise<WorkQueue<T>> {
      const queue = await inner.workQueue(name, codec, options);
      return {
        publish: (id, data) => (severed ? gone() : queue.publish(id, data)),
        pending: () => queue.pending(),
        onMaxAttempts: (handler) => queue.onMaxAttempts(handler),
        consume: (consumeOptions) => ({
          async *[Symbol.asyncIterator](): AsyncGenerator<Delivery<T>> {
            for await (const { data, lease } of queue.consume(consumeOptions)) {
              if (severed) return; // a dead process pulls nothing more; what it held expires
              yield {
                data,
                lease: {
                  attempt: lease.attempt,
                  renew: () => (severed ? undefined : lease.renew()),
                  complete: () => (severed ? gone() : lease.complete()),
                  retry: (delayMs) => (severed ? undefined : lease.retry(delayMs)),
                  reject: (reason) => (severed ? undefined : lease.reject(reason)),
                },
              };
            }
          },
        }),
      };
    },
    async kv(bucket, codec) {
      const kv = await inner.kv(bucket, codec);
      return {
        get: (key) => (severed ? gone() : kv.get(key)),
        create: (key, value) => (severed ? gone() : kv.create(key, value)),
        update: (key, value, revision) => (severed ? gone() : kv.update(key, value, revision)),
        put: (key, value) => (severed ? gone() : kv.put(key, value)),
        delete: (key) => (severed ? gone() : kv.delete(key)),
        list: (prefix) => (severed ? gone() : kv.list(prefix)),
        watch: (prefix, signal) => kv.watch(prefix, signal),
      };
    },
    kvBuckets: () => inner.kvBuckets(),
    bus<T>(codec: Codec<T>): Bus<T> {
      const bus = inner.bus(codec);
      return {
        publish: (subject, data) => (severed ? undefined : bus.publish(subject, data)),
        subscribe: (subject, handler) => bus.subscribe(subject, (data, s) => (severed ? undefined : handler(data, s))),
      };
    },
    objects: (bucket) => inner.objects(bucket),
    close: async () => undefined, // the shared transport is closed by its owner
  };
  return {
    transport,
    sever: () => {
      severed = true;
    },
    get severed() {
      return severed;
    },
  };
}
