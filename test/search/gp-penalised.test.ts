// Local penalisation for trials in flight (gp/penalised.ts): the penaliser, its gradient, and the
// sampler's batches under it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { GpPosterior, type GpData } from '../../src/search/gp/model.ts';
import { logEi } from '../../src/search/gp/acquisition.ts';
import { lipschitzEstimate, penalisedLogEi } from '../../src/search/gp/penalised.ts';
import { parseSearchSpace } from '../../src/config/space.ts';
import { createStudy, paramsKey } from '../../src/search/index.ts';
import { createGpSampler } from '../../src/search/gp/sampler.ts';

const HYPER = { lengthscales: Float64Array.from([0.3, 0.5]), categoricalRates: Float64Array.from([0.7]), signal: 1.3, noise: 1e-4 };

function data(seed: number, n: number): GpData {
  const rng = createRng(seed);
  return { n, numeric: Float64Array.from({ length: n * 2 }, () => rng.next()), numericDims: 2, categorical: Int32Array.from({ length: n }, () => rng.int(0, 2)), categoricalDims: 1, y: Float64Array.from({ length: n }, () => rng.normal()) };
}

test('local penalisation: EI is cut at a pending point, untouched far from it, and the gradient matches finite differences', () => {
  const gp = new GpPosterior(data(3, 12), HYPER);
  const best = Math.max(...data(3, 12).y);
  const pending = [{ numeric: Float64Array.from([0.4, 0.6]), categorical: Int32Array.from([1]) }];
  const lipschitz = lipschitzEstimate(gp, HYPER, pending, createRng(5));
  assert.ok(lipschitz > 0.01 && Number.isFinite(lipschitz), `L ${lipschitz}`);
  const acq = penalisedLogEi(gp, HYPER, pending, best, lipschitz);
  const at = (x: number[], c = 1) => ({ plain: logEi(gp, Float64Array.from(x), Int32Array.from([c]), best), penalised: acq(Float64Array.from(x), Int32Array.from([c])) });
  const centre = at([0.4, 0.6]);
  assert.ok(centre.penalised < centre.plain - 0.1, `at the pending point ${centre.penalised} vs ${centre.plain}`);
  const far = at([0.99, 0.01], 0);
  assert.ok(Math.abs(far.penalised - far.plain) < 1e-3, `far away ${far.penalised} vs ${far.plain}`);
  const x = Float64Array.from([0.47, 0.52]);
  const grad = new Float64Array(2);
  acq(x, Int32Array.from([1]), grad);
  for (let d = 0; d < 2; d++) {
    const h = 1e-6;
    const up = Float64Array.from(x);
    const down = Float64Array.from(x);
    up[d]! += h;
    down[d]! -= h;
    const numeric = (acq(up, Int32Array.from([1])) - acq(down, Int32Array.from([1]))) / (2 * h);
    assert.ok(Math.abs(numeric - grad[d]!) < 1e-4 * Math.max(1, Math.abs(numeric)), `d${d}: ${grad[d]} vs ${numeric}`);
  }
});

test("GP with parallel: 'penalised': 8 asks in flight are distinct, legal and the same for the same seed", () => {
  const space = parseSearchSpace({ x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 }, c: { type: 'categorical', values: ['a', 'b', 'c'] } });
  const run = () => {
    const study = createStudy({ space, sampler: createGpSampler({ parallel: 'penalised', parallelExploitation: false }), seed: 2, direction: 'maximize' });
    for (let i = 0; i < 12; i++) {
      const t = study.ask()!;
      study.tell(t.id, -((Number(t.params.x) - 0.3) ** 2) - (Number(t.params.y) - 0.7) ** 2 + (t.params.c === 'b' ? 0.2 : 0));
    }
    return Array.from({ length: 8 }, () => study.ask()!.params);
  };
  const batch = run();
  assert.equal(new Set(batch.map(paramsKey)).size, 8);
  assert.deepEqual(run(), batch);
});
