// Joint q-EI over trials in flight (gp/batch.ts) and the bounded model subset (gp/subset.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { GpPosterior, type GpData } from '../../src/search/gp/model.ts';
import { batchLogEi, drawPending } from '../../src/search/gp/batch.ts';
import { logEi } from '../../src/search/gp/acquisition.ts';
import { MAX_MODEL_TRIALS, modelSubset } from '../../src/search/gp/subset.ts';
import { parseSearchSpace } from '../../src/config/space.ts';
import { createStudy } from '../../src/search/index.ts';
import { createGpSampler } from '../../src/search/gp/sampler.ts';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const HYPER = { lengthscales: Float64Array.from([0.3, 0.5]), categoricalRates: Float64Array.from([0.7]), signal: 1.3, noise: 1e-4 };

function data(rng: ReturnType<typeof createRng>, n: number): GpData {
  return { n, numeric: Float64Array.from({ length: n * 2 }, () => rng.next()), numericDims: 2, categorical: Int32Array.from({ length: n }, () => rng.int(0, 2)), categoricalDims: 1, y: Float64Array.from({ length: n }, () => rng.normal()) };
}

function withPending(base: GpData, pending: Array<{ numeric: Float64Array; categorical: Int32Array }>, fill: number[]): GpData {
  const numeric = new Float64Array((base.n + pending.length) * 2);
  numeric.set(base.numeric);
  pending.forEach((p, i) => numeric.set(p.numeric, (base.n + i) * 2));
  return { ...base, n: base.n + pending.length, numeric, categorical: Int32Array.from([...base.categorical, ...pending.map((p) => p.categorical[0]!)]), y: Float64Array.from([...base.y, ...fill]) };
}

test('q-EI: joint draws of the pending values have the posterior mean and covariance', () => {
  const rng = createRng(1);
  const observed = new GpPosterior(data(rng, 10), HYPER);
  const pending = [0, 1].map(() => ({ numeric: Float64Array.from([rng.next(), rng.next()]), categorical: Int32Array.from([rng.int(0, 2)]) }));
  const draws = drawPending(observed, pending, createRng(2), 4000);
  const cov = observed.jointCovariance(pending);
  for (let i = 0; i < 2; i++) {
    const mean = draws.reduce((a, f) => a + f[i]!, 0) / draws.length;
    close(mean, observed.predict(pending[i]!.numeric, pending[i]!.categorical).mean, 1e-9, `mean of draws at pending ${i} (antithetic: exact)`);
    close(cov[i * 2 + i]!, observed.predict(pending[i]!.numeric, pending[i]!.categorical).variance, 1e-9, `joint covariance diagonal ${i} = predictive variance`);
    for (let j = 0; j < 2; j++) {
      const m = (k: number) => draws.reduce((a, f) => a + f[k]!, 0) / draws.length;
      const sample = draws.reduce((a, f) => a + (f[i]! - m(i)) * (f[j]! - m(j)), 0) / draws.length;
      assert.ok(Math.abs(sample - cov[i * 2 + j]!) < 0.08 * Math.max(cov[i * 2 + i]!, 0.05), `covariance ${i},${j}: ${sample} vs ${cov[i * 2 + j]}`);
    }
  }
});

test('q-EI: one draw at the mean is the kriging believer; its gradient matches finite differences', () => {
  const rng = createRng(3);
  const base = data(rng, 12);
  const observed = new GpPosterior(base, HYPER);
  const pending = [{ numeric: Float64Array.from([0.4, 0.6]), categorical: Int32Array.from([1]) }];
  const mean = observed.predict(pending[0]!.numeric, pending[0]!.categorical).mean;
  const joined = withPending(base, pending, [mean]);
  const believer = new GpPosterior(joined, HYPER);
  const best = Math.max(...base.y, mean);
  const single = batchLogEi(joined, believer, base.y, [Float64Array.from([mean])], Math.max(...base.y));
  const many = batchLogEi(joined, believer, base.y, drawPending(observed, pending, createRng(4)), Math.max(...base.y));
  for (let k = 0; k < 5; k++) {
    const x = Float64Array.from([rng.next(), rng.next()]);
    const c = Int32Array.from([rng.int(0, 2)]);
    close(single(x, c), logEi(believer, x, c, best), 1e-9, 'one mean draw = believer log EI');
    const grad = new Float64Array(2);
    const value = many(x, c, grad);
    close(value, many(x, c), 1e-12, 'value with and without gradient');
    for (let d = 0; d < 2; d++) {
      const up = Float64Array.from(x);
      const down = Float64Array.from(x);
      up[d]! += 1e-6;
      down[d]! -= 1e-6;
      close(grad[d]!, (many(up, c) - many(down, c)) / 2e-6, 1e-3, `d qEI / dx[${d}]`);
    }
  }
  // Next to an uncertain pending point the believer sees no improvement left; the draws still do.
  const near = Float64Array.from([0.41, 0.6]);
  assert.ok(many(near, pending[0]!.categorical) > single(near, pending[0]!.categorical), 'q-EI keeps value next to a pending point');
});

test('model subset: everything up to the cap, then the cap: the best half, the most recent, and a spread of the rest', () => {
  assert.deepEqual(modelSubset([3, 1, 2]), [0, 1, 2]);
  const rng = createRng(5);
  const values = Array.from({ length: 1000 }, () => rng.normal());
  const chosen = modelSubset(values);
  assert.equal(chosen.length, MAX_MODEL_TRIALS);
  assert.deepEqual(chosen, [...chosen].sort((a, b) => a - b));
  const ranked = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!);
  for (const i of ranked.slice(0, MAX_MODEL_TRIALS / 2)) assert.ok(chosen.includes(i), `best trial ${i} kept`);
  assert.ok(chosen.includes(999), 'the latest is kept');
  assert.ok(ranked.slice(-10).some((i) => chosen.includes(i)), 'the spread reaches the worst 1%');
  assert.deepEqual(modelSubset(values), chosen, 'a pure function of the values');
});

test('the q-EI GP with trials in flight is deterministic by seed and its asks spread out', () => {
  const space = parseSearchSpace({ x: { type: 'float', low: 0, high: 1 }, k: { type: 'categorical', values: ['a', 'b', 'c'] }, n: { type: 'int', low: 1, high: 9 } });
  const f = (p: Record<string, unknown>) => -(((p.x as number) - 0.3) ** 2) - ((p.n as number) - 4) ** 2 / 20 + (p.k === 'b' ? 0.2 : 0);
  const run = (seed: number) => {
    const study = createStudy({ space, sampler: createGpSampler({ parallel: 'qei', parallelExploitation: 'qei' }), seed, direction: 'maximize' });
    const pending: Array<{ id: string; params: Record<string, unknown> }> = [];
    const asked: string[] = [];
    for (let i = 0; i < 24; i++) {
      while (pending.length < 4) {
        const t = study.ask()!;
        pending.push(t);
        asked.push(JSON.stringify(t.params));
      }
      const t = pending.shift()!;
      study.tell(t.id, f(t.params));
    }
    return asked;
  };
  const a = run(7);
  assert.deepEqual(run(7), a);
  assert.notDeepEqual(run(8), a);
  assert.equal(new Set(a).size, a.length, 'no point proposed twice');
});
