/**
 * One real nats-server for a test file, started before its tests and stopped after them, with
 * `connect()` handing out client transports that are closed at the end too.
 */
import { after, before } from 'node:test';
import { connectNats } from '../../src/transport/index.ts';
import type { Transport } from '../../src/transport/types.ts';
import { startTestNatsServer, type TestNatsServer } from './nats-server.ts';

export interface SharedNatsServer {
  readonly url: string;
  /** A new client connection, closed after the file's tests. */
  connect(): Promise<Transport>;
}

export function sharedNatsServer(): SharedNatsServer {
  let server: TestNatsServer | undefined;
  const transports: Transport[] = [];
  before(async () => {
    server = await startTestNatsServer();
  });
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await server?.stop();
  });
  const url = (): string => {
    if (!server) throw new Error('sharedNatsServer: the server starts in before(); use it inside a test');
    return server.url;
  };
  return {
    get url() {
      return url();
    },
    async connect() {
      const transport = await connectNats({ servers: url() });
      transports.push(transport);
      return transport;
    },
  };
}
