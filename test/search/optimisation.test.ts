// The model-based samplers must actually optimise: a regression guard for the benchmark's
// figures, small enough for the suite (Branin, 3 seeds, 30 trials). Deterministic given the seeds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createStudy, type SamplerName } from '../../src/search/index.ts';
import { parseSearchSpace } from '../../src/config/space.ts';

const SPACE = parseSearchSpace({ x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } });
const BRANIN_MIN = 0.397887357729738;

function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI * Math.PI);
  return (x2 - b * x1 * x1 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
}

function meanRegret(sampler: SamplerName, trials: number, inFlight = 1): number {
  let total = 0;
  for (const seed of [1, 2, 3]) {
    const study = createStudy({ space: SPACE, sampler, seed, direction: 'minimize' });
    const pending: Array<{ id: string; params: Record<string, unknown> }> = [];
    for (let told = 0; told < trials; told++) {
      while (pending.length < inFlight) pending.push(study.ask()!);
      const t = pending.shift()!;
      study.tell(t.id, branin(t.params.x1 as number, t.params.x2 as number));
    }
    total += study.best()!.value - BRANIN_MIN;
  }
  return total / 3;
}

test('on Branin, TPE beats random search and the GP gets within 0.02 of the optimum in 30 trials, also with 4 in flight', () => {
  const random = meanRegret('random', 30);
  const tpe = meanRegret('tpe', 30);
  const gp = meanRegret('gp', 30);
  const gpParallel = meanRegret('gp', 30, 4);
  assert.ok(tpe < random, `tpe ${tpe} vs random ${random}`);
  assert.ok(gp < 0.02, `gp ${gp}`);
  assert.ok(gpParallel < 0.02, `gp with 4 in flight ${gpParallel}`);
});
