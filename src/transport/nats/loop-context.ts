/**
 * What every background loop of the NATS transport shares (the queue consumer and the
 * exhausted-items watcher alike): the clients, where to report, when to stop, and the backoff
 * after an error. A module of its own so that those loops depend on it and not on each other.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { InvalidMessageHandler } from '../codec.ts';
import type { NatsStatus } from './options.ts';

/** A loop that hit an error waits this long first, doubling up to RETRY_MAX_MS. */
export const RETRY_FIRST_MS = 250;
export const RETRY_MAX_MS = 5_000;

export interface NatsQueueContext {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly storage: 'file' | 'memory';
  readonly onInvalid: InvalidMessageHandler;
  readonly onStatus: (status: NatsStatus) => void;
  /** Aborts when the transport closes: every background loop stops. */
  readonly closing: AbortSignal;
}

/** A thrown value as an Error, for a `loopError` status. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
