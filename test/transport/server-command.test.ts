/** `skewer server` end to end: a real nats-server with JetStream that a client can use, stopped cleanly. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { connectNats, zodCodec } from '../../src/transport/index.ts';

const CLI = ['--import', 'tsx', 'src/cli/run.ts', 'server'];

test('skewer server starts JetStream on the asked port and store, and stops on SIGTERM', async () => {
  const store = mkdtempSync(path.join(tmpdir(), 'skewer-server-cmd-'));
  const child = spawn(process.execPath, [...CLI, '--port', '0', '--host', '127.0.0.1', '--store', store], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a failed test can take nats-server down with it
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 30_000;
    while (!/listening on/.test(stdout)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `no 'listening' line: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /STUDY.yaml --server (nats:\/\/\S+)/.exec(stdout)![1]!;
    const transport = await connectNats({ servers: url, onStatus: () => {} });
    const kv = await transport.kv('server_cmd', zodCodec(z.strictObject({ ok: z.boolean() })));
    assert.ok((await kv.create('probe', { ok: true })) !== undefined);
    await transport.close();
    assert.deepEqual(readdirSync(store), ['jetstream']);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stdout, /nats-server stopped/);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    rmSync(store, { recursive: true, force: true });
  }
});

test('skewer server without nats-server says how to install it and exits 1', () => {
  const result = spawnSync(process.execPath, CLI, {
    encoding: 'utf8',
    env: { ...process.env, NATS_SERVER_BIN: '/nonexistent/nats-server' },
  });
  assert.equal(result.status, 1);
  assert.match(result.stderr, /nats-server not found: apt-get install nats-server/);
  assert.match(result.stderr, /NATS_SERVER_BIN/);
  assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'a stack trace reached the user');
});
