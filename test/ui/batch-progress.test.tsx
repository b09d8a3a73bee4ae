/** @jsxRuntime automatic */
// Batch progress inside an epoch: from a runner's onBatch through a real Agent, the memory
// transport (signed bus messages) and the real coordinator to the UI's view state and the board.
import './fixtures/force-color.ts';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { TrialRunner } from '../../src/agent/index.ts';
import type { StudyEvent } from '../../src/core/events.ts';
import type { BatchProgress } from '../../src/core/result.ts';
import { evaluateObjective } from '../../src/objectives/index.ts';
import { createPlainReporter } from '../../src/ui/plain.ts';
import { foldStudyEvents, reduceStudyView, initialStudyView, type TrialView } from '../../src/ui/view-state.ts';
import { functionStudy, runStudy } from '../coordinator/harness.ts';
import { DOWN, ENTER, mount, until } from './fixtures/mount.tsx';
import { recipe, scriptedStudy, T0 } from './fixtures/study-events.ts';

afterEach(() => cleanup());

const batchOf = (batch: number, epoch = 0): BatchProgress => ({ fold: 0, folds: 3, epoch, epochs: 5, batch, batches: 40 });

test('batch progress reaches the UI state through the memory transport, live only and idempotent', async () => {
  const events: StudyEvent[] = [];
  const seen: TrialView[] = [];
  let view = initialStudyView;
  const onEvent = (event: StudyEvent): void => {
    events.push(event);
    view = reduceStudyView(view, event);
    if (event.type === 'trial-batch') seen.push(view.trials.get(event.trialId)!);
  };
  const runner: TrialRunner = {
    kind: 'in-process',
    async run(trial, { onBatch }) {
      assert.ok(onBatch, 'the agent passes onBatch to its runner');
      // Until the coordinator has applied trial-started, a batch of this attempt is (rightly) dropped.
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.type === 'trial-batch' && e.trialId === trial.trialId)) {
        if (Date.now() > deadline) assert.fail('no trial-batch event reached the coordinator in 10 s');
        onBatch(batchOf(1));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      onBatch(batchOf(12));
      onBatch(batchOf(12)); // a repeat changes nothing
      onBatch(batchOf(5)); // a late, older one changes nothing
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { value: evaluateObjective('branin', trial.params) };
    },
  };
  const { outcome } = await runStudy(functionStudy({ trials: 1 }), [{ name: 'solo', runner }], { onEvent });
  assert.equal(outcome.finished, true);
  const batches = events.filter((e) => e.type === 'trial-batch');
  // Every batch that was sent after the first one seen arrived (memory transport, signed, admitted).
  assert.ok(batches.filter((e) => e.batch.batch === 12).length === 2, JSON.stringify(batches));
  assert.ok(batches.every((e) => e.attempt === 1));
  assert.deepEqual(seen.at(-1)!.batch, batchOf(12));
  assert.ok(seen.some((trial) => trial.batch?.batch === 1));
  // The finished trial shows no batch; the store never kept one.
  const trialId = batches[0]!.trialId;
  assert.equal(foldStudyEvents(events).trials.get(trialId)!.batch, undefined);
  assert.doesNotMatch(JSON.stringify(outcome.trials), /"batches"/);
});

test('an epoch report closes the batch shown; a batch of another attempt is ignored', () => {
  const start: StudyEvent[] = [
    { type: 'trial-created', at: T0, trialId: 'x', number: 0, params: {} },
    { type: 'trial-started', at: T0, trialId: 'x', attempt: 2, agent: 'a1' },
  ];
  let view = foldStudyEvents(start);
  view = reduceStudyView(view, { type: 'trial-batch', at: T0 + 1, trialId: 'x', attempt: 1, batch: batchOf(30) });
  assert.equal(view.trials.get('x')!.batch, undefined, 'attempt 1 is over');
  view = reduceStudyView(view, { type: 'trial-batch', at: T0 + 2, trialId: 'x', attempt: 2, batch: batchOf(30) });
  assert.equal(view.trials.get('x')!.batch?.batch, 30);
  view = reduceStudyView(view, { type: 'trial-progress', at: T0 + 3, trialId: 'x', progress: { fold: 0, folds: 3, epoch: 0, epochs: 5, step: 1, loss: 0.5, validationValue: 0.7, validationBalancedAccuracy: 0.7 } });
  assert.equal(view.trials.get('x')!.batch, undefined, 'epoch 1 is reported: its batches are done');
  // A batch of the closed epoch arriving late is stale; one of epoch 2 shows.
  view = reduceStudyView(view, { type: 'trial-batch', at: T0 + 4, trialId: 'x', attempt: 2, batch: batchOf(39) });
  assert.equal(view.trials.get('x')!.batch, undefined);
  view = reduceStudyView(view, { type: 'trial-batch', at: T0 + 5, trialId: 'x', attempt: 2, batch: batchOf(3, 1) });
  assert.deepEqual(view.trials.get('x')!.batch, batchOf(3, 1));
});

