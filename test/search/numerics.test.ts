// The numeric kernels behind TPE and the GP, each against an independent reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { cholesky, choleskyInverse, choleskySolve, logDeterminant } from '../../src/search/gp/linalg.ts';
import { minimize } from '../../src/search/gp/lbfgs.ts';
import { GpPosterior, fitHyperparameters, negativeLogPosterior } from '../../src/search/gp/model.ts';
import { logEi } from '../../src/search/gp/acquisition.ts';
import { erfc, logH, normalCdf, normalPdf } from '../../src/search/math.ts';
import { yeoJohnson, warpValues } from '../../src/search/gp/warp.ts';
import { buildParzen, parzenLogPdf } from '../../src/search/tpe/parzen.ts';
import { encodingOf } from '../../src/search/encoding.ts';
import { parseSearchSpace } from '../../src/config/space.ts';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

function randomSpd(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = i === j ? n : 0;
    for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
    a[i * n + j] = s;
  }
  return a;
}

test('Cholesky: L L^T = A, solves, inverse and log-determinant agree with the matrix', () => {
  const n = 12;
  const a = randomSpd(n, 1);
  const chol = cholesky(a, n);
  assert.equal(chol.jitter, 0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += chol.lower[i * n + k]! * chol.lower[j * n + k]!;
    close(s, a[i * n + j]!, 1e-10, `LL^T[${i},${j}]`);
  }
  const b = Float64Array.from({ length: n }, (_, i) => i - 3);
  const x = choleskySolve(chol, b);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k]! * x[k]!;
    close(s, b[i]!, 1e-9, `Ax[${i}]`);
  }
  const inv = choleskyInverse(chol);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
    close(s, i === j ? 1 : 0, 1e-9, `A A^-1[${i},${j}]`);
  }
  // 2x2 by hand: det [[4, 2], [2, 3]] = 8.
  close(logDeterminant(cholesky(Float64Array.from([4, 2, 2, 3]), 2)), Math.log(8), 1e-12, 'log det');
});

test('Cholesky adds jitter to a singular kernel instead of failing', () => {
  const chol = cholesky(Float64Array.from([1, 1, 1, 1]), 2);
  assert.ok(chol.jitter > 0 && chol.jitter < 1e-4);
});

test('L-BFGS finds the Rosenbrock minimum, and respects bounds', () => {
  const rosen = (x: Float64Array, g: Float64Array) => {
    g[0] = -2 * (1 - x[0]!) - 400 * x[0]! * (x[1]! - x[0]! ** 2);
    g[1] = 200 * (x[1]! - x[0]! ** 2);
    return (1 - x[0]!) ** 2 + 100 * (x[1]! - x[0]! ** 2) ** 2;
  };
  const free = minimize(rosen, [-1.2, 1], { lower: [-5, -5], upper: [5, 5], maxIterations: 200, gradientTolerance: 1e-8 });
  close(free.x[0]!, 1, 1e-4, 'x');
  close(free.x[1]!, 1, 1e-4, 'y');
  const boxed = minimize(rosen, [-1.2, 0.5], { lower: [-5, -5], upper: [0.5, 5], maxIterations: 200 });
  close(boxed.x[0]!, 0.5, 1e-6, 'x pinned at its upper bound');
  close(boxed.x[1]!, 0.25, 1e-3, 'y at the constrained optimum');
});

test('normal distribution helpers match known values; log h(z) is accurate far into the tail', () => {
  close(erfc(0.5), 0.4795001221869535, 1e-6, 'erfc(0.5)');
  close(normalCdf(1.96), 0.9750021048517795, 1e-6, 'Phi(1.96)');
  close(normalPdf(0), 1 / Math.sqrt(2 * Math.PI), 1e-12, 'phi(0)');
  for (const z of [2, 0, -1, -3, -6]) close(logH(z), Math.log(normalPdf(z) + z * normalCdf(z)), 1e-5, `log h(${z})`);
  // h(-40) ~ phi(-40) / 40^2: finite where the naive formula gives log(0).
  close(logH(-40), -800 - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(40), 1e-3, 'log h(-40)');
});

