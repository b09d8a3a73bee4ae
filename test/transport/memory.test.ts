import { createMemoryTransport } from '../../src/transport/index.ts';
import { runTransportContract } from './contract.ts';

runTransportContract('memory', async ({ onInvalid }) => createMemoryTransport({ onInvalid }));
