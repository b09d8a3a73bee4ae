// The GP with trials in flight: the UCB acquisition behind its local exploitation step, the rule
// that picks which asks take that step, and what the step does (and does not) change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSearchSpace } from '../../src/config/space.ts';
import { createStudy, paramsKey, type Study } from '../../src/search/index.ts';
import { BATCH_SD_FLOOR, createGpSampler, isExploitationStep } from '../../src/search/gp/sampler.ts';
import { GpPosterior } from '../../src/search/gp/model.ts';
import { logEi, ucb } from '../../src/search/gp/acquisition.ts';
import { OBJECTIVE_FUNCTIONS, evaluateObjective } from '../../src/objectives/index.ts';
import { createRng } from '../../src/core/rng.ts';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

const SPACE = parseSearchSpace({ x: { type: 'float', low: 0, high: 1 }, y: { type: 'float', low: 0, high: 1 } });
/** A bumpy surface with its best region near (0.3, 0.6). */
const surface = (x: number, y: number) => -((x - 0.3) ** 2 + (y - 0.6) ** 2) + 0.3 * Math.sin(9 * x) * Math.cos(7 * y);
const value = (t: { params: Record<string, unknown> }) => surface(t.params.x as number, t.params.y as number);

function study(parallelExploitation: boolean, seed = 3): Study {
  return createStudy({ space: SPACE, sampler: createGpSampler({ parallelExploitation: parallelExploitation ? 'ucb' : false }), seed, direction: 'maximize' });
}

test('UCB: mean + beta sd of the posterior, and its gradient matches finite differences', () => {
  const rng = createRng(4);
  const n = 9;
  const numeric = Float64Array.from({ length: n * 2 }, () => rng.next());
  const y = Float64Array.from({ length: n }, () => rng.normal());
  const posterior = new GpPosterior(
    { n, numeric, numericDims: 2, categorical: new Int32Array(0), categoricalDims: 0, y },
    { lengthscales: Float64Array.from([0.3, 0.5]), categoricalRates: new Float64Array(0), signal: 1.3, noise: 1e-4 },
  );
  const none = new Int32Array(0);
  for (const beta of [0, 0.5, 2]) {
    const acquisition = ucb(posterior, beta);
    for (let k = 0; k < 4; k++) {
      const x = Float64Array.from([rng.next(), rng.next()]);
      const { mean, variance } = posterior.predict(x, none);
      close(acquisition(x, none), mean + beta * Math.sqrt(variance), 1e-12, `ucb value (beta ${beta})`);
      const grad = new Float64Array(2);
      close(acquisition(x, none, grad), mean + beta * Math.sqrt(variance), 1e-12, 'value returned with the gradient');
      for (let d = 0; d < 2; d++) {
        const up = Float64Array.from(x);
        const down = Float64Array.from(x);
        up[d]! += 1e-6;
        down[d]! -= 1e-6;
        close(grad[d]!, (acquisition(up, none) - acquisition(down, none)) / 2e-6, 1e-4, `d ucb / dx[${d}] (beta ${beta})`);
      }
    }
  }
});

test('the exploitation step is taken only with trials in flight, on every other trial number', () => {
  assert.equal(isExploitationStep(20, 0), false);
  assert.equal(isExploitationStep(21, 0), false);
  assert.equal(isExploitationStep(20, 7), true);
  assert.equal(isExploitationStep(21, 7), false);
  assert.equal(isExploitationStep(22, 1), true);
  // exploitationEvery: one ask in N.
  assert.equal(isExploitationStep(20, 7, 4), true);
  assert.equal(isExploitationStep(22, 7, 4), false);
  assert.equal(isExploitationStep(24, 0, 4), false);
  assert.throws(() => createGpSampler({ exploitationEvery: 0 }), /exploitationEvery is 0, but must be a whole number >= 1/);
  assert.throws(() => createGpSampler({ exploitationEvery: 2.5 }), /exploitationEvery is 2.5/);
});

test('sequential asks are exactly what they were without the exploitation step', () => {
  const on = study(true);
  const off = study(false);
  for (let i = 0; i < 18; i++) {
    const a = on.ask()!;
    const b = off.ask()!;
    assert.deepEqual(a.params, b.params, `trial ${i}`);
    on.tell(a.id, value(a));
    off.tell(b.id, value(b));
  }
});

