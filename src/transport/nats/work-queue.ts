import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeOrReport } from '../codec.ts';
import { InFlightSlots } from '../slots.ts';
import { queueSubject } from '../subjects.ts';
import type { Codec, Delivery, Lease, WorkQueue, WorkQueueOptions } from '../types.ts';
import { watchExhausted } from './exhausted.ts';
import { asError, RETRY_FIRST_MS, RETRY_MAX_MS, type NatsQueueContext } from './loop-context.ts';
import { ensureExhaustedCapture, ensurePullConsumer, ensureWorkQueueStream, pullOne, WORKERS_CONSUMER } from './streams.ts';

const DEFAULT_DEDUPE_WINDOW_MS = 120_000;

/**
 * A work queue on JetStream: a work-queue stream bound to `queueSubject(name)` and one durable
 * pull consumer with ack_wait = ackWaitMs and max_deliver = maxAttempts.
 */
export async function natsWorkQueue<T>(
  context: NatsQueueContext,
  name: string,
  codec: Codec<T>,
  options: WorkQueueOptions,
): Promise<WorkQueue<T>> {
  const subject = queueSubject(name);
  await ensureWorkQueueStream(context.jsm, name, subject, context.storage, options.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS);
  await ensurePullConsumer(context.jsm, name, WORKERS_CONSUMER, options.ackWaitMs, options.maxAttempts);
  await ensureExhaustedCapture(context.jsm, name, context.storage);
  const consumer = await context.js.consumers.get(name, WORKERS_CONSUMER);
  const source = `queue ${name}`;

  return {
    async publish(id, data) {
      await context.js.publish(subject, codec.encode(data), { msgID: id });
    },
    async pending() {
      return (await context.jsm.streams.info(name)).state.messages;
    },
    consume: ({ maxInFlight, signal }) => consume(context, consumer, source, codec, maxInFlight, signal),
    onMaxAttempts: (handler) => watchExhausted(context, name, codec, handler),
  };
}

async function* consume<T>(
  context: NatsQueueContext,
  consumer: Consumer,
  source: string,
  codec: Codec<T>,
  maxInFlight: number,
  callerSignal: AbortSignal,
): AsyncGenerator<Delivery<T>> {
  const slots = new InFlightSlots(maxInFlight);
  const signal = AbortSignal.any([callerSignal, context.closing]);
  let retryMs = RETRY_FIRST_MS;
  while (!signal.aborted) {
    await slots.free(signal);
    if (signal.aborted) break;
    let message: JsMsg | undefined;
    try {
      message = await pullOne(consumer, signal);
      retryMs = RETRY_FIRST_MS;
    } catch (error) {
      if (signal.aborted) break;
      // The server is restarting or unreachable: the client reconnects by itself; pull again later.
      context.onStatus({ type: 'loopError', loop: `consume ${source}`, error: asError(error), retryInMs: retryMs });
      await sleep(retryMs, undefined, { signal }).catch(() => undefined);
      retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
      continue;
    }
    if (!message) continue;
    if (signal.aborted) {
      message.nak(); // pulled while we were stopping: hand it straight back
      break;
    }
    const decoded = decodeOrReport(codec, message.data, source, context.onInvalid);
    if (!decoded) {
      message.term();
      continue;
    }
    slots.take();
    yield { data: decoded.value, lease: natsLease(message, slots.release) };
  }
}

function natsLease(message: JsMsg, release: () => void): Lease {
  let finished = false;
  const finish = (): boolean => {
    if (finished) return false;
    finished = true;
    release();
    return true;
  };
  return {
    attempt: message.info.deliveryCount,
    renew: () => {
      if (!finished) message.working();
    },
    async complete() {
      if (finish()) await message.ackAck();
    },
    retry: (delayMs = 0) => {
      if (finish()) message.nak(delayMs > 0 ? delayMs : undefined);
    },
    // nats-server 2.9 does not understand `+TERM reason`: the reason stays in our logs only.
    reject: (_reason) => {
      if (finish()) message.term();
    },
  };
}
