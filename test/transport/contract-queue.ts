/** The work-queue part of the transport contract (see contract.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transport } from '../../src/transport/types.ts';
import { ACK_WAIT_MS, Puller, rawCodec, unique, until, withTransport, workCodec, type MakeTransport } from './contract-harness.ts';

export function runWorkQueueContract(make: MakeTransport): void {
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
      const renewer = setInterval(() => delivery.lease.renew(), ACK_WAIT_MS / 8);
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
      const renewer = setInterval(() => [first, second].forEach((d) => d.lease.renew()), ACK_WAIT_MS / 8);
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

  test('an exhausted item whose handler throws is offered again, then leaves the queue', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport, 1);
      const offers: string[] = [];
      queue.onMaxAttempts(({ id }) => {
        offers.push(id);
        if (offers.length === 1) throw new Error('journal not writable yet');
      });
      await queue.publish('flaky', { n: 1 });
      const puller = new Puller(queue, 2);
      const only = await puller.expect(5_000);
      only.lease.retry(0);
      assert.equal(await puller.next(ACK_WAIT_MS), 'timeout');
      await until(() => offers.length === 2, 5_000, 'the item to be offered again');
      await until(async () => (await queue.pending()) === 0, 3_000, 'the handled item to leave the queue');
      await sleep(1_500);
      assert.deepEqual(offers, ['flaky', 'flaky']);
      puller.stop();
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

  test('a consumer that stopped while waiting does not swallow the next item', () =>
    withTransport(make, async ({ transport }) => {
      const name = unique('Q');
      const queue = await open(transport, 3, name);
      const quitter = new Puller(queue, 1);
      assert.equal(await quitter.next(200), 'timeout'); // its pull is waiting on the server
      quitter.stop();
      await sleep(100);
      await queue.publish('next', { n: 1 });
      const successor = new Puller(await open(transport, 3, name), 1);
      const got = await successor.expect(ACK_WAIT_MS / 2);
      assert.equal(got.lease.attempt, 1, 'the stopped consumer used up an attempt');
      await got.lease.complete();
      successor.stop();
    }));

  test('closing the transport ends its consumers and watchers', () =>
    withTransport(make, async ({ transport }) => {
      const queue = await open(transport);
      const kv = await transport.kv(unique('KV'), workCodec);
      const never = new AbortController().signal;
      const consuming = (async () => {
        for await (const _ of queue.consume({ maxInFlight: 1, signal: never })) assert.fail('nothing was published');
      })();
      const watching = (async () => {
        for await (const _ of kv.watch('', never)) assert.fail('nothing was written');
      })();
      await sleep(200);
      await transport.close();
      const ended = await Promise.race([Promise.all([consuming, watching]).then(() => 'ended'), sleep(5_000).then(() => 'hung')]);
      assert.equal(ended, 'ended');
    }));
}
