// The GP's sum-product kernel on mixed spaces (model.ts): a category's effect is learnt across the
// combinations of the other categoricals, which the product kernel cannot do with few trials, and
// the fitted mix follows the data (additive data: mostly the additive part; an interaction: more of
// the product).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { GpPosterior, fitHyperparameters, type GpData, type GpKernel } from '../../src/search/gp/model.ts';

const DC = 6;
const LEVELS = 4;

function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((x, i) => {
    ab += (x - ma) * (b[i]! - mb);
    aa += (x - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

/** n random points of one numeric and six 4-level categoricals, valued by f (standardised). */
function sample(seed: number, n: number, f: (x: number, c: Int32Array) => number): GpData {
  const rng = createRng(seed);
  const numeric = Float64Array.from({ length: n }, () => rng.next());
  const categorical = Int32Array.from({ length: n * DC }, () => rng.int(0, LEVELS - 1));
  const y = Float64Array.from({ length: n }, (_, i) => f(numeric[i]!, categorical.subarray(i * DC, (i + 1) * DC)));
  const mean = y.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { n, numeric, numericDims: 1, categorical, categoricalDims: DC, y: y.map((v) => (v - mean) / sd) };
}

/** Fit on `train`; the correlation of the posterior mean with the truth on `held` (combinations never seen), and the fitted mix. */
function heldOut(train: GpData, held: GpData, kernel: GpKernel): { r: number; mix: number | undefined } {
  const hyper = fitHyperparameters(train, { kernel });
  const posterior = new GpPosterior(train, hyper);
  const predicted = Array.from({ length: held.n }, (_, i) => posterior.predict([held.numeric[i]!], held.categorical.subarray(i * DC, (i + 1) * DC)).mean);
  return { r: correlation(predicted, Array.from(held.y)), mix: hyper.mix };
}

test('sum-product kernel: an additive categorical effect is predicted in unseen combinations (30 trials, 6 categoricals), the product kernel cannot', () => {
  for (const seed of [1, 2, 3]) {
    const rng = createRng(100 + seed);
    const bonus = Array.from({ length: DC }, () => Array.from({ length: LEVELS }, () => rng.normal()));
    const additive = (x: number, c: Int32Array) => 0.5 * Math.sin(3 * x) + c.reduce((s, k, i) => s + bonus[i]![k]!, 0);
    const train = sample(seed, 30, additive);
    const held = sample(1000 + seed, 200, additive);
    const product = heldOut(train, held, 'product');
    const sumProduct = heldOut(train, held, 'sum-product');
    assert.equal(product.mix, undefined);
    assert.ok(sumProduct.r > 0.95, `seed ${seed}: sum-product r ${sumProduct.r.toFixed(3)}`);
    assert.ok(sumProduct.r > product.r + 0.05, `seed ${seed}: sum-product r ${sumProduct.r.toFixed(3)} vs product ${product.r.toFixed(3)}`);
    assert.ok(sumProduct.mix! < 0.1, `seed ${seed}: additive data fitted mix ${sumProduct.mix}`);
  }
});

test('sum-product kernel: on an interaction (the sign set by whether two categoricals agree) the fitted mix moves to the product', () => {
  const interaction = (x: number, c: Int32Array) => (c[0] === c[1] ? 1 : -1) * (0.5 + x);
  for (const seed of [1, 2, 3]) {
    const { mix } = heldOut(sample(seed, 30, interaction), sample(1000 + seed, 50, interaction), 'sum-product');
    assert.ok(mix! > 0.3, `seed ${seed}: fitted mix ${mix}`);
  }
});

test('spaces of one kind keep the product kernel: no mix is fitted without categoricals or without numeric dimensions', () => {
  const rng = createRng(7);
  const numericOnly: GpData = { n: 12, numeric: Float64Array.from({ length: 24 }, () => rng.next()), numericDims: 2, categorical: new Int32Array(0), categoricalDims: 0, y: Float64Array.from({ length: 12 }, () => rng.normal()) };
  const categoricalOnly: GpData = { n: 12, numeric: new Float64Array(0), numericDims: 0, categorical: Int32Array.from({ length: 24 }, () => rng.int(0, 3)), categoricalDims: 2, y: Float64Array.from({ length: 12 }, () => rng.normal()) };
  assert.equal(fitHyperparameters(numericOnly).mix, undefined);
  assert.equal(fitHyperparameters(categoricalOnly).mix, undefined);
});
