import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchThrottle } from '../../src/training/batch-throttle.ts';

/** Which batches of one epoch a throttle reports when batch i ends at i * msPerBatch. */
function reported(batches: number, msPerBatch: number, options: { intervalMs?: number; fraction?: number } = {}): number[] {
  let now = 0;
  const throttle = new BatchThrottle({ ...options, clock: () => now });
  const sent: number[] = [];
  for (let batch = 1; batch <= batches; batch++) {
    now = batch * msPerBatch;
    if (throttle.shouldReport(batch, batches)) sent.push(batch);
  }
  return sent;
}

test('fast batches: one report per 10 % of the epoch, the first batch at once, never the last', () => {
  // 100 batches of 1 ms: the 1 s rule never fires, the 10 % rule every 10 batches.
  assert.deepEqual(reported(100, 1), [1, 11, 21, 31, 41, 51, 61, 71, 81, 91]);
  // 40 batches: 10 % rounds up to 4 batches.
  assert.deepEqual(reported(40, 1), [1, 5, 9, 13, 17, 21, 25, 29, 33, 37]);
});

test('slow epochs: about one report a second whatever the batch count', () => {
  // 1,000 batches of 250 ms: 10 % is 100 batches (25 s), so time decides: every 4th batch (1 s).
  const sent = reported(1_000, 250);
  assert.equal(sent[0], 1);
  const gaps = new Set(sent.slice(1).map((b, i) => b - sent[i]!));
  assert.deepEqual([...gaps], [4]);
  assert.ok(!sent.includes(1_000));
  // Batches slower than a second: each one shows.
  assert.deepEqual(reported(5, 1_500), [1, 2, 3, 4]);
});

test('a one-batch epoch sends nothing (its epoch report says it all); a new epoch starts afresh', () => {
  assert.deepEqual(reported(1, 1), []);
  let now = 0;
  const throttle = new BatchThrottle({ clock: () => now });
  assert.equal(throttle.shouldReport(1, 50), true);
  now = 10;
  assert.equal(throttle.shouldReport(2, 50), false);
  // Batch 1 again: the next epoch, reported at once although only 10 ms passed.
  now = 20;
  assert.equal(throttle.shouldReport(1, 50), true);
});

test('a throttle with a meaningless setting is refused with what was given', () => {
  assert.throws(() => new BatchThrottle({ intervalMs: 0 }), /intervalMs must be > 0, got 0/);
  assert.throws(() => new BatchThrottle({ fraction: 1.5 }), /fraction must be in \(0, 1\], got 1.5/);
});
