import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IllegalTransitionError } from '../../src/core/errors.ts';
import { TRIAL_STATES, assertTransition, canTransition, isFinished } from '../../src/core/trial.ts';

test('finished trials are immutable: no transition leaves complete, pruned or failed', () => {
  for (const from of TRIAL_STATES.filter(isFinished)) {
    for (const to of TRIAL_STATES) {
      assert.equal(canTransition(from, to), false, `${from} -> ${to}`);
      assert.throws(() => assertTransition(from, to), IllegalTransitionError);
    }
  }
});

test('a stalled running trial goes back to waiting; waiting cannot complete without running', () => {
  assert.ok(canTransition('running', 'waiting'));
  assert.ok(canTransition('waiting', 'running'));
  assert.equal(canTransition('waiting', 'complete'), false);
  assert.throws(() => assertTransition('waiting', 'complete'), /illegal transition waiting -> complete/);
});
