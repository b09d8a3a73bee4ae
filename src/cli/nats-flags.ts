import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { UserError } from '../core/errors.ts';
import type { NatsTransportOptions } from '../transport/index.ts';

/** The connection flags every NATS-using command shares (search, agent, status). */
export interface NatsFlags {
  server?: string;
  user?: string;
  password?: string;
  token?: string;
  creds?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/**
 * Adds --server and the auth/TLS flags. Secrets can also come from the environment, as the
 * `nats` CLI reads them (NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS), so they stay out of `ps`.
 */
export function addNatsConnectionOptions(command: Command): Command {
  return command
    .option('--server <url>', 'NATS server URL(s), comma-separated (nats://host:4222); none = in-process')
    .option('--user <name>', 'NATS user (or NATS_USER)')
    .option('--password <secret>', 'NATS password (or NATS_PASSWORD)')
    .option('--token <secret>', 'NATS token (or NATS_TOKEN)')
    .option('--creds <file>', 'NATS credentials file (or NATS_CREDS)')
    .option('--tls-ca <file>', 'CA certificate to trust for TLS')
    .option('--tls-cert <file>', 'client certificate for mutual TLS (with --tls-key)')
    .option('--tls-key <file>', 'client key for mutual TLS (with --tls-cert)');
}

function existingFile(flag: string, file: string | undefined): string | undefined {
  if (file !== undefined && !existsSync(file)) {
    throw new UserError(`file not found: ${file}`, { where: flag, hint: 'Give the path of an existing file.' });
  }
  return file;
}

/** Connection options for `connectNats`, or undefined when no --server was given (embedded mode). */
export function natsOptionsFromFlags(
  flags: NatsFlags,
  extra: Pick<NatsTransportOptions, 'name' | 'onStatus' | 'onInvalid'> = {},
  env: NodeJS.ProcessEnv = process.env,
): NatsTransportOptions | undefined {
  if (!flags.server) {
    const stray = (['user', 'password', 'token', 'creds', 'tlsCa', 'tlsCert', 'tlsKey'] as const).find((k) => flags[k] !== undefined);
    if (stray) {
      throw new UserError(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --server`, {
        hint: 'Connection flags apply to a NATS server; without --server the search runs in-process.',
      });
    }
    return undefined;
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new UserError('mutual TLS needs both --tls-cert and --tls-key', { where: flags.tlsCert ? '--tls-key' : '--tls-cert' });
  }
  const user = flags.user ?? env.NATS_USER;
  const pass = flags.password ?? env.NATS_PASSWORD;
  const token = flags.token ?? env.NATS_TOKEN;
  const credsFile = existingFile('--creds', flags.creds ?? env.NATS_CREDS);
  const caFile = existingFile('--tls-ca', flags.tlsCa);
  const certFile = existingFile('--tls-cert', flags.tlsCert);
  const keyFile = existingFile('--tls-key', flags.tlsKey);
  return {
    servers: flags.server.split(',').map((url) => url.trim()),
    ...extra,
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(credsFile !== undefined ? { credsFile } : {}),
    ...(caFile || certFile ? { tls: { ...(caFile ? { caFile } : {}), ...(certFile ? { certFile, keyFile: keyFile! } : {}) } } : {}),
  };
}
