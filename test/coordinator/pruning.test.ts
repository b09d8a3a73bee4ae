// Pruning compares like with like: image-study ASHA rungs sit inside the first fold or at fold
// ends (others are refused), and at a fold's end a trial is judged by the mean of its folds so far.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import { loadStudyConfig, parseStudyConfig } from '../../src/config/study.ts';
import { resolveStrategies } from '../../src/coordinator/index.ts';
import { createPruner } from '../../src/search/index.ts';
import type { FrozenTrial } from '../../src/core/trial.ts';

const image = (pruner: unknown, epochs = 6) =>
  parseStudyConfig({
    name: 'p', trials: 4, pruner,
    space: { learningRate: { type: 'float', low: 1e-4, high: 1e-2, log: true } },
    base: { dataset: { path: '/data' }, folds: 3, epochs },
  });

test('an ASHA rung inside a later fold is refused with the reason; rungs in fold 1 or at fold ends pass', async () => {
  assert.throws(
    () => resolveStrategies(image({ type: 'asha', minResource: 3, reductionFactor: 2, maxResource: 12 }, 4)),
    (e: unknown) => e instanceof ConfigError && /ASHA rung at step 6 lands inside fold 2 \(epoch 2 of 4\)/.test(e.message) && /multiple of 4/.test(e.hint ?? ''),
  );
  assert.throws(() => resolveStrategies(image({ type: 'asha', minResource: 4, reductionFactor: 2, maxResource: 18 })), /rung at step 8 lands inside fold 2 \(epoch 2 of 6\)/);
  assert.ok(resolveStrategies(image({ type: 'asha', minResource: 3, reductionFactor: 2, maxResource: 18 })).pruner, '3, 6, 12 pass');
  assert.ok(resolveStrategies(await loadStudyConfig('configs/demo.yaml')).pruner, 'the demo config follows the rule');
  assert.ok(resolveStrategies(await loadStudyConfig('configs/gpu-search.yaml')).pruner, 'the GPU config follows the rule');
});

/** Reports as the trainer makes them: 1-based steps, the running mean over folds as the value. */
function reportsOf(folds: readonly (readonly number[])[]): FrozenTrial['reports'] {
  const out: Array<{ step: number; value: number }> = [];
  const done: number[] = [];
  folds.forEach((curve, fold) => {
    curve.forEach((value, epoch) => out.push({ step: fold * 6 + epoch + 1, value: (done.reduce((a, b) => a + b, 0) + value) / (done.length + 1) }));
    done.push(curve.at(-1)!);
  });
  return out;
}

const trial = (id: string, folds: readonly (readonly number[])[], state: FrozenTrial['state'] = 'running'): FrozenTrial => ({
  id, number: Number(id), state, params: {}, reports: reportsOf(folds),
});

test('with known curves, a fold-end rung judges the folds done, not a model just re-initialised', () => {
  const asha = createPruner({ type: 'asha', minResource: 3, reductionFactor: 2, maxResource: 18 }); // rungs 3, 6, 12
  const ramp = [0.5, 0.6, 0.7, 0.75, 0.78, 0.8];
  const reference = trial('0', [ramp, ramp, ramp], 'complete');
  // Better than the reference at the end of fold 1; fold 2 starts from scratch at 0.5.
  const late = [0.45, 0.5, 0.6, 0.74, 0.8, 0.84];
  const first = trial('1', [late]);
  assert.equal(asha.decide(first, [reference, first]), 'continue', 'rung 6: 0.84 (fold 1 done) beats 0.80');
  const fresh = trial('1', [late, [0.5]]);
  assert.equal(fresh.reports.at(-1)!.step, 7);
  assert.equal(asha.decide(fresh, [reference, fresh]), 'continue', 'step 7 is no rung: the fresh fold is judged by nobody');
  // At rung 12 (fold 2 done): (0.84 + 0.70) / 2 = 0.77 against the reference's 0.80: pruned.
  const second = trial('1', [late, [0.5, 0.55, 0.6, 0.65, 0.68, 0.7]]);
  assert.equal(second.reports.at(-1)!.value, 0.77);
  assert.equal(asha.decide(second, [reference, second]), 'prune');
});
