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
import { zodCodec, type InvalidMessage, type InvalidMessageHandler } from '../../src/transport/codec.ts';
import type { Codec, Delivery, Transport, WorkQueue } from '../../src/transport/types.ts';

export type MakeTransport = (options: { onInvalid: InvalidMessageHandler }) => Promise<Transport>;

const ACK_WAIT_MS = 400;
const Work = z.strictObject({ n: z.number().int() });
type Work = z.infer<typeof Work>;
const workCodec = zodCodec(Work);
/** Sends any bytes: stands in for a foreign or buggy publisher. */
const rawCodec: Codec<string> = {
  encode: (text) => new TextEncoder().encode(text),
  decode: (bytes) => new TextDecoder().decode(bytes),
};

let counter = 0;
const unique = (prefix: string): string => `${prefix}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;

interface Harness {
  transport: Transport;
  invalid: InvalidMessage[];
}

async function withTransport(make: MakeTransport, body: (h: Harness) => Promise<void>): Promise<void> {
  const invalid: InvalidMessage[] = [];
  const transport = await make({ onInvalid: (message) => invalid.push(message) });
  try {
    await body({ transport, invalid });
  } finally {
    await transport.close();
  }
}

/** The next delivery within `ms`, or 'timeout'. Keeps the iterator usable afterwards. */
class Puller<T> {
  private pendingNext: Promise<IteratorResult<Delivery<T>>> | undefined;
  private readonly iterator: AsyncIterator<Delivery<T>>;
  constructor(
    queue: WorkQueue<T>,
    maxInFlight: number,
    readonly controller = new AbortController(),
  ) {
    this.iterator = queue.consume({ maxInFlight, signal: controller.signal })[Symbol.asyncIterator]();
  }
  async next(ms: number): Promise<Delivery<T> | 'timeout'> {
    this.pendingNext ??= this.iterator.next();
    const result = await Promise.race([this.pendingNext, sleep(ms).then(() => 'timeout' as const)]);
    if (result === 'timeout') return result;
    this.pendingNext = undefined;
    assert.equal(result.done, false, 'the consumer ended unexpectedly');
    return result.value as Delivery<T>;
  }
  async expect(ms: number): Promise<Delivery<T>> {
    const got = await this.next(ms);
    assert.notEqual(got, 'timeout', `no delivery within ${ms} ms`);
    return got as Delivery<T>;
  }
  stop(): void {
    this.controller.abort();
  }
}

async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

export function runTransportContract(name: string, make: MakeTransport): void {
  describe(`${name} transport contract`, () => {
    runWorkQueueContract(make);
    runKvContract(make);
    runBusAndObjectContract(make);
  });
}

function runWorkQueueContract(make: MakeTransport): void {
  const open = (t: Transport, maxAttempts = 3, queue = unique('Q')) =>
    t.workQueue(queue, workCodec, { ackWaitMs: ACK_WAIT_MS, maxAttempts });

  test('competing consumers: every item is delivered once when each delivery is completed', () =>
    withTransport(make, async ({ transport }) => {
      const name = unique('Q');
      const queues = await Promise.all([1, 2, 3].map(() => open(transport, 3, name)));
      for (let n = 0; n < 30; n += 1) await queues[0]!.publish(`item-${n}`, { n });
      const seen: number[] = [];
      const byConsumer = [0, 0, 0];
      const controller = new AbortController();
      const consumers = queues.map(async (queue, index) => {
        for await (const { data, lease } of queue.consume({ maxInFlight: 2, signal: controller.signal })) {
          seen.push(data.n);
          byConsumer[index]! += 1;
          assert.equal(lease.attempt, 1);
          await sleep(5);
          await lease.complete();
        }
      });
      await until(() => seen.length >= 30, 10_000, '30 deliveries');
      await sleep(ACK_WAIT_MS * 1.5); // nothing may come back after its ack
      controller.abort();
      await Promise.all(consumers);
      assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 30 }, (_, n) => n));
      assert.equal(await queues[0]!.pending(), 0);
    }));

  test('an expired lease is redelivered with attempt + 1, not before ackWait', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport);
      await queue.publish('a', { n: 1 });
      const puller = new Puller(queue, 5);
      const first = await puller.expect(5_000);
      assert.equal(first.lease.attempt, 1);
      const deliveredAt = performance.now();
      const second = await puller.expect(ACK_WAIT_MS * 10);
      const waited = performance.now() - deliveredAt;
      assert.equal(second.data.n, 1);
      assert.equal(second.lease.attempt, 2);
      assert.ok(waited >= ACK_WAIT_MS * 0.9, `redelivered after ${waited.toFixed(0)} ms, before ackWait`);
      await first.lease.complete(); // a stale verb changes nothing…
      await second.lease.complete(); // …the current one removes it
      assert.equal(await puller.next(ACK_WAIT_MS * 2), 'timeout');
      puller.stop();
    }));

  test('renew keeps the lease past ackWait; nobody else gets the item', () =>
    withTransport(make, async ({ transport }) => {
      const name = unique('Q');
      const [mine, other] = await Promise.all([open(transport, 3, name), open(transport, 3, name)]);
      await mine!.publish('a', { n: 7 });
      const holder = new Puller(mine!, 1);
      const delivery = await holder.expect(5_000);
      const thief = new Puller(other!, 1);
      const renewer = setInterval(() => delivery.lease.renew(), ACK_WAIT_MS / 4);
      const stolen = await thief.next(ACK_WAIT_MS * 3);
      clearInterval(renewer);
      assert.equal(stolen, 'timeout', 'a renewed lease was redelivered');
      await delivery.lease.complete();
      assert.equal(await thief.next(ACK_WAIT_MS * 2), 'timeout');
      assert.equal(await mine!.pending(), 0);
      holder.stop();
      thief.stop();
    }));

  test('retry hands the item back after the delay, as the next attempt', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport);
      await queue.publish('a', { n: 3 });
      const puller = new Puller(queue, 1);
      const first = await puller.expect(5_000);
      const retriedAt = performance.now();
      first.lease.retry(1_000);
      const second = await puller.expect(5_000);
      const waited = performance.now() - retriedAt;
      assert.ok(waited >= 900, `redelivered ${waited.toFixed(0)} ms after retry(1000)`);
      assert.equal(second.lease.attempt, 2);
      second.lease.retry(0);
      const third = await puller.expect(ACK_WAIT_MS);
      assert.equal(third.lease.attempt, 3);
      await third.lease.complete();
      puller.stop();
    }));

  test('reject removes the item for good; later verbs on that lease are no-ops', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport);
      await queue.publish('a', { n: 1 });
      await queue.publish('b', { n: 2 });
      const puller = new Puller(queue, 1);
      const a = await puller.expect(5_000);
      assert.equal(a.data.n, 1);
      a.lease.reject('bad params');
      a.lease.retry(0);
      const b = await puller.expect(5_000);
      assert.equal(b.data.n, 2);
      await b.lease.complete();
      assert.equal(await puller.next(ACK_WAIT_MS * 3), 'timeout');
      assert.equal(await queue.pending(), 0);
      puller.stop();
    }));

  test('maxInFlight: no new item while the caller holds that many leases', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport);
      for (const n of [1, 2, 3]) await queue.publish(`i${n}`, { n });
      const puller = new Puller(queue, 2);
      const first = await puller.expect(5_000);
      const second = await puller.expect(5_000);
      const renewer = setInterval(() => [first, second].forEach((d) => d.lease.renew()), ACK_WAIT_MS / 4);
      assert.equal(await puller.next(ACK_WAIT_MS * 2), 'timeout', 'a third item arrived with 2 leases held');
      await first.lease.complete();
      const third = await puller.expect(5_000);
      clearInterval(renewer);
      assert.deepEqual([first, second, third].map((d) => d.data.n).sort(), [1, 2, 3]);
      assert.equal(third.lease.attempt, 1);
      await second.lease.complete();
      await third.lease.complete();
      puller.stop();
    }));

  test('after maxAttempts the item stops and onMaxAttempts hears of it once', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport, 2);
      const exhausted: Array<{ id: string; n: number; attempts: number }> = [];
      const unsubscribe = queue.onMaxAttempts(({ id, data, attempts }) => {
        exhausted.push({ id, n: data.n, attempts });
      });
      await queue.publish('doomed', { n: 9 });
      await queue.publish('retried', { n: 10 });
      const puller = new Puller(queue, 5);
      const attempts: string[] = [];
      const deadline = performance.now() + ACK_WAIT_MS * 12;
      while (exhausted.length < 2 && performance.now() < deadline) {
        const got = await puller.next(100);
        if (got === 'timeout') continue;
        attempts.push(`${got.data.n}#${got.lease.attempt}`);
        if (got.data.n === 10) got.lease.retry(0); // 'doomed' just lets its lease expire
      }
      assert.deepEqual(attempts.sort(), ['10#1', '10#2', '9#1', '9#2']);
      assert.deepEqual(
        exhausted.sort((a, b) => a.n - b.n),
        [
          { id: 'doomed', n: 9, attempts: 2 },
          { id: 'retried', n: 10, attempts: 2 },
        ],
      );
      assert.equal(await puller.next(ACK_WAIT_MS * 2), 'timeout');
      await until(async () => (await queue.pending()) === 0, 3_000, 'exhausted items to leave the queue');
      assert.equal(exhausted.length, 2);
      unsubscribe();
      puller.stop();
    }));

  test('exhausted items wait for a handler registered later (the coordinator was down)', () =>
    withTransport(make, async ({ transport }) => {
      const name = unique('Q');
      const agentSide = await open(transport, 1, name);
      await agentSide.publish('lost', { n: 4 });
      const dying = new Puller(agentSide, 1);
      const only = await dying.expect(5_000);
      assert.equal(only.lease.attempt, 1);
      dying.stop(); // the agent dies holding the lease; another agent keeps pulling
      const survivor = new Puller(await open(transport, 1, name), 1);
      assert.equal(await survivor.next(ACK_WAIT_MS * 3), 'timeout');
      survivor.stop();
      const coordinatorSide = await open(transport, 1, name);
      const heard: string[] = [];
      coordinatorSide.onMaxAttempts(({ id, attempts }) => {
        heard.push(`${id}#${attempts}`);
      });
      await until(() => heard.length === 1, 5_000, 'the late handler to hear of the exhausted item');
      assert.deepEqual(heard, ['lost#1']);
    }));

  test('publish with the same id twice stores the item once', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport);
      await queue.publish('same', { n: 1 });
      await queue.publish('same', { n: 2 });
      await queue.publish('other', { n: 3 });
      assert.equal(await queue.pending(), 2);
      const puller = new Puller(queue, 5);
      const got = [await puller.expect(5_000), await puller.expect(5_000)];
      assert.deepEqual(got.map((d) => d.data.n).sort(), [1, 3]);
      for (const d of got) await d.lease.complete();
      assert.equal(await puller.next(ACK_WAIT_MS * 2), 'timeout');
      puller.stop();
    }));

  test('a malformed item is rejected with a reason, never yielded nor redelivered', () =>
    withTransport(make, async ({ transport, invalid }) => {
      const name = unique('Q');
      const foreign = await transport.workQueue(name, rawCodec, { ackWaitMs: ACK_WAIT_MS, maxAttempts: 3 });
      const queue = await open(transport, 3, name);
      await foreign.publish('junk', 'not json at all');
      await foreign.publish('wrong', JSON.stringify({ n: 'seven' }));
      await queue.publish('good', { n: 5 });
      const puller = new Puller(queue, 1);
      const good = await puller.expect(5_000);
      assert.equal(good.data.n, 5);
      await good.lease.complete();
      assert.equal(await puller.next(ACK_WAIT_MS * 3), 'timeout');
      assert.equal(invalid.length, 2);
      assert.match(invalid[0]!.source, new RegExp(name));
      assert.match(invalid[0]!.reason, /not JSON/);
      assert.match(invalid[1]!.reason, /n/);
      assert.equal(await queue.pending(), 0);
      puller.stop();
    }));

  test('consume ends when its signal aborts, even while waiting', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport);
      const controller = new AbortController();
      const iterator = queue.consume({ maxInFlight: 1, signal: controller.signal })[Symbol.asyncIterator]();
      const next = iterator.next();
      setTimeout(() => controller.abort(), 100);
      const result = await Promise.race([next, sleep(3_000).then(() => 'hung' as const)]);
      assert.notEqual(result, 'hung');
      assert.equal((result as IteratorResult<unknown>).done, true);
    }));
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