test('the board and the detail show a first epoch batch by batch instead of "starting"', async () => {
  const events: StudyEvent[] = [
    ...scriptedStudy(),
    { type: 'trial-created', at: T0 + 19_000, trialId: 'fresh', number: 9, params: recipe('none', 'small-cnn', 2) },
    { type: 'trial-started', at: T0 + 19_000, trialId: 'fresh', attempt: 1, agent: 'a1' },
  ];
  const before = mount({}, false, events);
  assert.match(before.frame(), /#9 +a1 +starting \(attempt 1\)/);
  cleanup();
  const app = mount({}, false, [...events, { type: 'trial-batch', at: T0 + 19_500, trialId: 'fresh', attempt: 1, batch: batchOf(12) }]);
  const text = app.frame();
  const row = text.split('\n').find((line) => /^\s+#9 /.test(line));
  assert.ok(row, text);
  assert.match(row, /#9 +a1 +fold 1\/3 · epoch 1\/5 · batch 12\/40 (█+)(░+)/);
  assert.doesNotMatch(row, /starting/);
  const [, done, left] = row.match(/batch 12\/40 (█+)(░+)/)!;
  assert.ok(Math.abs(done!.length / (done!.length + left!.length) - 12 / 40) < 0.1, row);
  // The detail of that trial says the same.
  app.store.dispatch({ type: 'trial-batch', at: T0 + 19_600, trialId: 'fresh', attempt: 1, batch: batchOf(20) });
  await until(app.frame, /#9 +a1 +fold 1\/3 · epoch 1\/5 · batch 20\/40/);
  app.stdin.write('/');
  await until(app.frame, /filter/);
  app.stdin.write('state:running');
  app.stdin.write(ENTER);
  let board = await until(app.frame, /filter \/state:running: 2 of 7 trials[\s\S]*esc clear filter/);
  if (!/^› +\d+ #9 /m.test(board)) {
    app.stdin.write(DOWN);
    board = await until(app.frame, /^› +\d+ #9 /m);
  }
  app.stdin.write(ENTER);
  const detail = await until(app.frame, /trial #9 running/);
  assert.match(detail, /training fold 1\/3 · epoch 1\/5 · batch 20\/40/);
});

test('pretraining and cRT batches show in their place: a pretrain epoch report closes only pretraining, cRT follows its fold\'s last epoch', async () => {
  const pretrain = (batch: number, epoch = 0): BatchProgress => ({ stage: 'pretrain', fold: 0, folds: 1, epoch, epochs: 2, batch, batches: 8 });
  const crt = (fold: number, batch: number): BatchProgress => ({ stage: 'crt', fold, folds: 3, epoch: 0, epochs: 1, batch, batches: 6 });
  const epochReport = (fold: number, epoch: number): StudyEvent => ({
    type: 'trial-progress', at: T0 + 50 + fold * 10 + epoch, trialId: 'x',
    progress: { fold, folds: 3, epoch, epochs: 5, step: fold * 5 + epoch + 1, loss: 0.5, validationValue: 0.7, validationBalancedAccuracy: 0.7 },
  });
  const pretrainReport: StudyEvent = {
    type: 'trial-progress', at: T0 + 20, trialId: 'x',
    progress: { phase: 'pretrain', fold: 0, folds: 1, epoch: 0, epochs: 2, step: 0, loss: 3.1, validationValue: Number.NaN, validationBalancedAccuracy: Number.NaN },
  };
  const batchAt = (at: number, batch: BatchProgress): StudyEvent => ({ type: 'trial-batch', at: T0 + at, trialId: 'x', attempt: 1, batch });
  let view = foldStudyEvents([
    { type: 'trial-created', at: T0, trialId: 'x', number: 4, params: {} },
    { type: 'trial-started', at: T0, trialId: 'x', attempt: 1, agent: 'a1' },
  ]);
  const shown = (): BatchProgress | undefined => view.trials.get('x')!.batch;
  view = reduceStudyView(view, batchAt(1, pretrain(3)));
  assert.deepEqual(shown(), pretrain(3));
  view = reduceStudyView(view, pretrainReport);
  assert.equal(shown(), undefined, 'the pretrain epoch report closes its batches');
  view = reduceStudyView(view, batchAt(21, pretrain(7)));
  assert.equal(shown(), undefined, 'a late batch of the closed pretrain epoch is stale');
  view = reduceStudyView(view, batchAt(22, pretrain(2, 1)));
  assert.deepEqual(shown(), pretrain(2, 1));
  // The first supervised batch comes after all of pretraining; a pretraining batch after it is stale.
  view = reduceStudyView(view, batchAt(30, batchOf(4)));
  assert.deepEqual(shown(), batchOf(4));
  view = reduceStudyView(view, batchAt(31, pretrain(5, 1)));
  assert.deepEqual(shown(), batchOf(4));
  // After fold 1's last epoch report, its cRT shows; fold 2's first epoch report closes it.
  view = reduceStudyView(view, epochReport(0, 4));
  assert.equal(shown(), undefined);
  view = reduceStudyView(view, batchAt(60, crt(0, 2)));
  assert.deepEqual(shown(), crt(0, 2));
  view = reduceStudyView(view, epochReport(1, 0));
  assert.equal(shown(), undefined);
  view = reduceStudyView(view, batchAt(70, crt(0, 5)));
  assert.equal(shown(), undefined, 'fold 1 cRT arriving after fold 2 began is stale');
  // The board and the detail name the stage.
  const events: StudyEvent[] = [
    ...scriptedStudy(),
    { type: 'trial-created', at: T0 + 19_000, trialId: 'fresh', number: 9, params: recipe('none', 'small-cnn', 2) },
    { type: 'trial-started', at: T0 + 19_000, trialId: 'fresh', attempt: 1, agent: 'a1' },
    { type: 'trial-batch', at: T0 + 19_500, trialId: 'fresh', attempt: 1, batch: pretrain(3) },
  ];
  const app = mount({}, false, events);
  assert.match(app.frame(), /#9 +a1 +pretrain epoch 1\/2 · batch 3\/8 █/);
  app.store.dispatch({ type: 'trial-batch', at: T0 + 19_600, trialId: 'fresh', attempt: 1, batch: crt(1, 3) });
  await until(app.frame, /#9 +a1 +fold 2\/3 · cRT epoch 1\/1 · batch 3\/6 █/);
});

test('the plain reporter says when pretraining and a fold\'s cRT begin, once each, and stays quiet on other batches', () => {
  const lines: string[] = [];
  const reporter = createPlainReporter({ write: (text: string) => void lines.push(text.trimEnd()) });
  const batchEvent = (at: number, batch: BatchProgress): StudyEvent => ({ type: 'trial-batch', at: T0 + at, trialId: 'x', attempt: 1, batch });
  for (const event of [
    { type: 'trial-created', at: T0, trialId: 'x', number: 2, params: {} },
    { type: 'trial-started', at: T0, trialId: 'x', attempt: 1, agent: 'a1' },
    batchEvent(1, { stage: 'pretrain', fold: 0, folds: 1, epoch: 0, epochs: 2, batch: 1, batches: 8 }),
    batchEvent(2, { stage: 'pretrain', fold: 0, folds: 1, epoch: 0, epochs: 2, batch: 4, batches: 8 }),
    batchEvent(3, batchOf(2)),
    batchEvent(4, batchOf(9)),
    batchEvent(5, { stage: 'crt', fold: 0, folds: 3, epoch: 0, epochs: 2, batch: 1, batches: 6 }),
    batchEvent(6, { stage: 'crt', fold: 0, folds: 3, epoch: 1, epochs: 2, batch: 1, batches: 6 }),
  ] satisfies StudyEvent[]) reporter.onEvent(event);
  const stageLines = lines.filter((line) => /under way/.test(line));
  assert.equal(stageLines.length, 2, lines.join('\n'));
  assert.match(stageLines[0]!, /trial #2 SimCLR pretraining under way: pretrain epoch 1\/2 · batch 1\/8$/);
  assert.match(stageLines[1]!, /trial #2 classifier re-training \(cRT\) under way: fold 1\/3 · cRT epoch 1\/2 · batch 1\/6$/);
  assert.ok(!lines.some((line) => /batch (2|9)\/40/.test(line)), lines.join('\n'));
});
