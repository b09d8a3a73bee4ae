import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StudyEvent } from '../../src/core/events.ts';
import { studyStartedEvent } from '../../src/coordinator/changes.ts';
import { foldStudyEvents, initialStudyView, reduceStudyView } from '../../src/ui/view-state.ts';
import { classNamesOf, keyParamNames, scoreLabel, nextSort, rankTrials, SORT_KEYS, studyProgress, type SortKey } from '../../src/ui/selectors.ts';
import { makeResult, recipe, scriptedStudy, T0 } from './fixtures/study-events.ts';

test('the reducer follows each trial through its states, attempts and agents', () => {
  const view = foldStudyEvents(scriptedStudy());
  const state = (id: string) => view.trials.get(id)?.state;
  assert.deepEqual(['t0', 't1', 't2', 't3', 't4', 't5'].map(state), ['complete', 'pruned', 'complete', 'failed', 'running', 'waiting']);
  const t3 = view.trials.get('t3')!;
  assert.equal(t3.attempts, 2);
  assert.equal(t3.agent, 'a1');
  assert.equal(t3.error, 'out of memory at batch size 1');
  assert.equal(view.trials.get('t4')!.progress?.validationBalancedAccuracy, 0.777);
  assert.equal(view.agents.get('a2')!.lost, true);
  assert.equal(view.agents.get('a2')!.busy, 0);
  assert.deepEqual(view.finishedOrder, ['t0', 't1', 't2', 't3']);
});

test('best-so-far tracks completed trials only, with its history per completion', () => {
  const view = foldStudyEvents(scriptedStudy());
  assert.equal(view.bestTrialId, 't2');
  assert.deepEqual(view.bestHistory.map((v) => v.toFixed(4)), ['0.8250', '0.9000']);
  const worse: StudyEvent[] = [
    { type: 'trial-created', at: T0 + 20_000, trialId: 'w', number: 9, params: recipe('none', 'small-cnn', 1) },
    { type: 'trial-finished', at: T0 + 21_000, trialId: 'w', state: 'complete', value: 0.6, result: makeResult([[0.3, 0.9], [0.3, 0.9], [0.3, 0.9]]) },
  ];
  const after = foldStudyEvents(worse, view);
  assert.equal(after.bestTrialId, 't2');
  assert.deepEqual(after.bestHistory.map((v) => v.toFixed(4)), ['0.8250', '0.9000', '0.9000']);
});

test('a minimised study ranks and picks the best by the smallest value', () => {
  const events: StudyEvent[] = [
    { type: 'study-started', at: T0, study: 'branin', sampler: 'random', totalTrials: 3, direction: 'minimize' },
    { type: 'trial-created', at: T0, trialId: 'a', number: 0, params: { x: 1 } },
    { type: 'trial-created', at: T0, trialId: 'b', number: 1, params: { x: 2 } },
    { type: 'trial-finished', at: T0 + 1, trialId: 'a', state: 'complete', value: 5.2 },
    { type: 'trial-finished', at: T0 + 2, trialId: 'b', state: 'complete', value: 0.4 },
  ];
  const view = foldStudyEvents(events);
  assert.equal(view.bestTrialId, 'b');
  assert.deepEqual(rankTrials(view).map((t) => t.id), ['b', 'a']);
  assert.deepEqual(keyParamNames(view), ['x']);
});

test('a second result for a finished trial changes nothing (at-least-once delivery)', () => {
  const view = foldStudyEvents(scriptedStudy());
  const again = reduceStudyView(view, { type: 'trial-finished', at: T0 + 99_000, trialId: 't2', state: 'failed', error: 'late duplicate' });
  assert.equal(again.trials.get('t2'), view.trials.get('t2'));
  assert.deepEqual(again.finishedOrder, view.finishedOrder);
  const restarted = reduceStudyView(view, { type: 'trial-started', at: T0 + 99_000, trialId: 't0', attempt: 2, agent: 'a9' });
  assert.equal(restarted.trials.get('t0'), view.trials.get('t0'));
});

test('events for a trial never created still show it (attaching mid-study)', () => {
  const view = reduceStudyView(initialStudyView, { type: 'trial-started', at: T0, trialId: 'late', attempt: 1, agent: 'a1' });
  assert.equal(view.trials.get('late')?.state, 'running');
  assert.equal(view.trials.get('late')?.number, -1);
});

