import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.ts';

const INSTALL_HINT =
  'Install it (Debian/Ubuntu: apt-get install nats-server; macOS: brew install nats-server; or a release ' +
  'from https://github.com/nats-io/nats-server/releases), or set NATS_SERVER_BIN to its path.';

/** The nats-server binary: NATS_SERVER_BIN if set, else the first on PATH. Throws a UserError if none. */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.NATS_SERVER_BIN;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new UserError('nats-server not found: apt-get install nats-server', {
      where: `NATS_SERVER_BIN=${explicit}`,
      hint: `That path is not an executable file. ${INSTALL_HINT}`,
    });
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'nats-server');
    if (isExecutable(candidate)) return candidate;
  }
  throw new UserError('nats-server not found: apt-get install nats-server', { where: 'PATH', hint: INSTALL_HINT });
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false; // missing or not executable: the caller tries the next candidate
  }
}

export interface NatsServerOptions {
  /** JetStream store directory (created if missing); keep it to keep the queues and buckets. */
  readonly storeDir: string;
  /** Client port; 0 lets the server pick a free one. Default 4222. */
  readonly port?: number;
  /** Interface to listen on. Default 0.0.0.0 (agents on other machines must reach it). */
  readonly host?: string;
  /** A nats-server config file for auth, TLS, clustering (passed as -c). */
  readonly configFile?: string;
  /** Default: `findNatsServer()`. */
  readonly binary?: string;
  /** Every log line of the server (default: dropped; the last lines are kept for errors). */
  readonly onLog?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

export interface RunningNatsServer {
  /** `nats://host:port` for clients on this machine. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Graceful shutdown (SIGTERM, then SIGKILL after 5 s); resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would: the store keeps what was synced. */
  kill(): Promise<void>;
}

/** Starts nats-server with JetStream and resolves once it accepts clients. */
export async function startNatsServer(options: NatsServerOptions): Promise<RunningNatsServer> {
  const binary = options.binary ?? findNatsServer();
  const host = options.host ?? '0.0.0.0';
  const requestedPort = options.port ?? 4222;
  mkdirSync(options.storeDir, { recursive: true });
  const args = ['-js', '-sd', options.storeDir, '-a', host, '-p', String(requestedPort === 0 ? -1 : requestedPort)];
  if (options.configFile) args.push('-c', options.configFile);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await waitUntilReady(child, exited, options, requestedPort);
  const clientHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const signal = async (name: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    url: `nats://${clientHost}:${port}`,
    port,
    pid: child.pid!,
    exited,
    stop: () => signal('SIGTERM', 5_000),
    kill: () => signal('SIGKILL', 0),
  };
}

function waitUntilReady(
  child: ChildProcess,
  exited: Promise<number | null>,
  options: NatsServerOptions,
  requestedPort: number,
): Promise<number> {
  const recent: string[] = [];
  let port = requestedPort;
  return new Promise<number>((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(startError(`nats-server did not become ready within ${options.startTimeoutMs ?? 15_000} ms`, recent, options));
    }, options.startTimeoutMs ?? 15_000);
    const onLine = (line: string): void => {
      options.onLog?.(line);
      recent.push(line);
      if (recent.length > 20) recent.shift();
      const listening = /Listening for client connections on .*:(\d+)\s*$/.exec(line);
      if (listening) port = Number(listening[1]);
      if (!ready && /Server is ready/.test(line)) {
        ready = true;
        clearTimeout(timer);
        resolve(port);
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
    }
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(startError(`cannot start nats-server: ${error.message}`, recent, options));
    });
    void exited.then((code) => {
      if (ready) return;
      clearTimeout(timer);
      reject(startError(`nats-server exited with code ${code} while starting`, recent, options));
    });
  });
}

function startError(message: string, recent: string[], options: NatsServerOptions): UserError {
  const log = recent.slice(-5).join('\n    ');
  const inUse = recent.some((line) => /address already in use/i.test(line));
  return new UserError(log ? `${message}:\n    ${log}` : message, {
    where: options.port ? `port ${options.port}` : options.storeDir,
    hint: inUse
      ? 'Another server already listens on that port: pick another with --port, or use the running one.'
      : 'Check that the store directory is writable and the config file (if any) is valid.',
  });
}
