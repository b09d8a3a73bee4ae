import type { Status } from '@nats-io/transport-node';
import type { InvalidMessageHandler } from '../codec.ts';

/**
 * How to reach a NATS server. Everything about auth and TLS is passed through to
 * @nats-io/transport-node's `connect`; nothing is home-made.
 */
export interface NatsTransportOptions {
  /** One URL or several: `nats://host:4222`, `tls://host:4222`. */
  readonly servers: string | readonly string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /** A NATS `.creds` file (JWT + nkey seed), as `nats --creds` takes it. */
  readonly credsFile?: string;
  /** TLS: a CA to trust, and a client certificate and key for mutual TLS. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  /** The client name shown by the server's monitoring (e.g. `skewer-agent gpu-box-1`). */
  readonly name?: string;
  /** JetStream storage for the streams, buckets and object stores this client creates. Default 'file'. */
  readonly storage?: 'file' | 'memory';
  /** Connection and background-loop notices (default: disconnects, reconnects and errors on stderr). */
  readonly onStatus?: (status: NatsStatus) => void;
  /** Messages that fail their codec (default: one line on stderr). */
  readonly onInvalid?: InvalidMessageHandler;
  /** How long the first connection (TCP, TLS handshake, auth) may take. Default: the client's 20 s. */
  readonly connectTimeoutMs?: number;
  /** Keep retrying the first connection instead of failing with a clear error. Default false. */
  readonly waitOnFirstConnect?: boolean;
}

/**
 * The client's own connection notices, plus ours: a background loop (a queue consumer, the
 * exhausted-items handler) hit an error and retries after `retryInMs`; a subscription failed
 * (e.g. no permission for its subject).
 */
export type NatsStatus =
  | Status
  | { type: 'loopError'; loop: string; error: Error; retryInMs: number }
  | { type: 'subscriptionError'; subject: string; error: Error };

export function describeStatus(status: NatsStatus): string | undefined {
  switch (status.type) {
    case 'disconnect':
      return `disconnected from ${status.server}; reconnecting`;
    case 'reconnect':
      return `reconnected to ${status.server}`;
    case 'error':
      return `connection error: ${status.error.message}`;
    case 'subscriptionError':
      return `subscription to ${status.subject} failed: ${status.error.message}`;
    case 'loopError':
      return `${status.loop}: ${status.error.message} (retrying in ${status.retryInMs} ms)`;
    default:
      return undefined;
  }
}

export const logStatus = (status: NatsStatus): void => {
  const line = describeStatus(status);
  if (line) process.stderr.write(`skewer nats: ${line}\n`);
};
