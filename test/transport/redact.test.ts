// A password or token in a server URL never reaches an error or a log line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { connectNats, redactUrls } from '../../src/transport/index.ts';

test('redactUrls hides the secret of every URL and keeps the rest', () => {
  assert.equal(redactUrls('nats://alice:s3cret@10.0.0.1:4222'), 'nats://alice:***@10.0.0.1:4222');
  assert.equal(redactUrls('tls://t0ken@host:4222,nats://bob:p%40ss@other:4222'), 'tls://***@host:4222,nats://bob:***@other:4222');
  assert.equal(redactUrls('cannot reach nats://host:4222'), 'cannot reach nats://host:4222');
});

test('a connection error names the server without its password', async () => {
  // Port 1 on loopback refuses at once: the error path, with a secret in the URL.
  const error = await connectNats({ servers: 'nats://alice:hunter2@127.0.0.1:1', connectTimeoutMs: 500 }).catch((e: unknown) => e);
  assert.ok(error instanceof UserError, `a UserError: ${String(error)}`);
  const text = `${error.message} ${error.where ?? ''} ${error.hint ?? ''}`;
  assert.doesNotMatch(text, /hunter2/);
  assert.match(text, /alice:\*\*\*@127\.0\.0\.1:1/);
});
