import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutageError, UserError } from '../../src/core/errors.ts';
import { OutageGuard } from '../../src/coordinator/guard.ts';

function harness(budgetMs: number) {
  let now = 0;
  const logs: string[] = [];
  const failures: unknown[] = [];
  const retries: string[] = [];
  const guard = new OutageGuard({
    budgetMs,
    clock: () => now,
    log: (line) => logs.push(line),
    fail: (error) => failures.push(error),
    onRetry: (what) => retries.push(what),
  });
  return { guard, logs, failures, retries, advance: (ms: number) => (now += ms) };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('an outage is retried within its budget, then stops the study with the error named by the work', async () => {
  const h = harness(1_000);
  const down = () => Promise.reject(new Error('connection refused'));
  h.guard.run('reaper', down);
  await flush();
  h.advance(900);
  h.guard.run('reaper', down);
  await flush();
  assert.equal(h.failures.length, 0);
  assert.deepEqual(h.retries, ['reaper', 'reaper']);
  assert.match(h.logs[0]!, /^reaper: connection refused \(retrying\)$/);
  h.advance(200); // 1100 ms since the first failure
  h.guard.run('reaper', () => {
    throw new Error('still refused');
  });
  assert.equal(h.failures.length, 1);
  assert.match((h.failures[0] as Error).message, /^reaper: still refused$/);
});

test('a success resets the budget; kinds of work are budgeted apart; a UserError stops at once', async () => {
  const h = harness(1_000);
  h.guard.run('pump', () => Promise.reject(new Error('timeout')));
  await flush();
  h.advance(800);
  h.guard.run('pump', async () => undefined);
  await flush();
  h.advance(800);
  h.guard.run('pump', () => Promise.reject(new Error('timeout')));
  h.guard.run('heartbeat', () => Promise.reject(new Error('timeout')));
  await flush();
  assert.equal(h.failures.length, 0, 'the pump recovered in between, so its outage starts afresh');
  const misuse = new UserError('trial t1 was created by someone else', { where: 'x', hint: 'stop one' });
  h.guard.run('pump', () => Promise.reject(misuse));
  await flush();
  assert.deepEqual(h.failures, [misuse]);
});

test('with giveUp, a spent budget stops the study with the error it makes (an outage, not the raw error)', async () => {
  let now = 0;
  const failures: unknown[] = [];
  const guard = new OutageGuard({
    budgetMs: 1_000, clock: () => now, log: () => undefined, fail: (error) => failures.push(error),
    giveUp: (what, error, forMs) => new OutageError(`${what} failed for ${forMs} ms: ${(error as Error).message}`),
  });
  guard.run('pump', () => Promise.reject(new Error('TIMEOUT')));
  await flush();
  now = 1_500;
  guard.run('pump', () => Promise.reject(new Error('TIMEOUT')));
  await flush();
  assert.equal(failures.length, 1);
  assert.ok(failures[0] instanceof OutageError);
  assert.equal((failures[0] as Error).message, 'pump failed for 1500 ms: TIMEOUT');
});
