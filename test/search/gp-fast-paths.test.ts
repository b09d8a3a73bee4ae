// The GP's fast paths (issue 14's cost at 1,000 trials) against the plain loops they replace: each
// must give the same numbers bit for bit, so a faster ask proposes exactly what the slower one did.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { choleskyExact, solveLower } from '../../src/search/gp/linalg.ts';
import { MAX_TABLE_CATEGORICALS, mismatchMask, mismatchTable } from '../../src/search/gp/kernel.ts';
import { paramsKey } from '../../src/search/space.ts';

function randomSpd(n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

/** The textbook loops, one dependent sum per entry. */
function choleskyReference(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j]!;
    for (let k = 0; k < j; k++) diag -= l[j * n + k]! * l[j * n + k]!;
    l[j * n + j] = Math.sqrt(diag);
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  return l;
}

function solveLowerReference(lower: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= lower[i * n + k]! * x[k]!;
    x[i] = sum / lower[i * n + i]!;
  }
  return x;
}

test('blocked Cholesky and forward substitution equal the row-by-row loops bit for bit, at every size around the block of 4', () => {
  for (let n = 1; n <= 13; n++) {
    const a = randomSpd(n, n);
    const lower = choleskyExact(a, n)!;
    assert.deepEqual(Array.from(lower), Array.from(choleskyReference(a, n)), `Cholesky factor, n = ${n}`);
    const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + n));
    assert.deepEqual(Array.from(solveLower({ n, lower, jitter: 0 }, b)), Array.from(solveLowerReference(lower, n, b)), `L x = b, n = ${n}`);
  }
});

test('the mismatch table holds every pattern of categorical mismatches as a loop over the categories computes it', () => {
  const rates = Float64Array.from([0.3, 1.7, 0.05, 4, 0.9]);
  const kept = rates.map((r) => Math.exp(-r));
  const table = mismatchTable(rates, kept)!;
  assert.equal(table.hamming.length, 32);
  for (let mask = 0; mask < 32; mask++) {
    let mismatch = 0;
    let sum = rates.length;
    for (let c = 0; c < rates.length; c++) {
      if (mask & (1 << c)) {
        mismatch += rates[c]!;
        sum -= 1 - kept[c]!;
      }
    }
    assert.equal(table.hamming[mask], Math.exp(-mismatch), `hamming of pattern ${mask}`);
    assert.equal(table.sum[mask], sum, `sum of pattern ${mask}`);
  }
  assert.equal(table.hamming[0], 1, 'no mismatch: a factor of exactly 1');
  const tooMany = new Float64Array(MAX_TABLE_CATEGORICALS + 1).fill(1);
  assert.equal(mismatchTable(tooMany, tooMany), undefined, 'no table of 2^13 patterns: the kernel loops instead');
});

test('the mismatch mask sets bit c exactly where category c differs, inactive (-1) and large levels included', () => {
  const a = Int32Array.from([9, 0, -1, 3, -1, 7, 2, 100000]);
  const b = Int32Array.from([0, 5, 0, 3, -1, 7, 5, 99999, 100000]);
  // a against b from offset 1: [9, 0, -1, 3, -1, 7, 2, 100000] vs [5, 0, 3, -1, 7, 5, 99999, 100000]
  const mask = mismatchMask(a, 0, b, 1, 8);
  const expected = [0, 1, 2, 3, 4, 5, 6, 7].reduce((m, c) => (a[c] !== b[1 + c] ? m | (1 << c) : m), 0);
  assert.equal(mask, expected);
  assert.equal(mask, 0b01111101, "all but categories 1 and 7 differ");
  assert.equal(mismatchMask(a, 0, a, 0, 8), 0);
});

test("paramsKey: a frozen point's key is kept (it cannot change); an unfrozen one is read afresh", () => {
  const frozen = Object.freeze({ b: 2, a: 'x' });
  assert.equal(paramsKey(frozen), '[["a","x"],["b",2]]');
  assert.equal(paramsKey(frozen), paramsKey({ a: 'x', b: 2 }));
  const open: Record<string, number> = { a: 1 };
  const before = paramsKey(open);
  open.a = 2;
  assert.notEqual(paramsKey(open), before, 'a mutable point is not cached');
});
