export { createMemoryTransport, type MemoryTransportOptions } from './transport.ts';
