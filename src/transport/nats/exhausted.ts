import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeOrReport } from '../codec.ts';
import { exhaustedStreamName } from '../subjects.ts';
import type { Codec, ExhaustedItem } from '../types.ts';
import { asError, RETRY_FIRST_MS, RETRY_MAX_MS, type NatsQueueContext } from './loop-context.ts';
import { HANDLERS_CONSUMER, pullOne } from './streams.ts';

/** A handler that threw gets the item again after this long. */
const HANDLER_RETRY_MS = 1_000;

interface MaxDeliveriesAdvisory {
  stream_seq: number;
  deliveries: number;
}

function parseAdvisory(data: Uint8Array): MaxDeliveriesAdvisory | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined; // reported as not an advisory by the caller
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { stream_seq: seq, deliveries } = parsed as Record<string, unknown>;
  return typeof seq === 'number' && typeof deliveries === 'number' ? { stream_seq: seq, deliveries } : undefined;
}

/**
 * Reads the captured MAX_DELIVERIES advisories of queue `stream`: for each, fetches the item
 * (still in the work-queue stream: JetStream stops delivering it but keeps it), hands it to
 * `handler`, then deletes it and acknowledges the advisory. A handler that throws gets it again.
 */
export function watchExhausted<T>(
  context: NatsQueueContext,
  stream: string,
  codec: Codec<T>,
  handler: (item: ExhaustedItem<T>) => void | 'refused' | Promise<void | 'refused'>,
): () => void {
  const stopped = new AbortController();
  const signal = AbortSignal.any([stopped.signal, context.closing]);
  const loop = `exhausted items of ${stream}`;

  const handle = async (advisoryMessage: JsMsg): Promise<void> => {
    const advisory = parseAdvisory(advisoryMessage.data);
    if (!advisory) {
      context.onInvalid({ source: `advisories of ${stream}`, reason: 'not a MAX_DELIVERIES advisory' });
      advisoryMessage.term();
      return;
    }
    const stored = await context.jsm.streams.getMessage(stream, { seq: advisory.stream_seq });
    if (stored) {
      const decoded = decodeOrReport(codec, stored.data, `queue ${stream}`, context.onInvalid);
      if (decoded) {
        const id = stored.header?.get('Nats-Msg-Id') ?? `seq-${stored.seq}`;
        if ((await handler({ id, data: decoded.value, attempts: advisory.deliveries })) === 'refused') {
          await advisoryMessage.ackAck(); // a notice not believed: the item it names stays queued
          return;
        }
      }
      await context.jsm.streams.deleteMessage(stream, advisory.stream_seq, false);
    }
    await advisoryMessage.ackAck();
  };

  const run = async (): Promise<void> => {
    let retryMs = RETRY_FIRST_MS;
    let consumer: Consumer | undefined;
    while (!signal.aborted) {
      let advisoryMessage: JsMsg | undefined;
      try {
        consumer ??= await context.js.consumers.get(exhaustedStreamName(stream), HANDLERS_CONSUMER);
        advisoryMessage = await pullOne(consumer, signal);
        if (advisoryMessage) await handle(advisoryMessage);
        retryMs = RETRY_FIRST_MS;
      } catch (error) {
        if (signal.aborted) break;
        // A handler failure or a server outage: offer this advisory again later, keep the loop alive.
        advisoryMessage?.nak(HANDLER_RETRY_MS);
        context.onStatus({ type: 'loopError', loop, error: asError(error), retryInMs: retryMs });
        await sleep(retryMs, undefined, { signal }).catch(() => undefined);
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
      }
    }
  };
  void run();
  return () => stopped.abort();
}
