/**
 * Credentials and TLS pass through to the NATS client: real nats-servers configured with
 * user/password, a token, and mutual TLS (certificates made with openssl for the test).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { z } from 'zod';
import { natsOptionsFromFlags } from '../../src/cli/nats-flags.ts';
import { UserError } from '../../src/core/errors.ts';
import { connectNats, zodCodec, type NatsTransportOptions } from '../../src/transport/index.ts';
import { startNatsServer, type RunningNatsServer } from '../../src/transport/nats/server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'skewer-nats-auth-'));
const servers: RunningNatsServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

async function serverWith(name: string, config: string): Promise<RunningNatsServer> {
  const configFile = path.join(dir, `${name}.conf`);
  writeFileSync(configFile, config);
  const server = await startNatsServer({ storeDir: path.join(dir, name), port: 0, host: '127.0.0.1', configFile });
  servers.push(server);
  return server;
}

/** Connects, uses JetStream KV once, closes: proves the connection is fully usable. */
async function roundTrip(options: NatsTransportOptions): Promise<void> {
  const transport = await connectNats({ onStatus: () => {}, ...options });
  try {
    const kv = await transport.kv('auth_probe', zodCodec(z.strictObject({ ok: z.boolean() })));
    await kv.put('probe', { ok: true });
    assert.deepEqual((await kv.get('probe'))?.value, { ok: true });
  } finally {
    await transport.close();
  }
}

const refused = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof UserError, String(error));
  assert.match(error.message, pattern);
  return true;
};

test('user/password and token reach the server; wrong ones are a clear UserError', async () => {
  const users = await serverWith('users', 'authorization { users = [ { user: "alice", password: "s3cret" } ] }\n');
  await roundTrip({ servers: users.url, user: 'alice', pass: 's3cret' });
  await assert.rejects(connectNats({ servers: users.url, user: 'alice', pass: 'wrong' }), refused(/refused the credentials/));
  const fromFlags = natsOptionsFromFlags({ server: users.url }, {}, { NATS_USER: 'alice', NATS_PASSWORD: 's3cret' });
  await roundTrip(fromFlags!);

  const tokens = await serverWith('token', 'authorization { token: "t0k3n" }\n');
  await roundTrip({ servers: tokens.url, token: 't0k3n' });
  await assert.rejects(connectNats({ servers: tokens.url }), refused(/refused the credentials/));
});

function openssl(...args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.error) assert.fail(`openssl is needed to make test certificates: ${result.error.message} (apt-get install openssl)`);
  assert.equal(result.status, 0, result.stderr);
}

test('mutual TLS: CA, client certificate and key pass through; no client certificate is refused', async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=skewer-test-ca', '-keyout', 'ca.key', '-out', 'ca.pem');
  for (const who of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${who}`, '-keyout', `${who}.key`, '-out', `${who}.csr`);
    writeFileSync(path.join(dir, `${who}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${who}.ext`, '-out', `${who}.pem`);
  }
  const file = (name: string) => path.join(dir, name);
  const tls = await serverWith(
    'tls',
    `tls { cert_file: "${file('server.pem')}", key_file: "${file('server.key')}", ca_file: "${file('ca.pem')}", verify: true }\n`,
  );
  const flags = { server: tls.url, tlsCa: file('ca.pem'), tlsCert: file('client.pem'), tlsKey: file('client.key') };
  await roundTrip(natsOptionsFromFlags(flags)!);
  await assert.rejects(
    connectNats({ servers: tls.url, tls: { caFile: file('ca.pem') }, connectTimeoutMs: 2_000 }),
    (error: unknown) => error instanceof UserError,
  );
  assert.throws(() => natsOptionsFromFlags({ ...flags, tlsKey: undefined }), /needs both --tls-cert and --tls-key/);
  assert.throws(() => natsOptionsFromFlags({ ...flags, tlsCa: file('missing.pem') }), refused(/file not found/));
  assert.throws(() => natsOptionsFromFlags({ token: 'x' }), /--token needs --server/);
  assert.equal(natsOptionsFromFlags({}), undefined);
});
