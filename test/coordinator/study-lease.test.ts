/**
 * The coordinator's KV lease on a real nats-server (issue 11): a second coordinator for a live
 * study is refused with the holder named; once the holder stops renewing (its connection dies),
 * the lease goes stale and is taken over, saying so; the old holder learns it was taken over.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hostname } from 'node:os';
import { acquireStudyLease } from '../../src/coordinator/index.ts';
import { connectNats } from '../../src/transport/index.ts';
import { startTestNatsServer, type TestNatsServer } from '../helpers/nats-server.ts';

let server: TestNatsServer;
before(async () => {
  server = await startTestNatsServer();
});
after(async () => {
  await server.stop();
});

test('a live lease refuses a second coordinator; a stale one is taken over and its holder told', async () => {
  const first = await connectNats({ servers: server.url, onStatus: () => undefined });
  const second = await connectNats({ servers: server.url, onStatus: () => undefined });
  const lost: Error[] = [];
  const held = await acquireStudyLease(first, 'leased', { ttlMs: 900, onLost: (error) => lost.push(error) });
  try {
    await assert.rejects(acquireStudyLease(second, 'leased', { ttlMs: 900, onLost: () => undefined }), (error: Error) => {
      assert.equal(error.name, 'UserError');
      assert.match(error.message, new RegExp(`study 'leased' is being run by coordinator process ${process.pid} on ${hostname()}`));
      return true;
    });
    // Still refused after several TTL thirds: the holder keeps renewing.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await assert.rejects(acquireStudyLease(second, 'leased', { ttlMs: 900, onLost: () => undefined }), /is being run by/);
    // The holder goes silent (its renewals stop reaching the server): after the TTL it is stale.
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const logs: string[] = [];
    const taken = await acquireStudyLease(second, 'leased', { ttlMs: 900, log: (l) => logs.push(l), onLost: () => undefined });
    assert.match(logs.join('\n'), /taking over study 'leased' from coordinator process \d+ on .*, whose lease was last renewed \d+ s ago/);
    await taken.release();
    // Released cleanly: the next one takes it without a takeover.
    const again = await acquireStudyLease(second, 'leased', { ttlMs: 900, log: (l) => logs.push(l), onLost: () => undefined });
    assert.equal(logs.length, 1);
    await again.release();
  } finally {
    await held.release();
    await second.close();
  }
});

test('a holder whose lease was taken over is told, naming the successor', async () => {
  const a = await connectNats({ servers: server.url, onStatus: () => undefined });
  const b = await connectNats({ servers: server.url, onStatus: () => undefined });
  const lost: Error[] = [];
  const held = await acquireStudyLease(a, 'contested', { ttlMs: 600, onLost: (error) => lost.push(error) });
  try {
    // Simulate a holder paused past its TTL: the successor writes over the stale record by hand.
    const { LEASE_BUCKET, coordinatorLeaseKey } = await import('../../src/transport/subjects.ts');
    const { coordinatorLeaseCodec } = await import('../../src/transport/messages.ts');
    const kv = await b.kv(LEASE_BUCKET, coordinatorLeaseCodec);
    const current = (await kv.get(coordinatorLeaseKey('contested')))!;
    await kv.put(coordinatorLeaseKey('contested'), { ...current.value, token: 'successor', pid: 4242, host: 'other-host', renewedAt: Date.now() });
    for (let i = 0; i < 30 && lost.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(lost.length, 1);
    assert.match(lost[0]!.message, /study 'contested' was taken over by coordinator process 4242 on other-host/);
  } finally {
    await held.release();
    await Promise.all([a.close(), b.close()]);
  }
});
