import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { IllegalTransitionError } from '../../src/core/errors.ts';
import { LeaseKeeper, type LeaseKeeperEvent, type RenewableLease } from '../../src/agent/lease-keeper.ts';

beforeEach(() => mock.timers.enable({ apis: ['setInterval', 'Date'], now: 1_000 }));
afterEach(() => mock.timers.reset());

/** Moves the fake time on in 50 ms steps (node 20's fake Date jumps a whole tick before timers fire). */
function advance(ms: number): void {
  for (let done = 0; done < ms; done += 50) mock.timers.tick(Math.min(50, ms - done));
}

/** A lease whose `renew` counts its calls and throws while `failing` is set. */
function fakeLease(): RenewableLease & { renewals: number; failing: Error | undefined } {
  const lease = {
    renewals: 0,
    failing: undefined as Error | undefined,
    renew(): void {
      lease.renewals += 1;
      if (lease.failing) throw lease.failing;
    },
  };
  return lease;
}

function record(keeper: LeaseKeeper): LeaseKeeperEvent[] {
  const events: LeaseKeeperEvent[] = [];
  keeper.on('renewed', (e) => events.push(e));
  keeper.on('renew-failed', (e) => events.push(e));
  keeper.on('lost', (e) => events.push(e));
  return events;
}

test('renews every everyMs once started, and says so', () => {
  const lease = fakeLease();
  const keeper = new LeaseKeeper(lease, { everyMs: 100, expiresAfterMs: 300 });
  const events = record(keeper);
  advance(250);
  assert.equal(lease.renewals, 0, 'nothing before start()');
  keeper.start();
  advance(350);
  assert.equal(lease.renewals, 3);
  assert.deepEqual(events, [
    { type: 'renewed', at: 1_350 },
    { type: 'renewed', at: 1_450 },
    { type: 'renewed', at: 1_550 },
  ]);
  keeper.stop();
});

test('a renewal that throws is emitted as renew-failed, not thrown, and the keeper keeps trying', () => {
  const lease = fakeLease();
  const keeper = new LeaseKeeper(lease, { everyMs: 100, expiresAfterMs: 1_000 }).start();
  const events = record(keeper);
  lease.failing = new Error('connection closed');
  assert.doesNotThrow(() => advance(200));
  lease.failing = undefined;
  advance(100);
  assert.deepEqual(
    events.map((e) => (e.type === 'renew-failed' ? `${e.type} ${e.failures} ${e.error.message}` : e.type)),
    ['renew-failed 1 connection closed', 'renew-failed 2 connection closed', 'renewed'],
  );
  assert.equal(keeper.state, 'keeping');
  keeper.stop();
});

test('failing for as long as the lease lasts is reported as lost, once, and renewing stops', () => {
  const lease = fakeLease();
  const keeper = new LeaseKeeper(lease, { everyMs: 100, expiresAfterMs: 300 }).start();
  const events = record(keeper);
  advance(100); // renewed at 1100: the lease now lasts until 1400
  lease.failing = new Error('connection closed');
  advance(1_000);
  const lost = events.filter((e) => e.type === 'lost');
  assert.equal(lost.length, 1);
  assert.deepEqual({ ...lost[0], error: undefined }, { type: 'lost', at: 1_400, sinceRenewedMs: 300, error: undefined });
  assert.equal(events.filter((e) => e.type === 'renew-failed').length, 3, 'at 1200, 1300 and 1400, then no more');
  assert.equal(lease.renewals, 4);
  assert.equal(keeper.state, 'lost');
});

test('stop() stops renewing; stopping twice is harmless', () => {
  const lease = fakeLease();
  const keeper = new LeaseKeeper(lease, { everyMs: 100, expiresAfterMs: 300 }).start();
  advance(200);
  keeper.stop();
  keeper.stop();
  advance(1_000);
  assert.equal(lease.renewals, 2);
  assert.equal(keeper.state, 'stopped');
});

test('a listener that stops the keeper on the first failure sees no lost and no more renewals', () => {
  const lease = fakeLease();
  const keeper = new LeaseKeeper(lease, { everyMs: 100, expiresAfterMs: 150 }).start();
  const events = record(keeper);
  keeper.on('renew-failed', () => keeper.stop());
  lease.failing = new Error('closed');
  advance(1_000);
  assert.deepEqual(events.map((e) => e.type), ['renew-failed']);
  assert.equal(lease.renewals, 1);
  assert.equal(keeper.state, 'stopped');
});

test('the function on() returns stops that listener only', () => {
  const keeper = new LeaseKeeper(fakeLease(), { everyMs: 100, expiresAfterMs: 300 }).start();
  let kept = 0;
  let dropped = 0;
  keeper.on('renewed', () => (kept += 1));
  const off = keeper.on('renewed', () => (dropped += 1));
  advance(100);
  off();
  advance(200);
  assert.deepEqual({ kept, dropped }, { kept: 3, dropped: 1 });
  keeper.stop();
});

test('start() twice, or after stop(), is an illegal transition; a period of 0 is refused', () => {
  const keeper = new LeaseKeeper(fakeLease(), { everyMs: 100, expiresAfterMs: 300 }).start();
  assert.throws(() => keeper.start(), IllegalTransitionError);
  keeper.stop();
  assert.throws(() => keeper.start(), /lease keeper: illegal transition stopped -> keeping/);
  assert.throws(() => new LeaseKeeper(fakeLease(), { everyMs: 0, expiresAfterMs: 100 }), /everyMs is 0, but must be > 0/);
});
