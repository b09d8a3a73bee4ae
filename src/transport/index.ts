/**
 * The transport seam's public surface: the interfaces, the message codec, and two factories.
 * `connectNats` loads the NATS client lazily, so the embedded default never pulls it in.
 */
export type {
  Bus,
  Codec,
  Delivery,
  ExhaustedItem,
  KvEntry,
  KvStore,
  Lease,
  ObjectStore,
  Transport,
  WorkQueue,
  WorkQueueOptions,
} from './types.ts';
export { InvalidMessageError, logInvalidMessage, zodCodec, type InvalidMessage, type InvalidMessageHandler } from './codec.ts';
export { createMemoryTransport, type MemoryTransportOptions } from './memory/index.ts';
export type { NatsTransportOptions, NatsStatus } from './nats/options.ts';
export { logStatus } from './nats/options.ts';
export { findNatsServer, startNatsServer, type NatsServerOptions, type RunningNatsServer } from './nats/server.ts';
export { redactUrls } from './nats/redact.ts';

import type { NatsTransportOptions } from './nats/options.ts';
import type { Transport } from './types.ts';

/** Connects to a NATS server with JetStream; reconnects forever (see NatsTransportOptions). */
export async function connectNats(options: NatsTransportOptions): Promise<Transport> {
  const { connectNatsTransport } = await import('./nats/transport.ts');
  return connectNatsTransport(options);
}
