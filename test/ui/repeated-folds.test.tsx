/** @jsxRuntime automatic */
// Repeated k-fold: the trial detail numbers folds over the repeats and says which repeat each is.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { TrialDetail } from '../../src/ui/tui/TrialDetail.tsx';
import type { TrialView } from '../../src/ui/view-state.ts';
import { makeResult } from './fixtures/study-events.ts';

afterEach(() => cleanup());

test("a repeated k-fold trial's detail numbers its folds over the repeats, with the repeat", () => {
  const result = makeResult([[0.8, 0.9], [0.7, 0.95], [0.75, 0.9], [0.85, 0.85]]);
  const repeated = { ...result, folds: result.folds.map((f, i) => ({ ...f, repeat: Math.floor(i / 2) })) };
  const trial: TrialView = { id: 'r', number: 3, params: {}, state: 'complete', attempts: 1, result: repeated };
  const frame = render(<TrialDetail trial={trial} now={0} width={200} />).lastFrame() ?? '';
  for (const label of ['1/r1', '2/r1', '3/r2', '4/r2']) assert.match(frame, new RegExp(`^${label} `, 'm'), `row ${label}:\n${frame}`);
  // One k-fold: plain numbers, as before.
  const plain = render(<TrialDetail trial={{ ...trial, result }} now={0} width={200} />).lastFrame() ?? '';
  assert.match(plain, /^4 /m);
  assert.doesNotMatch(plain, /\/r\d/);
});
