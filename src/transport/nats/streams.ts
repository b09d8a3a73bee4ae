import {
  AckPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type Consumer,
  type ConsumerConfig,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { exhaustedStreamName } from '../subjects.ts';

export function storageType(storage: 'file' | 'memory'): StorageType {
  return storage === 'memory' ? StorageType.Memory : StorageType.File;
}

function isNotFound(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamNotFound || error.code === JetStreamApiCodes.ConsumerNotFound)
  );
}

/** Creates a work-queue stream, or keeps the existing one (updating its dedupe window). */
export async function ensureWorkQueueStream(
  jsm: JetStreamManager,
  name: string,
  subject: string,
  storage: 'file' | 'memory',
  duplicateWindowMs: number,
): Promise<void> {
  const wanted: Partial<StreamConfig> & { name: string } = {
    name,
    subjects: [subject],
    retention: RetentionPolicy.Workqueue,
    storage: storageType(storage),
    duplicate_window: nanos(duplicateWindowMs),
  };
  try {
    const info = await jsm.streams.info(name);
    if (info.config.duplicate_window !== wanted.duplicate_window) {
      await jsm.streams.update(name, { ...info.config, duplicate_window: wanted.duplicate_window! });
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.streams.add(wanted);
  }
}

/** Creates a durable explicit-ack pull consumer, or updates ack_wait/max_deliver of the existing one. */
export async function ensurePullConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  ackWaitMs: number,
  maxDeliver: number,
): Promise<void> {
  const wanted: Partial<ConsumerConfig> = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    max_deliver: maxDeliver,
  };
  try {
    const info = await jsm.consumers.info(stream, durable);
    if (info.config.ack_wait !== wanted.ack_wait || info.config.max_deliver !== maxDeliver) {
      await jsm.consumers.update(stream, durable, { ack_wait: wanted.ack_wait!, max_deliver: maxDeliver });
    }
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(stream, wanted);
  }
}

/** The durable pull consumer every worker of a queue shares (competing consumers). */
export const WORKERS_CONSUMER = 'workers';
/** The durable pull consumer of a queue's exhausted-items stream (the coordinator's side). */
export const HANDLERS_CONSUMER = 'handlers';
/** How long one pull request waits on the server before it is renewed (client minimum 1 s). */
const PULL_EXPIRES_MS = 5_000;

/** The advisory the server publishes when a message of `stream` reached max_deliver. */
export function maxDeliveriesAdvisorySubject(stream: string): string {
  return `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${WORKERS_CONSUMER}`;
}

/**
 * Keeps the MAX_DELIVERIES advisories of a queue in a work-queue stream of their own, so the
 * coordinator learns of exhausted items even if it was down when they ran out of attempts.
 */
export async function ensureExhaustedCapture(jsm: JetStreamManager, stream: string, storage: 'file' | 'memory'): Promise<void> {
  const name = exhaustedStreamName(stream);
  await ensureWorkQueueStream(jsm, name, maxDeliveriesAdvisorySubject(stream), storage, DEFAULT_DUPLICATE_WINDOW_MS);
  await ensurePullConsumer(jsm, name, HANDLERS_CONSUMER, HANDLER_ACK_WAIT_MS, -1);
}
const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
/** A handler has this long to deal with one exhausted item before it is offered again. */
const HANDLER_ACK_WAIT_MS = 60_000;

/** One message, or undefined when the pull expired or the signal aborted. */
export async function pullOne(consumer: Consumer, signal: AbortSignal): Promise<JsMsg | undefined> {
  const messages = await consumer.fetch({ max_messages: 1, expires: PULL_EXPIRES_MS });
  const stop = (): void => {
    messages.stop();
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const message of messages) return message;
    return undefined;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
