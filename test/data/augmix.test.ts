import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';
import { applyOp, augmixImage, AUGMIX_OPS } from '../../src/data/augmix.ts';
import { warpAffine } from '../../src/data/geometry.ts';

const N = 16;

/** A smooth gradient image whose channels span [lo, hi]. */
function gradient(lo = 0.3, hi = 0.6): Float32Array {
  const out = new Float32Array(N * N * 3);
  for (let p = 0; p < N * N; p++) for (let ch = 0; ch < 3; ch++) out[p * 3 + ch] = lo + ((hi - lo) * (p % N + Math.floor(p / N))) / (2 * N - 2);
  return out;
}

const channel = (img: Float32Array, ch: number) => img.filter((_, k) => k % 3 === ch);

test('autocontrast stretches each channel to [0, 1]; equalize spreads the levels', () => {
  const src = gradient();
  const out = new Float32Array(src.length);
  applyOp('autocontrast', src, out, N, 3, createRng(1));
  for (let ch = 0; ch < 3; ch++) {
    assert.ok(Math.abs(Math.min(...channel(out, ch))) < 1e-6);
    assert.ok(Math.abs(Math.max(...channel(out, ch)) - 1) < 1e-6);
  }
  applyOp('equalize', src, out, N, 3, createRng(1));
  const levels = channel(out, 0);
  assert.ok(Math.max(...levels) > 0.95 && Math.min(...levels) < 0.05, 'equalised levels cover the range');
  const mean = levels.reduce((a, b) => a + b, 0) / levels.length;
  assert.ok(Math.abs(mean - 0.5) < 0.1, `roughly uniform (mean ${mean.toFixed(2)})`);
});

test('posterize keeps few levels; solarize inverts only bright pixels', () => {
  const src = gradient(0, 1);
  const out = new Float32Array(src.length);
  applyOp('posterize', src, out, N, 3, createRng(2));
  assert.ok(new Set(out).size <= 16, `${new Set(out).size} levels`);
  applyOp('solarize', src, out, N, 10, createRng(3));
  src.forEach((v, k) => assert.ok(Math.abs(out[k]! - v) < 1e-6 || Math.abs(out[k]! - (1 - v)) < 1e-6));
  assert.ok(out.some((v, k) => Math.abs(v - src[k]!) > 0.1), 'something was inverted');
  assert.equal(out[0], src[0], 'dark pixels stay');
});

test('warps: the identity matrix copies; geometric ops move pixels but keep the value range', () => {
  const src = gradient();
  const out = new Float32Array(src.length);
  warpAffine(src, out, N, N, [1, 0, 0, 0, 1, 0]);
  assert.deepEqual(out, src);
  for (const op of ['rotate', 'shearX', 'shearY', 'translateX', 'translateY'] as const) {
    applyOp(op, src, out, N, 10, createRng(4));
    assert.notDeepEqual(out, src, op);
    assert.ok(out.every((v) => v >= 0.3 - 1e-5 && v <= 0.6 + 1e-5), `${op}: reflected borders add no new values`);
  }
});

test('augmixImage is seeded, blends chains of every op, and stays in range', () => {
  const src = gradient();
  const settings = { width: 3, depth: -1, alpha: 1, severity: 3 };
  const a = new Float32Array(src.length);
  const b = new Float32Array(src.length);
  augmixImage(src, a, N, createRng(7), settings);
  augmixImage(src, b, N, createRng(7), settings);
  assert.deepEqual(a, b);
  augmixImage(src, b, N, createRng(8), settings);
  assert.notDeepEqual(a, b);
  assert.ok(a.every((v) => v >= -1e-6 && v <= 1 + 1e-6));
  assert.equal(AUGMIX_OPS.length, 9);
});
