import { after, before } from 'node:test';
import { connectNats } from '../../src/transport/index.ts';
import { startTestNatsServer, type TestNatsServer } from '../helpers/nats-server.ts';
import { runTransportContract } from './contract.ts';

let server: TestNatsServer;
before(async () => {
  server = await startTestNatsServer();
});
after(() => server.stop());

runTransportContract('nats', ({ onInvalid }) => connectNats({ servers: server.url, onInvalid }));
