// One contract, every sampler: legal proposals (bounds, types, steps, conditions, fixed values),
// determinism from (seed, history), restart equivalence, trials in flight, failed and pruned trials.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FrozenTrial, Params } from '../../src/core/trial.ts';
import { parseSearchSpace } from '../../src/config/space.ts';
import { SAMPLER_NAMES, checkParams, createStudy, paramsKey, type SamplerName, type Study } from '../../src/search/index.ts';

// Every parameter kind, a two-level condition, and value lists so that grid can run it too.
const SPACE = parseSearchSpace({
  loss: { type: 'categorical', values: ['ce', 'focal'] },
  focalGamma: { type: 'float', low: 0.5, high: 5, values: [2], when: { loss: ['focal'] } },
  focalAlphaMode: { type: 'categorical', values: ['auto', 'manual'], when: { loss: ['focal'] } },
  focalAlpha: { type: 'float', low: 0.1, high: 0.9, values: [0.25, 0.75], when: { focalAlphaMode: ['manual'] } },
  resolution: { type: 'int', low: 256, high: 600, step: 8, values: [256, 512] },
  minorityWeight: { type: 'float', low: 1, high: 50, log: true, values: [1, 10, 50] },
  layers: { type: 'int', low: 1, high: 4 },
  dropout: { type: 'float', low: 0, high: 0.5, step: 0.1, values: [0.1, 0.3] },
  epochs: { type: 'fixed', value: 10 },
});

/** A smooth objective with a known best region, so model-based samplers have something to learn. */
function objective(p: Params): number {
  let v = -(Math.log(Number(p.minorityWeight) / 8) ** 2) - ((Number(p.resolution) - 400) / 200) ** 2 - (Number(p.dropout) - 0.2) ** 2 - 0.1 * Number(p.layers);
  if (p.loss === 'focal') v += 0.3 - 0.05 * (Number(p.focalGamma) - 2) ** 2;
  if (p.focalAlpha !== undefined) v += 0.1 - (Number(p.focalAlpha) - 0.25) ** 2;
  return v;
}

/** Runs `count` trials, `inFlight` at a time (FIFO), marking every 7th failed and every 5th pruned. */
function drive(study: Study, count: number, inFlight = 1): Params[] {
  const proposals: Params[] = [];
  const pending: Array<{ id: string; number: number; params: Params }> = [];
  while (proposals.length < count || pending.length) {
    while (pending.length < inFlight && proposals.length < count) {
      const t = study.ask();
      if (!t) break;
      proposals.push(t.params);
      pending.push(t);
    }
    const t = pending.shift();
    if (!t) break;
    if (t.number % 7 === 6) study.tell(t.id, { state: 'failed' });
    else if (t.number % 5 === 4) {
      study.report(t.id, 1, objective(t.params) - 0.5);
      study.tell(t.id, { state: 'pruned' });
    } else study.tell(t.id, objective(t.params));
  }
  return proposals;
}

const TRIALS = 24;

for (const name of SAMPLER_NAMES) {
  describe(`sampler contract: ${name}`, () => {
    const make = (seed: number | string, trials?: readonly FrozenTrial[]) =>
      createStudy({ space: SPACE, sampler: name as SamplerName, seed, direction: 'maximize', ...(trials ? { trials } : {}) });

    test('every proposal is legal: bounds, integer and step lattices, log range, conditions, fixed values', () => {
      const proposals = drive(make(1), TRIALS, 3);
      assert.equal(proposals.length, TRIALS);
      let focal = 0;
      let manual = 0;
      for (const p of proposals) {
        assert.deepEqual(checkParams(SPACE, p), [], JSON.stringify(p));
        assert.equal(p.epochs, 10);
        assert.ok(Number.isInteger(p.layers) && Number(p.layers) >= 1 && Number(p.layers) <= 4);
        assert.equal((Number(p.resolution) - 256) % 8, 0);
        assert.ok(Number(p.minorityWeight) >= 1 && Number(p.minorityWeight) <= 50);
        assert.equal('focalGamma' in p, p.loss === 'focal');
        assert.equal('focalAlphaMode' in p, p.loss === 'focal');
        assert.equal('focalAlpha' in p, p.focalAlphaMode === 'manual');
        if (p.loss === 'focal') focal++;
        if (p.focalAlphaMode === 'manual') manual++;
      }
      assert.ok(focal > 0 && focal < TRIALS, `both branches of loss explored (${focal} focal)`);
      assert.ok(manual > 0, 'the nested condition was activated');
    });

    test('deterministic given the seed; a different seed gives a different sequence', () => {
      const a = drive(make('alpha'), TRIALS, 2);
      const b = drive(make('alpha'), TRIALS, 2);
      const c = drive(make('beta'), TRIALS, 2);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
    });

    test('a study restored from stored trials proposes what the original would have', () => {
      const original = make(7);
      drive(original, 16, 4);
      const inFlight = [original.ask()!, original.ask()!];
      const restored = make(7, original.trials());
      assert.deepEqual(restored.trials(), original.trials());
      for (let i = 0; i < 3; i++) assert.deepEqual(restored.ask(), original.ask());
      original.tell(inFlight[0]!.id, 1);
      restored.tell(inFlight[0]!.id, 1);
      assert.deepEqual(restored.ask(), original.ask());
    });

    test('trials in flight are part of the history: 8 asks before any tell are 8 distinct points', () => {
      const study = make(3);
      drive(study, 12, 1);
      const batch = Array.from({ length: 8 }, () => study.ask()!);
      assert.equal(new Set(batch.map((t) => paramsKey(t.params))).size, 8);
      assert.equal(study.trials().filter((t) => t.state === 'running').length, 8);
    });

    test('failed and pruned trials are handled: the study keeps proposing legal points and ranks only complete ones', () => {
      const study = make(11);
      drive(study, TRIALS, 1);
      const trials = study.trials();
      assert.ok(trials.some((t) => t.state === 'failed') && trials.some((t) => t.state === 'pruned'));
      const best = study.best()!;
      const complete = trials.filter((t) => t.state === 'complete');
      assert.equal(best.value, Math.max(...complete.map((t) => t.value!)));
      assert.deepEqual(checkParams(SPACE, study.ask()!.params), []);
    });
  });
}
