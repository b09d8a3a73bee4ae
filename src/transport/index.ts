/**
 * The transport seam's public surface: the interfaces, the message codec, and two factories.
 * (connectNats arrives with the NATS transport.)
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
