/**
 * A real nats-server with JetStream for tests: a free port, a temporary store directory, and
 * restart() that keeps both (clients reconnect to the same URL). Fails with a clear message
 * when nats-server is missing; never skips.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findNatsServer, startNatsServer, type RunningNatsServer } from '../../src/transport/nats/server.ts';

export interface TestNatsServer {
  readonly url: string;
  readonly storeDir: string;
  /** Graceful stop, then removes the store. */
  stop(): Promise<void>;
  /** Stops (SIGTERM) and starts again on the same port with the same store. */
  restart(): Promise<void>;
  /** SIGKILL; `restart()` brings it back with what the store kept. */
  kill(): Promise<void>;
}

export async function startTestNatsServer(): Promise<TestNatsServer> {
  const binary = findNatsServer(); // throws "nats-server not found: apt-get install nats-server"
  const storeDir = mkdtempSync(path.join(tmpdir(), 'skewer-nats-'));
  let server: RunningNatsServer = await startNatsServer({ binary, storeDir, port: 0, host: '127.0.0.1' });
  const port = server.port;
  return {
    url: server.url,
    storeDir,
    async stop() {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
    async restart() {
      await server.stop();
      server = await startNatsServer({ binary, storeDir, port, host: '127.0.0.1' });
    },
    kill: () => server.kill(),
  };
}
