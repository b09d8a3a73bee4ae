// TPE after Optuna 5: the group decomposition of a conditional space, Optuna's neighbour bandwidths
// with the magic clip, and the constant liar for trials in flight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearchSpace } from '../../src/config/space.ts';
import { createStudy } from '../../src/search/index.ts';
import { decomposeGroups } from '../../src/search/tpe/groups.ts';
import { neighbourBandwidths } from '../../src/search/tpe/parzen.ts';
import { createTpeSampler } from '../../src/search/tpe/sampler.ts';

test('group decomposition: parameters that always appear together form one group, in encoding order', () => {
  const order = ['lr', 'loss', 'gamma', 'alpha', 'mode'];
  const groups = decomposeGroups(
    [new Set(['lr', 'loss']), new Set(['lr', 'loss', 'gamma', 'mode']), new Set(['mode', 'gamma', 'loss', 'lr', 'alpha']), new Set(['lr', 'loss', 'epochs'])],
    order,
  );
  assert.deepEqual(groups, [['lr', 'loss'], ['gamma', 'mode'], ['alpha']]);
  assert.deepEqual(decomposeGroups([], order), []);
});

test("neighbour bandwidths: the larger gap to a neighbour, the outermost use their inner gap, clipped like Optuna's magic clip", () => {
  // sorted 0.1, 0.2, 0.6: gaps 0.1, 0.4; ends use the inner gap without considerEndpoints.
  const sigma = neighbourBandwidths([0.6, 0.1, 0.2], 0, 1, false, 0.2);
  assert.deepEqual(sigma.map((s) => +s.toFixed(12)), [0.4, 0.2, 0.4]);
  const withEnds = neighbourBandwidths([0.6, 0.1, 0.2], 0, 1, true, 0);
  assert.deepEqual(withEnds.map((s) => +s.toFixed(12)), [0.4, 0.1, 0.4]);
  assert.deepEqual(neighbourBandwidths([0.5], 0, 1, false, 0), [0.5]);
});

const CONDITIONAL = parseSearchSpace({
  loss: { type: 'categorical', values: ['ce', 'focal'] },
  focalGamma: { type: 'float', low: 0, high: 1, when: { loss: ['focal'] } },
  x: { type: 'float', low: 0, high: 1 },
});

/** Best at loss=focal, focalGamma=0.8, x=0.3. */
const score = (p: Record<string, unknown>): number => -((Number(p.x) - 0.3) ** 2) - (p.loss === 'focal' ? (Number(p.focalGamma) - 0.8) ** 2 : 0.3);

for (const conditional of ['group', 'joint'] as const) {
  for (const bandwidth of ['scott', 'optuna'] as const) {
    test(`tpe (${conditional}, ${bandwidth}) on a conditional space: the branch and its child are learned from the trials that took it`, () => {
      const study = createStudy({ space: CONDITIONAL, sampler: createTpeSampler({ conditional, bandwidth }), seed: 4, direction: 'maximize' });
      for (let i = 0; i < 40; i++) {
        const t = study.ask()!;
        study.tell(t.id, score(t.params));
      }
      const late = study.trials().slice(25);
      const focal = late.filter((t) => t.params.loss === 'focal');
      assert.ok(focal.length >= 10, `${focal.length} of the last 15 took the better branch`);
      const gammas = focal.map((t) => Number(t.params.focalGamma));
      assert.ok(gammas.filter((g) => Math.abs(g - 0.8) < 0.2).length >= focal.length / 2, `child near its optimum: ${gammas.map((g) => g.toFixed(2)).join(' ')}`);
      assert.ok(study.best()!.value > -0.01, `best ${study.best()!.value}`);
    });
  }
}

test('constant liar: trials in flight push the next proposals away from each other; without it a batch crowds together', () => {
  const space = parseSearchSpace({ x: { type: 'float', low: 0, high: 1 } });
  // Mean over seeds of the smallest gap between two of 8 proposals asked before any result.
  const spread = (constantLiar: boolean): number => {
    let total = 0;
    for (const seed of [1, 2, 3, 4, 5]) total += nearestGap(constantLiar, seed);
    return total / 5;
  };
  const nearestGap = (constantLiar: boolean, seed: number): number => {
    const study = createStudy({ space, sampler: createTpeSampler({ constantLiar }), seed, direction: 'maximize' });
    for (let i = 0; i < 20; i++) {
      const t = study.ask()!;
      study.tell(t.id, -((Number(t.params.x) - 0.5) ** 2));
    }
    const batch = Array.from({ length: 8 }, () => Number(study.ask()!.params.x)).sort((a, b) => a - b);
    let nearest = Infinity;
    for (let i = 1; i < batch.length; i++) nearest = Math.min(nearest, batch[i]! - batch[i - 1]!);
    return nearest;
  };
  assert.ok(spread(true) > 2 * spread(false), `smallest gap in a batch with the liar ${spread(true)} vs without ${spread(false)}`);
});
