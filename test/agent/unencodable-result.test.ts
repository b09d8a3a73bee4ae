// A result that fails its own schema (a diverged run's figures, something too odd to encode) ends
// the trial failed with the reason, at once: never resent or redelivered without end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrialRunner } from '../../src/agent/index.ts';
import { functionStudy, runStudy } from '../coordinator/harness.ts';

test('an outcome that cannot be encoded fails its trial with the reason, once, and the study goes on', { timeout: 30_000 }, async () => {
  let runs = 0;
  const runner: TrialRunner = {
    kind: 'in-process',
    async run(trial) {
      runs += 1;
      // Trial 0 produces a result no schema accepts; the others are fine.
      if (trial.number === 0) return { value: 0.5, result: { folds: 'diverged' } as never };
      return { value: Number(trial.params.x1) };
    },
  };
  const { outcome } = await runStudy(functionStudy({ trials: 3, parallelism: 1 }), [{ name: 'a', runner }]);
  assert.equal(outcome.finished, true);
  const first = outcome.trials.find((t) => t.number === 0)!;
  assert.equal(first.state, 'failed');
  assert.match(first.error ?? '', /the result could not be encoded .*; the trial is failed instead of resent/);
  assert.equal(first.attempts.length, 1, 'one attempt: not redelivered');
  assert.equal(runs, 3, 'each trial ran once');
  assert.deepEqual(outcome.trials.filter((t) => t.number > 0).map((t) => t.state), ['complete', 'complete']);
});