test('ranking: completed by balanced accuracy, then running, waiting, pruned, failed; sorts cycle', () => {
  const view = foldStudyEvents(scriptedStudy());
  assert.deepEqual(rankTrials(view, 'score').map((t) => t.id), ['t2', 't0', 't4', 't5', 't1', 't3']);
  assert.deepEqual(rankTrials(view, 'number').map((t) => t.id), ['t0', 't1', 't2', 't3', 't4', 't5']);
  assert.deepEqual(rankTrials(view, 'minority').slice(0, 2).map((t) => t.id), ['t2', 't0']);
  let sort: SortKey = SORT_KEYS[0];
  const seen: SortKey[] = [sort];
  for (let i = 0; i < SORT_KEYS.length; i++) seen.push((sort = nextSort(sort)));
  assert.deepEqual(seen, [...SORT_KEYS, SORT_KEYS[0]]);
});

test('progress: done/total, elapsed and time left at the observed rate', () => {
  const view = foldStudyEvents(scriptedStudy());
  const progress = studyProgress(view, T0 + 20_000);
  assert.equal(progress.done, 4);
  assert.equal(progress.total, 10);
  assert.equal(progress.running, 1);
  assert.equal(progress.elapsedMs, 20_000);
  // t4 has trained fold 2 epoch 1 of 3 x 2: half of one trial's work counts as done.
  assert.equal(progress.etaMs, (20_000 / 4.5) * 5.5);
  assert.deepEqual(classNamesOf(view), { minority: 'defect', majority: 'ok' });
  assert.deepEqual(keyParamNames(view), ['sampling', 'augmentation', 'backbone', 'resolution', 'minorityWeight']);
});

test('the score is named after the study\'s metric from its start, before any result; value for a benchmark function', () => {
  // The event as the coordinator makes it from the stored config.
  const started = (config: Record<string, unknown>): StudyEvent =>
    studyStartedEvent({ v: 1, type: 'study', name: 's', config, state: 'running', createdAt: T0, updatedAt: T0 }, T0);
  const image = { name: 's', trials: 4, space: { lr: { type: 'float', low: 0.001, high: 0.1 } }, base: { dataset: { path: '/data' } } };
  const created: StudyEvent = { type: 'trial-created', at: T0, trialId: 'a', number: 0, params: recipe('none', 'small-cnn', 1) };
  assert.equal(scoreLabel(foldStudyEvents([started(image), created])), 'bal.acc');
  assert.equal(scoreLabel(foldStudyEvents([started({ ...image, metric: 'minorityF1' }), created])), 'min.F1');
  assert.equal(scoreLabel(foldStudyEvents([started({ ...image, metric: { name: 'minorityRecallAtPrecision', precision: 0.9 } }), created])), 'rec@P0.9');
  const branin = { name: 's', trials: 4, space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } }, objective: { function: 'branin' } };
  const fn = foldStudyEvents([started(branin), created]);
  assert.equal(scoreLabel(fn), 'value');
  assert.equal(fn.direction, 'minimize', 'a benchmark function says its own direction');
  // A stream that does not say (an older journal) still learns it from the first result.
  const bare: StudyEvent = { type: 'study-started', at: T0, study: 's', sampler: 'gp', totalTrials: 4, direction: 'maximize' };
  const withResult: StudyEvent = { type: 'trial-finished', at: T0 + 1, trialId: 'a', state: 'complete', value: 0.8, result: makeResult([[0.7, 0.9]]) };
  assert.equal(scoreLabel(foldStudyEvents([bare, created])), 'value');
  assert.equal(scoreLabel(foldStudyEvents([bare, created, withResult])), 'bal.acc');
});

test('time left moves smoothly: a trial that ends after its last epoch does not make it jump', () => {
  const events = scriptedStudy();
  const last: StudyEvent = { type: 'trial-progress', at: T0 + 19_000, trialId: 't4', progress: { fold: 2, folds: 3, epoch: 1, epochs: 2, step: 6, loss: 0.4, validationValue: 0.8, validationBalancedAccuracy: 0.8 } };
  const before = studyProgress(foldStudyEvents([...events, last]), T0 + 20_000).etaMs!;
  const finished: StudyEvent = { type: 'trial-finished', at: T0 + 20_000, trialId: 't4', state: 'complete', value: 0.8, result: makeResult([[0.8, 0.8]]) };
  const after = studyProgress(foldStudyEvents([...events, last, finished]), T0 + 20_000).etaMs!;
  assert.ok(Math.abs(after - before) < 1e-6, `${before} -> ${after}`);
});
