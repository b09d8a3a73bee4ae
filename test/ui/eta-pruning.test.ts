/**
 * The time-left estimate on known trial histories with pruning (issue 15): a simulated study whose
 * trials cost a known time per epoch, half of them pruned after their first epoch, checked at every
 * 10 s against the time the simulation really had left.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import type { StudyEvent } from '../../src/core/events.ts';
import { foldStudyEvents } from '../../src/ui/view-state.ts';
import { studyProgress } from '../../src/ui/selectors.ts';
import { T0 } from './fixtures/study-events.ts';

const EPOCH_MS = 10_000;
const EPOCHS = 6;

/** Trials 0..n-1 on `agents` agents in order; `prunedAfter(i)` epochs run before trial i is pruned (undefined: it completes). */
function simulate(trials: number, agents: number, prunedAfter: (i: number) => number | undefined): { events: StudyEvent[]; end: number } {
  const events: StudyEvent[] = [{ type: 'study-started', at: T0, study: 's', sampler: 'random', totalTrials: trials, direction: 'maximize' }];
  const free = Array.from({ length: agents }, () => T0);
  for (let i = 0; i < trials; i++) {
    const agent = free.indexOf(Math.min(...free));
    const start = free[agent]!;
    const id = `t${i}`;
    events.push({ type: 'trial-created', at: T0, trialId: id, number: i, params: { x: i } });
    events.push({ type: 'trial-started', at: start, trialId: id, attempt: 1, agent: `a${agent}` });
    const ran = prunedAfter(i) ?? EPOCHS;
    for (let epoch = 0; epoch < ran; epoch++) {
      const progress = { fold: 0, folds: 1, epoch, epochs: EPOCHS, step: epoch + 1, loss: 0.5, validationValue: 0.7, validationBalancedAccuracy: 0.7 };
      events.push({ type: 'trial-progress', at: start + (epoch + 1) * EPOCH_MS, trialId: id, progress });
    }
    const finishedAt = start + ran * EPOCH_MS;
    events.push({ type: 'trial-finished', at: finishedAt, trialId: id, state: ran < EPOCHS ? 'pruned' : 'complete', value: 0.7 });
    free[agent] = finishedAt;
  }
  events.sort((a, b) => a.at - b.at);
  return { events, end: Math.max(...free) };
}

/** [now, estimate, true time left] every 10 s of the simulated study. */
function estimates(sim: { events: StudyEvent[]; end: number }): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let now = T0 + EPOCH_MS; now < sim.end; now += EPOCH_MS) {
    const view = foldStudyEvents(sim.events.filter((event) => event.at <= now));
    const eta = studyProgress(view, now).etaMs;
    assert.ok(eta !== undefined, `an estimate at +${now - T0} ms`);
    out.push([now - T0, eta, sim.end - now]);
  }
  return out;
}

test('time left with half the trials pruned after one epoch of six never undercounts, and is over by at most a quarter plus one trial', () => {
  const sim = simulate(16, 2, (i) => (i % 2 === 1 ? 1 : undefined));
  const points = estimates(sim);
  assert.ok(points.length > 10);
  for (const [at, eta, left] of points) {
    assert.ok(eta >= left - 1e-6, `+${at} ms: estimate ${eta} ms under the ${left} ms left`);
    assert.ok(eta <= 1.25 * left + EPOCHS * EPOCH_MS, `+${at} ms: estimate ${eta} ms far over the ${left} ms left`);
  }
});

test('time left when the first trials complete and later ones are pruned never undercounts and closes in', () => {
  // Trials 0-3 complete (a first rung with nothing to compare to), then three in four are pruned after one epoch:
  // the history over-weights complete trials, so the estimate runs high, then closes in as pruned trials finish.
  const sim = simulate(20, 2, (i) => (i >= 4 && i % 4 !== 0 ? 1 : undefined));
  const points = estimates(sim);
  for (const [at, eta, left] of points) assert.ok(eta >= left - 1e-6, `+${at} ms: estimate ${eta} ms under the ${left} ms left`);
  const lastThird = points.filter(([at]) => at >= (2 / 3) * (sim.end - T0));
  assert.ok(lastThird.length > 3);
  for (const [at, eta, left] of lastThird) assert.ok(eta <= left + 2 * EPOCHS * EPOCH_MS, `+${at} ms: estimate ${eta} ms vs ${left} ms left`);
});

test('without pruning the estimate is elapsed / trials of work done x trials of work left', () => {
  const sim = simulate(6, 1, () => undefined);
  // At +90 s: trial 0 done (60 s), trial 1 half trained: 1.5 trials in 90 s, 4.5 left.
  const [, eta, left] = estimates(sim).find(([at]) => at === 90_000)!;
  assert.equal(eta, (90_000 / 1.5) * 4.5);
  assert.equal(left, 270_000);
});
