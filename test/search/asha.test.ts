import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors.ts';
import type { FrozenTrial } from '../../src/core/trial.ts';
import { ashaRungs, createPruner, createStudy, type Study } from '../../src/search/index.ts';

const SPACE = { x: { type: 'float', low: 0, high: 1 } } as const;
const ASHA = { type: 'asha', minResource: 1, reductionFactor: 3, maxResource: 9 } as const;

// Learning curves (value per step 1..9), run one trial after another. Rungs sit at steps 1 and 3.
const CURVES: Record<string, number[]> = {
  a: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], // alone at every rung: continue
  b: [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6], // 2 at rung 1 < reductionFactor: continue
  c: [0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4], // rung 1: {0.4, 0.5, 0.6}, top 1 is 0.6 -> prune at step 1
  d: [0.7, 0.35, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3], // rung 1: best of 4 -> continue; rung 3: {0.5, 0.6, 0.3} -> prune at 3
  e: [0.55, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], // rung 1: {.55,.5,.6,.4,.7}, top 1 is 0.7 -> prune at 1
  f: [0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8], // rung 1: best of 6 -> continue; rung 3: {0.8, .5, .6, .3} top 1 -> continue
};
const EXPECTED: Record<string, { prunedAt: number | null }> = {
  a: { prunedAt: null },
  b: { prunedAt: null },
  c: { prunedAt: 1 },
  d: { prunedAt: 3 },
  e: { prunedAt: 1 },
  f: { prunedAt: null },
};

function runCurve(study: Study, curve: number[]): number | null {
  const t = study.ask()!;
  for (let step = 1; step <= curve.length; step++) {
    if (study.report(t.id, step, curve[step - 1]!) === 'prune') {
      study.tell(t.id, { state: 'pruned' });
      return step;
    }
  }
  study.tell(t.id, curve.at(-1)!);
  return null;
}

test('ASHA rungs are minResource * reductionFactor^k below maxResource', () => {
  assert.deepEqual(ashaRungs(ASHA), [1, 3]);
  assert.deepEqual(ashaRungs({ minResource: 1, reductionFactor: 2, maxResource: 15 }), [1, 2, 4, 8]);
});

test('known learning curves give the known ASHA decisions', () => {
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize', pruner: createPruner(ASHA) });
  for (const [name, curve] of Object.entries(CURVES)) {
    assert.equal(runCurve(study, curve), EXPECTED[name]!.prunedAt, `trial ${name}`);
  }
  assert.deepEqual(study.trials().map((t) => t.state), ['complete', 'complete', 'pruned', 'pruned', 'pruned', 'complete']);
});

test('minimize studies prune the high values (direction is normalised before the pruner)', () => {
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'minimize', pruner: createPruner(ASHA) });
  for (const [name, curve] of Object.entries(CURVES)) {
    // Negated curves under minimize are the same race.
    assert.equal(runCurve(study, curve.map((v) => -v)), EXPECTED[name]!.prunedAt, `trial ${name}`);
  }
});

test('a pruner rebuilt from the stored reports makes the same decisions', () => {
  const live = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize', pruner: createPruner(ASHA) });
  for (const name of ['a', 'b', 'c']) runCurve(live, CURVES[name]!);
  // d is in flight when the coordinator restarts: it has reported steps 1 and 2.
  const d = live.ask()!;
  assert.equal(live.report(d.id, 1, 0.7), 'continue');
  assert.equal(live.report(d.id, 2, 0.35), 'continue');
  const stored: FrozenTrial[] = JSON.parse(JSON.stringify(live.trials()));
  const restored = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize', pruner: createPruner(ASHA), trials: stored });
  // Same decision for the report that crosses rung 3, in both.
  assert.equal(live.report(d.id, 3, 0.3), 'prune');
  assert.equal(restored.report(d.id, 3, 0.3), 'prune');
  // And a fresh pruner judging the stored snapshot directly agrees with what the live one said.
  const pruner = createPruner(ASHA);
  const snapshot = restored.trials();
  assert.equal(pruner.decide(snapshot.find((t) => t.id === d.id)!, snapshot), 'prune');
  // A re-delivered report of an already-judged step does not re-judge a passed rung differently.
  assert.equal(restored.report(d.id, 3, 0.3), 'prune');
});

test('a report that skips past a rung is judged at its first report beyond it', () => {
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 1, direction: 'maximize', pruner: createPruner(ASHA) });
  for (const name of ['a', 'b']) runCurve(study, CURVES[name]!);
  const t = study.ask()!;
  // Reports every 2 steps: step 2 crosses rung 1 with 0.1 against {0.5, 0.6}: prune.
  assert.equal(study.report(t.id, 2, 0.1), 'prune');
});

test('median rule: prune below the median of complete trials at the same step, after warm-up and enough trials', () => {
  const pruner = createPruner({ type: 'median', warmupSteps: 2, minTrials: 3 });
  const study = createStudy({ space: SPACE, sampler: 'random', seed: 2, direction: 'maximize', pruner });
  const complete = (v: number) => {
    const t = study.ask()!;
    for (let step = 1; step <= 4; step++) study.report(t.id, step, v);
    study.tell(t.id, v);
  };
  complete(0.5);
  complete(0.6);
  const early = study.ask()!;
  assert.equal(study.report(early.id, 2, 0.1), 'continue', 'only 2 complete trials < minTrials');
  complete(0.7);
  const t = study.ask()!;
  assert.equal(study.report(t.id, 1, 0.1), 'continue', 'step 1 is inside the warm-up');
  assert.equal(study.report(t.id, 2, 0.65), 'continue', '0.65 >= median 0.6');
  const u = study.ask()!;
  assert.equal(study.report(u.id, 2, 0.55), 'prune', '0.55 < median 0.6');
  const w = study.ask()!;
  study.report(w.id, 2, 0.62);
  assert.equal(study.report(w.id, 3, 0.2), 'continue', 'judged by its best value so far (0.62)');
});

test('pruner configs are validated with errors naming the field', () => {
  assert.throws(() => createPruner({ type: 'asha', minResource: 1, reductionFactor: 1, maxResource: 9 }), (e: unknown) => e instanceof ConfigError && /reductionFactor must be at least 2/.test(e.message));
  assert.throws(() => createPruner({ type: 'asha', minResource: 9, reductionFactor: 3, maxResource: 9 }), /maxResource must be greater than minResource/);
  assert.throws(() => createPruner({ type: 'median', warmupSteps: 0, minTrials: 3, extra: 1 } as never), /Unrecognized key/);
  assert.equal(createPruner({ type: 'none' }).decide({ id: 'x', number: 0, state: 'running', params: {}, reports: [{ step: 1, value: -1 }] }, []), 'continue');
});
