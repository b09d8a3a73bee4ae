import { UserError } from '../../core/errors.ts';
import { startNatsServer } from '../../transport/nats/server.ts';
import type { RegisterCommand } from './register.ts';

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError(`port is '${text}', but must be a whole number from 0 to 65535`, { where: '--port' });
  }
  return port;
}

/**
 * `skewer server`: a local nats-server with JetStream, in the foreground, until Ctrl-C.
 * Agents on other machines join with `skewer agent --server nats://THIS-HOST:PORT`.
 */
export const register: RegisterCommand = (program) => {
  program
    .command('server')
    .description('start a local nats-server with JetStream for distributed searches (Ctrl-C stops it)')
    .option('--port <port>', 'client port (0 picks a free one)', '4222')
    .option('--host <host>', 'interface to listen on', '0.0.0.0')
    .option('--store <dir>', 'JetStream store directory (keep it to keep queues and studies)', '.skewer/nats')
    .option('--config <file>', 'a nats-server config file for auth, TLS or clustering (passed as -c)')
    .option('--verbose', 'print the server log')
    .action(async (options: { port: string; host: string; store: string; config?: string; verbose?: boolean }) => {
      const server = await startNatsServer({
        port: parsePort(options.port),
        host: options.host,
        storeDir: options.store,
        ...(options.config ? { configFile: options.config } : {}),
        onLog: options.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
      });
      process.stdout.write(
        `nats-server (JetStream) listening on ${options.host}:${server.port}, store ${options.store}\n` +
          `  agents:      skewer agent --server nats://<this-host>:${server.port}\n` +
          `  coordinator: skewer search STUDY.yaml --server ${server.url}\n` +
          `  Ctrl-C stops it; the store keeps queued trials and studies for the next start.\n`,
      );
      let stopping = false;
      const stop = (): void => {
        stopping = true;
        void server.stop();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const code = await server.exited;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (!stopping) {
        throw new UserError(`nats-server exited unexpectedly with code ${code}`, {
          where: `pid ${server.pid}`,
          hint: 'Run again with --verbose to see its log.',
        });
      }
      process.stdout.write('nats-server stopped\n');
    });
};