test('with 8 in flight, the exploitation asks refine around the incumbent while the EI asks spread out', () => {
  const distances = (parallelExploitation: boolean) => {
    const s = study(parallelExploitation);
    for (let i = 0; i < 12; i++) {
      const t = s.ask()!;
      s.tell(t.id, value(t));
    }
    const best = s.best()!.params;
    const batch = Array.from({ length: 8 }, () => s.ask()!);
    assert.equal(new Set(batch.map((t) => paramsKey(t.params))).size, 8, 'eight distinct points');
    return batch.map((t) => ({ number: t.number, distance: Math.hypot((t.params.x as number) - (best.x as number), (t.params.y as number) - (best.y as number)) }));
  };
  const on = distances(true);
  const off = distances(false);
  // Trial 12 has nothing in flight (EI either way); 14, 16 and 18 are local steps with the option on.
  assert.equal(on[0]!.distance, off[0]!.distance);
  const local = on.filter((t) => t.number > 12 && t.number % 2 === 0);
  assert.equal(local.length, 3);
  for (const t of local) assert.ok(t.distance < 0.1, `trial ${t.number} is ${t.distance.toFixed(3)} from the incumbent`);
  const nearWithout = off.filter((t) => t.distance < 0.1).length;
  const nearWith = on.filter((t) => t.distance < 0.1).length;
  assert.ok(nearWith >= nearWithout + 2, `points within 0.1 of the incumbent: ${nearWith} with the step, ${nearWithout} without`);
  // The odd-numbered asks still explore: at least two land well away from the incumbent.
  assert.ok(on.filter((t) => t.number % 2 === 1 && t.distance > 0.3).length >= 2);
});

/** Branin with `inFlight` trials outstanding (told oldest first), as bench:search runs it; the best regret after `trials`. */
function braninRegretInFlight(sampler: ReturnType<typeof createGpSampler>, seed: number, inFlight: number, trials: number): number {
  const branin = OBJECTIVE_FUNCTIONS.branin!;
  const s = createStudy({ space: branin.space, sampler, seed, direction: 'minimize' });
  const pending: Array<NonNullable<ReturnType<Study['ask']>>> = [];
  let asked = 0;
  let best = Infinity;
  for (let done = 0; done < trials; done++) {
    while (pending.length < inFlight && asked < trials) {
      pending.push(s.ask()!);
      asked++;
    }
    const t = pending.shift()!;
    const v = evaluateObjective('branin', t.params);
    s.tell(t.id, v);
    best = Math.min(best, v);
  }
  return best - branin.optimum;
}

test('batch sd floor: the global ask with trials in flight does not spend a batch on points the model already knows (Branin seed 33, 8 in flight)', () => {
  // Without the floor this seed's last 28 trials sit within 0.01 of one boundary point and it ends
  // at regret 1.5; with it (the default, BATCH_SD_FLOOR) the search leaves and finds a minimum.
  const without = braninRegretInFlight(createGpSampler({ batchSdFloor: 0 }), 33, 8, 50);
  const withFloor = braninRegretInFlight(createGpSampler(), 33, 8, 50);
  assert.ok(BATCH_SD_FLOOR > 0);
  assert.ok(without > 1, `without the floor the seed gets stuck (regret ${without})`);
  assert.ok(withFloor < 0.01, `with the floor it reaches a minimum (regret ${withFloor})`);
  assert.throws(() => createGpSampler({ batchSdFloor: -0.1 }), /batchSdFloor is -0.1, but must be a number >= 0/);
  assert.throws(() => createGpSampler({ batchSdFloor: Number.NaN }), /batchSdFloor/);
});

test('logEi below the variance floor is -Infinity with a zero gradient; above it, unchanged', () => {
  const posterior = new GpPosterior(
    { n: 2, numeric: Float64Array.from([0.2, 0.2, 0.8, 0.8]), numericDims: 2, categorical: new Int32Array(0), categoricalDims: 0, y: Float64Array.from([0, 1]) },
    { lengthscales: Float64Array.from([0.3, 0.3]), categoricalRates: new Float64Array(0), signal: 1, noise: 1e-6 },
  );
  const none = new Int32Array(0);
  const near = Float64Array.from([0.8, 0.8001]);
  const far = Float64Array.from([0.5, 0.1]);
  const floor = 1e-4;
  assert.ok(posterior.predict(near, none).variance < floor && posterior.predict(far, none).variance > floor);
  const grad = Float64Array.from([7, 7]);
  assert.equal(logEi(posterior, near, none, 1, grad, floor), -Infinity);
  assert.deepEqual([...grad], [0, 0]);
  assert.equal(logEi(posterior, far, none, 1, undefined, floor), logEi(posterior, far, none, 1));
  assert.ok(Number.isFinite(logEi(posterior, near, none, 1)), 'without a floor the near point scores');
});
