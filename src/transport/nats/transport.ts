import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { UserError } from '../../core/errors.ts';
import { decodeOrReport, logInvalidMessage } from '../codec.ts';
import { checkQueueOptions } from '../memory/transport.ts';
import type { Bus, Codec, Transport } from '../types.ts';
import { connectToNats } from './connect.ts';
import { natsKv, natsKvBuckets } from './kv.ts';
import { natsObjects } from './objects.ts';
import { logStatus, type NatsTransportOptions } from './options.ts';
import type { NatsQueueContext } from './loop-context.ts';
import { natsWorkQueue } from './work-queue.ts';

/**
 * The NATS JetStream transport. Reconnects forever; status changes go to `onStatus`. Streams,
 * buckets and object stores are created on first use and kept on the server.
 */
export async function connectNatsTransport(options: NatsTransportOptions): Promise<Transport> {
  const connection = await connectToNats(options);
  const onStatus = options.onStatus ?? logStatus;
  void (async () => {
    for await (const status of connection.status()) onStatus(status);
  })();
  const jsm = await jetstreamManager(connection).catch(async (error: unknown) => {
    await connection.close();
    throw new UserError('the NATS server has no JetStream', {
      where: connection.getServer(),
      hint: 'Start nats-server with -js (as `skewer server` does), or enable jetstream in its config.',
      cause: error,
    });
  });
  const closing = new AbortController();
  const context: NatsQueueContext = {
    js: jetstream(connection),
    jsm,
    storage: options.storage ?? 'file',
    onInvalid: options.onInvalid ?? logInvalidMessage,
    onStatus,
    closing: closing.signal,
  };

  return {
    async workQueue(name, codec, queueOptions) {
      checkQueueOptions(name, queueOptions.ackWaitMs, queueOptions.maxAttempts);
      return natsWorkQueue(context, name, codec, queueOptions);
    },
    kv: (bucket, codec, openOptions) => natsKv(context.js, bucket, codec, context.storage, context.onInvalid, context.closing, openOptions?.bindOnly ?? false),
    kvBuckets: () => natsKvBuckets(context.js),
    bus: (codec) => natsBus(connection, codec, context),
    objects: (bucket, openOptions) => natsObjects(context.js, bucket, context.storage, openOptions?.bindOnly ?? false),
    async close() {
      if (closing.signal.aborted) return;
      closing.abort();
      await connection.drain().catch(() => connection.close()); // a drain on a dead link still closes
    },
  };
}

function natsBus<T>(connection: NatsConnection, codec: Codec<T>, context: NatsQueueContext): Bus<T> {
  return {
    publish: (subject, data) => connection.publish(subject, codec.encode(data)),
    subscribe(subject, handler) {
      const subscription = connection.subscribe(subject, {
        callback: (error, message) => {
          if (error) {
            context.onStatus({ type: 'subscriptionError', subject, error });
            return;
          }
          const decoded = decodeOrReport(codec, message.data, `bus ${message.subject}`, context.onInvalid);
          if (decoded) handler(decoded.value, message.subject);
        },
      });
      return () => subscription.unsubscribe();
    },
  };
}
