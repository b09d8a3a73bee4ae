// The divergence rule (src/training/divergence.ts): a non-finite loss, a loss ×1e3 over the stage's
// start (floored at 0.1), or non-finite predictions end the trial with a DivergenceError that says
// where and what to do; a diverging but finite recipe (sgd at lr 10) is caught within its first
// epoch, so no NaN threshold ever reaches a result.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DivergenceError } from '../../src/core/errors.ts';
import { checkFiniteFigure, checkFinitePredictions, LossWatch } from '../../src/training/divergence.ts';
import { runTrial } from '../../src/training/run-trial.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

const diverged = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof DivergenceError, String(error));
  assert.match(error.message, pattern);
  assert.match(error.message, /lower the learning rate/);
  return true;
};

test('a loss grown more than ×1e3 over its first batch diverges; growth up to the limit does not', () => {
  const watch = new LossWatch();
  watch.check(0.7, 'fold 1/2, epoch 1/3', 1);
  assert.equal(watch.startLoss, 0.7);
  watch.check(0.01, 'fold 1/2, epoch 1/3', 2);
  watch.check(699, 'fold 1/2, epoch 2/3', 3); // ×999: still within the rule
  assert.throws(() => watch.check(3.2e7, 'fold 1/2, epoch 2/3', 5), diverged(/^diverged: loss 3\.2e\+7 at fold 1\/2, epoch 2\/3, batch 5 \(×4\.6e\+7 its start of 0\.7/));
});

test('a near-zero start is floored at 0.1, so noise after it is no divergence', () => {
  const watch = new LossWatch();
  watch.check(1e-6, 'fold 1/1, epoch 1/1', 1);
  watch.check(50, 'fold 1/1, epoch 1/1', 2); // ×5e7 the raw start, ×500 the floor
  assert.throws(() => watch.check(101, 'fold 1/1, epoch 1/1', 3), diverged(/loss 101 .* its start of 1\.0e-6/));
});

test('a NaN or infinite loss diverges at once, even on the first batch', () => {
  assert.throws(() => new LossWatch().check(Number.NaN, 'fold 2/3, epoch 1/1', 1), diverged(/the loss became NaN at fold 2\/3, epoch 1\/1, batch 1/));
  const watch = new LossWatch();
  watch.check(0.5, 'w', 1);
  assert.throws(() => watch.check(Number.POSITIVE_INFINITY, 'w', 2), diverged(/the loss became Infinity at w, batch 2/));
});

test('non-finite predictions or figures diverge with the place named', () => {
  checkFinitePredictions([[0.2, 0.8], [1, 0]], 'v');
  assert.throws(() => checkFinitePredictions([[0.2, 0.8], [Number.NaN, Number.NaN]], 'fold 1/2, epoch 3/3, validation'), diverged(/predicts NaN for image 2 at fold 1\/2, epoch 3\/3, validation/));
  checkFiniteFigure('the final threshold', 0.4, 'judging');
  assert.throws(() => checkFiniteFigure('the final threshold', Number.NaN, 'judging the folds'), diverged(/the final threshold is NaN at judging the folds/));
});

test('a diverging recipe (sgd, lr 10, tiny synthetic images) fails its first epoch with a DivergenceError, in bounded time', { timeout: 120_000 }, async () => {
  const data = await tinyDataset();
  const started = performance.now();
  await assert.rejects(
    runTrial(tinySpec(data, { optimizer: 'sgd', learningRate: 10, epochs: 3 })),
    diverged(/^diverged: (loss \S+ at fold 1\/2, epoch 1\/3, batch \d+ \(×\S+ its start|the loss became (NaN|Infinity) at fold 1\/2, epoch 1\/3)/),
  );
  // Within the first epoch of the first fold: far less than the 2 folds × 3 epochs it asked for.
  assert.ok(performance.now() - started < 60_000);
});
