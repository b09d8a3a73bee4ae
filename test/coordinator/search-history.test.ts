// searchHistory freezes each stored record once (issue 14: re-freezing the whole history on every
// ask made the coordinator's CPU per trial grow with the study), and a replaced record is re-read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchHistory } from '../../src/coordinator/strategies.ts';
import type { StoredTrial } from '../../src/transport/messages.ts';

const record = (number: number, value: number | undefined, reports: Array<{ step: number; value: number }>): StoredTrial =>
  ({ id: String(number).padStart(4, '0'), number, state: value === undefined ? 'running' : 'complete', params: { x: number }, reports, ...(value !== undefined && { value }) }) as unknown as StoredTrial;

test('searchHistory reuses a record\'s frozen form, re-freezes a replaced record, and keeps the direction apart', () => {
  const a = record(1, 3, []);
  const b = record(0, undefined, [{ step: 1, value: 2 }]);
  const first = searchHistory([a, b], 'minimize');
  assert.deepEqual(first.map((t) => t.number), [0, 1], 'number order');
  assert.equal(first[1]!.value, -3, 'minimised values are negated for the search');
  const again = searchHistory([b, a], 'minimize');
  assert.equal(again[0], first[0], 'the same record gives the same frozen trial');
  assert.equal(again[1], first[1]);
  // The store replaces a record when its trial changes: the new one is read afresh.
  const b2 = record(0, 5, [{ step: 1, value: 2 }, { step: 2, value: 4 }]);
  const after = searchHistory([a, b2], 'minimize');
  assert.notEqual(after[0], first[0]);
  assert.equal(after[0]!.value, -5);
  assert.deepEqual(after[0]!.reports.map((r) => r.value), [-2, -4]);
  assert.equal(searchHistory([a], 'maximize')[0]!.value, 3, 'another direction is not served from the cache');
});
