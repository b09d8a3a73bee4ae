/**
 * The transport contract: every Transport implementation runs these tests (memory.test.ts,
 * nats.test.ts). Short ack waits keep it quick; names are unique per test so a shared server
 * carries no state from one test into the next.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { zodCodec } from '../../src/transport/codec.ts';
import { MissingBucketError } from '../../src/transport/types.ts';
import { rawCodec, unique, until, withTransport, type MakeTransport } from './contract-harness.ts';
import { runWorkQueueContract } from './contract-queue.ts';

export type { MakeTransport } from './contract-harness.ts';

export function runTransportContract(name: string, make: MakeTransport): void {
  describe(`${name} transport contract`, () => {
    runWorkQueueContract(make);
    runKvContract(make);
    runBusAndObjectContract(make);
  });
}

function runKvContract(make: MakeTransport): void {
  const Value = z.strictObject({ state: z.string() });
  const codec = zodCodec(Value);

  test('kv create conflicts when the key exists; update is compare-and-set', () =>
    withTransport(make, async ({ transport }) => {
      const kv = await transport.kv(unique('KV'), codec);
      const first = await kv.create('trial.1', { state: 'waiting' });
      assert.ok(first !== undefined && first > 0);
      assert.equal(await kv.create('trial.1', { state: 'running' }), undefined);
      const updated = await kv.update('trial.1', { state: 'running' }, first);
      assert.ok(updated !== undefined && updated > first);
      assert.equal(await kv.update('trial.1', { state: 'complete' }, first), undefined, 'stale revision won');
      assert.deepEqual(await kv.get('trial.1'), { key: 'trial.1', value: { state: 'running' }, revision: updated });
      const put = await kv.put('trial.1', { state: 'failed' });
      assert.ok(put > updated);
      await kv.delete('trial.1');
      assert.equal(await kv.get('trial.1'), undefined);
      assert.ok((await kv.create('trial.1', { state: 'waiting' })) !== undefined, 'create after delete');
      assert.equal(await kv.get('absent'), undefined);
    }));

  test('bindOnly opens a bucket or object store that exists and never creates one', () =>
    withTransport(make, async ({ transport }) => {
      const bucket = unique('KV');
      await assert.rejects(transport.kv(bucket, codec, { bindOnly: true }), MissingBucketError);
      assert.ok(!(await transport.kvBuckets()).includes(bucket), 'a failed bind created the bucket');
      await (await transport.kv(bucket, codec)).put('trial.1', { state: 'made' });
      const bound = await transport.kv(bucket, codec, { bindOnly: true });
      assert.deepEqual((await bound.get('trial.1'))?.value, { state: 'made' });
      assert.ok((await bound.put('trial.2', { state: 'bound' })) > 0);
      const store = unique('OBJ');
      await assert.rejects(transport.objects(store, { bindOnly: true }), MissingBucketError);
      await (await transport.objects(store)).put('x', new Uint8Array([4, 5]));
      assert.equal(await (await transport.objects(store, { bindOnly: true })).has('x'), true);
    }));

  test('kv list returns the current entries under a prefix', () =>
    withTransport(make, async ({ transport }) => {
      const kv = await transport.kv(unique('KV'), codec);
      await kv.put('trial.1', { state: 'a' });
      await kv.put('trial.2', { state: 'b' });
      await kv.put('trial.2', { state: 'c' });
      await kv.put('trial.3', { state: 'd' });
      await kv.put('agent.x', { state: 'e' });
      await kv.delete('trial.3');
      const trials = await kv.list('trial.');
      assert.deepEqual(trials.map((e) => [e.key, e.value.state]).sort(), [['trial.1', 'a'], ['trial.2', 'c']]);
      assert.equal((await kv.list('')).length, 3);
      assert.deepEqual(await kv.list('nothing.'), []);
    }));

  test('kvBuckets lists the buckets that exist, and listing creates none', () =>
    withTransport(make, async ({ transport }) => {
      const name = unique('KV');
      assert.equal((await transport.kvBuckets()).includes(name), false);
      assert.equal((await transport.kvBuckets()).includes(name), false, 'asking did not create it');
      await transport.kv(name, codec);
      assert.equal((await transport.kvBuckets()).includes(name), true);
    }));

  test('kv watch yields current entries, then later changes and deletes', () =>
    withTransport(make, async ({ transport }) => {
      const kv = await transport.kv(unique('KV'), codec);
      await kv.put('trial.1', { state: 'waiting' });
      await kv.put('trial.2', { state: 'waiting' });
      await kv.put('other.1', { state: 'x' });
      const controller = new AbortController();
      const seen: Array<[string, string | null, boolean]> = [];
      const watching = (async () => {
        for await (const entry of kv.watch('trial.', controller.signal)) {
          seen.push([entry.key, entry.value?.state ?? null, entry.initial]);
        }
      })();
      await until(() => seen.length === 2, 5_000, 'initial entries');
      await kv.put('trial.1', { state: 'running' });
      await kv.put('other.2', { state: 'y' });
      await kv.delete('trial.2');
      await kv.create('trial.3', { state: 'waiting' });
      await until(() => seen.length === 5, 5_000, 'three changes');
      controller.abort();
      await watching;
      assert.deepEqual(seen, [
        ['trial.1', 'waiting', true],
        ['trial.2', 'waiting', true],
        ['trial.1', 'running', false],
        ['trial.2', null, false],
        ['trial.3', 'waiting', false],
      ]);
    }));

  test('kv watch on an empty prefix still delivers later changes', () =>
    withTransport(make, async ({ transport }) => {
      const kv = await transport.kv(unique('KV'), codec);
      const controller = new AbortController();
      const seen: string[] = [];
      const watching = (async () => {
        for await (const entry of kv.watch('', controller.signal)) seen.push(`${entry.key}:${entry.initial}`);
      })();
      await sleep(200);
      await kv.put('a', { state: '1' });
      await until(() => seen.length === 1, 5_000, 'the first change');
      controller.abort();
      await watching;
      assert.deepEqual(seen, ['a:false']);
    }));
}

function runBusAndObjectContract(make: MakeTransport): void {
  test('bus delivers to matching subscriptions, with * and > wildcards', () =>
    withTransport(make, async ({ transport, invalid }) => {
      const bus = transport.bus(zodCodec(z.strictObject({ n: z.number() })));
      const root = unique('bus');
      const got: Record<string, string[]> = { star: [], tail: [], exact: [] };
      const offs = [
        bus.subscribe(`${root}.*.report`, (d, s) => got.star!.push(`${s}=${d.n}`)),
        bus.subscribe(`${root}.>`, (d, s) => got.tail!.push(`${s}=${d.n}`)),
        bus.subscribe(`${root}.b.report`, (d, s) => got.exact!.push(`${s}=${d.n}`)),
      ];
      await sleep(100); // let the subscriptions reach the server
      bus.publish(`${root}.a.report`, { n: 1 });
      bus.publish(`${root}.b.report`, { n: 2 });
      bus.publish(`${root}.a.heartbeat.x`, { n: 3 });
      await until(() => got.tail!.length === 3, 5_000, 'three messages on >');
      offs[1]!();
      bus.publish(`${root}.c.report`, { n: 4 });
      await until(() => got.star!.length === 3, 5_000, 'the fourth message');
      await sleep(100);
      assert.deepEqual(got.star, [`${root}.a.report=1`, `${root}.b.report=2`, `${root}.c.report=4`]);
      assert.deepEqual(got.tail, [`${root}.a.report=1`, `${root}.b.report=2`, `${root}.a.heartbeat.x=3`]);
      assert.deepEqual(got.exact, [`${root}.b.report=2`]);
      const foreign = transport.bus(rawCodec);
      foreign.publish(`${root}.b.report`, '{"n":"two"}');
      // each matching subscription (the * one and the exact one) decodes and reports it
      await until(() => invalid.length === 2, 5_000, 'the malformed message to be reported');
      assert.match(invalid[0]!.source, /b\.report/);
      await sleep(100);
      assert.equal(invalid.length, 2);
      assert.equal(got.exact!.length, 1);
      offs.forEach((off) => off());
    }));

  test('object store keeps a few MB streamed in chunks and returns them intact', () =>
    withTransport(make, async ({ transport }) => {
      const store = await transport.objects(unique('OBJ'));
      const blob = randomBytes(3 * 1024 * 1024 + 17);
      assert.equal(await store.has('sha256-abc'), false);
      assert.equal(await store.get('sha256-abc'), undefined);
      await store.put(
        'sha256-abc',
        (async function* () {
          for (let offset = 0; offset < blob.length; offset += 500_000) yield blob.subarray(offset, offset + 500_000);
        })(),
      );
      await store.put('small', new Uint8Array([1, 2, 3]));
      assert.equal(await store.has('sha256-abc'), true);
      const chunks: Uint8Array[] = [];
      for await (const chunk of (await store.get('sha256-abc'))!) chunks.push(chunk);
      assert.ok(Buffer.concat(chunks).equals(blob), 'the blob came back different');
      const small: Uint8Array[] = [];
      for await (const chunk of (await store.get('small'))!) small.push(chunk);
      assert.deepEqual([...Buffer.concat(small)], [1, 2, 3]);
    }));
}