test('GP: analytic gradients of the marginal likelihood and of log EI match finite differences', () => {
  const rng = createRng(3);
  const n = 15;
  const data = {
    n,
    numeric: Float64Array.from({ length: n * 3 }, () => rng.next()),
    numericDims: 3,
    categorical: Int32Array.from({ length: n * 2 }, () => rng.int(-1, 2)),
    categoricalDims: 2,
    y: Float64Array.from({ length: n }, () => rng.normal()),
  };
  // 3 lengthscales, 2 rates, signal, noise and the sum-product kernel's mix (both kinds of dimension).
  const theta = Float64Array.from({ length: 8 }, () => rng.uniform(-1.5, 0.5));
  const grad = new Float64Array(8);
  negativeLogPosterior(data, theta, grad);
  for (let i = 0; i < 8; i++) {
    const up = Float64Array.from(theta);
    const down = Float64Array.from(theta);
    up[i]! += 1e-6;
    down[i]! -= 1e-6;
    const fd = (negativeLogPosterior(data, up, new Float64Array(8)) - negativeLogPosterior(data, down, new Float64Array(8))) / 2e-6;
    close(grad[i]!, fd, 1e-4, `d nlp / d theta[${i}]`);
  }
  const posterior = new GpPosterior(data, fitHyperparameters(data));
  const x = Float64Array.from([0.3, 0.6, 0.2]);
  const c = Int32Array.from([1, 0]);
  for (const best of [0.5, 3]) {
    const g = new Float64Array(3);
    logEi(posterior, x, c, best, g);
    for (let d = 0; d < 3; d++) {
      const up = Float64Array.from(x);
      const down = Float64Array.from(x);
      up[d]! += 1e-6;
      down[d]! -= 1e-6;
      close(g[d]!, (logEi(posterior, up, c, best) - logEi(posterior, down, c, best)) / 2e-6, 1e-4, `d logEI / dx[${d}] (best ${best})`);
    }
  }
});

test('GP interpolates noise-free data and is uncertain away from it', () => {
  const xs = [0.1, 0.3, 0.5, 0.7, 0.9];
  const data = { n: 5, numeric: Float64Array.from(xs), numericDims: 1, categorical: new Int32Array(0), categoricalDims: 0, y: Float64Array.from(xs.map((x) => Math.sin(6 * x))) };
  const posterior = new GpPosterior(data, fitHyperparameters(data));
  for (const x of xs) {
    const { mean, variance } = posterior.predict([x], []);
    close(mean, Math.sin(6 * x), 1e-2, `mean at ${x}`);
    assert.ok(variance < 1e-3);
  }
  assert.ok(posterior.predict([0.4], []).variance > posterior.predict([0.5], []).variance);
});

test('output warping is monotone and standardised', () => {
  const values = [-300, -50, -10, -2, -1, -0.5, -0.4];
  const warped = warpValues(values);
  for (let i = 1; i < values.length; i++) assert.ok(warped[i]! > warped[i - 1]!);
  close(warped.reduce((a, b) => a + b, 0) / warped.length, 0, 1e-9, 'mean');
  close(yeoJohnson(1, 0), Math.log(2), 1e-12, 'YJ lambda 0');
  close(yeoJohnson(-1, 2), -Math.log(2), 1e-12, 'YJ lambda 2 negative branch');
});

test('Parzen estimator: a 1-D density integrates to 1 and peaks at its observations', () => {
  const space = parseSearchSpace({ x: { type: 'float', low: 0, high: 1 } });
  const encoding = encodingOf(space);
  const points = [0.2, 0.25, 0.8].map((x) => ({ numeric: Float64Array.from([x]), categorical: new Int32Array(0) }));
  const parzen = buildParzen(encoding, points, [1, 1, 1], { priorWeight: 1, bandwidth: 'scott', bandwidthMagnitude: 0.2 });
  // parzenLogPdf omits the -log sqrt(2 pi) per numeric dimension.
  const pdf = (x: number) => Math.exp(parzenLogPdf(parzen, { numeric: Float64Array.from([x]), categorical: new Int32Array(0) }) - 0.5 * Math.log(2 * Math.PI));
  let integral = 0;
  const steps = 2000;
  for (let i = 0; i < steps; i++) integral += pdf((i + 0.5) / steps) / steps;
  close(integral, 1, 1e-3, 'integral');
  assert.ok(pdf(0.22) > pdf(0.5) && pdf(0.8) > pdf(0.5));
});
