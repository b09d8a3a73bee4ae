import { readFile } from 'node:fs/promises';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { UserError } from '../../core/errors.ts';
import type { NatsTransportOptions } from './options.ts';
import { redactUrls } from './redact.ts';

/** Builds the client's connection options: auth and TLS passed through, reconnect forever. */
export async function connectionOptions(options: NatsTransportOptions): Promise<NodeConnectionOptions> {
  const servers = typeof options.servers === 'string' ? options.servers.split(',').map((s) => s.trim()) : [...options.servers];
  const result: NodeConnectionOptions = {
    servers,
    name: options.name ?? 'skewer',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: options.waitOnFirstConnect ?? false,
  };
  if (options.connectTimeoutMs !== undefined) result.timeout = options.connectTimeoutMs;
  if (options.user !== undefined) result.user = options.user;
  if (options.pass !== undefined) result.pass = options.pass;
  if (options.token !== undefined) result.token = options.token;
  if (options.credsFile !== undefined) {
    const creds = await readFile(options.credsFile).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot read the NATS credentials file (${error.code ?? error.message})`, {
        where: options.credsFile,
        hint: 'Pass the .creds file your NATS operator issued (nsc generate creds).',
      });
    });
    result.authenticator = credsAuthenticator(new Uint8Array(creds));
  }
  if (options.tls) {
    result.tls = {
      ...(options.tls.caFile ? { caFile: options.tls.caFile } : {}),
      ...(options.tls.certFile ? { certFile: options.tls.certFile } : {}),
      ...(options.tls.keyFile ? { keyFile: options.tls.keyFile } : {}),
    };
  }
  return result;
}

/** Connects, turning the usual first-connection failures into errors a person can act on. */
export async function connectToNats(options: NatsTransportOptions): Promise<NatsConnection> {
  const connection = await connectionOptions(options);
  const where = redactUrls((connection.servers as string[]).join(','));
  try {
    return await connect(connection);
  } catch (error) {
    const message = redactUrls(error instanceof Error ? error.message : String(error));
    if (/authoriz|authentica|permission/i.test(message)) {
      throw new UserError(`NATS refused the credentials: ${message}`, {
        where,
        hint: 'Check --user/--password, --token or --creds against the server configuration.',
      });
    }
    if (/tls|certificate|ssl/i.test(message)) {
      throw new UserError(`TLS handshake with NATS failed: ${message}`, {
        where,
        hint: 'Check --tls-ca (the CA that signed the server certificate) and --tls-cert/--tls-key.',
      });
    }
    throw new UserError(`cannot connect to NATS: ${message}`, {
      where,
      hint: 'Is nats-server running with JetStream there? Start one with `skewer server`.',
      retryable: true,
    });
  }
}
