import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ntXentLoss } from '../../src/training/nt-xent.ts';

/** NT-Xent by hand: every row of [z1; z2] a query, its other view the positive, itself excluded. */
function byHand(z1: number[][], z2: number[][], tau: number): number {
  const rows = [...z1, ...z2].map((v) => {
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  const n = z1.length;
  const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const positive = i < n ? i + n : i - n;
    let denominator = 0;
    for (let k = 0; k < 2 * n; k++) if (k !== i) denominator += Math.exp(dot(rows[i]!, rows[k]!) / tau);
    total += -Math.log(Math.exp(dot(rows[i]!, rows[positive]!) / tau) / denominator);
  }
  return total / (2 * n);
}

test('NT-Xent equals the hand computation on a tiny input, both directions of every pair counted', () => {
  const z1 = [[1, 0], [0, 2]];
  const z2 = [[3, 1], [-1, 1]];
  const tau = 0.5;
  // The four queries by hand (unit vectors: a=(1,0), b=(0,1), c=(3,1)/sqrt10, d=(-1,1)/sqrt2):
  // a->c: -log(e^{2*0.9487} / (e^0 + e^{1.8974} + e^{-1.4142})) etc.; byHand spells that sum out.
  const expected = byHand(z1, z2, tau);
  const a = Math.exp(0), ac = Math.exp((3 / Math.sqrt(10)) / tau), ad = Math.exp((-1 / Math.sqrt(2)) / tau);
  const bc = Math.exp((1 / Math.sqrt(10)) / tau), bd = Math.exp((1 / Math.sqrt(2)) / tau), cd = Math.exp(((-3 + 1) / Math.sqrt(20)) / tau);
  const manual = (-Math.log(ac / (a + ac + ad)) - Math.log(bd / (a + bc + bd)) - Math.log(ac / (ac + bc + cd)) - Math.log(bd / (ad + bd + cd))) / 4;
  assert.ok(Math.abs(expected - manual) < 1e-12, `${expected} vs ${manual}`);
  const loss = ntXentLoss(tf.tensor2d(z1), tf.tensor2d(z2), tau);
  assert.ok(Math.abs(loss.dataSync()[0]! - manual) < 1e-5, `${loss.dataSync()[0]} vs ${manual}`);
  // Swapping the views leaves it unchanged (symmetric in the pair), swapping the pairing does not.
  assert.ok(Math.abs(ntXentLoss(tf.tensor2d(z2), tf.tensor2d(z1), tau).dataSync()[0]! - manual) < 1e-5);
  assert.ok(Math.abs(ntXentLoss(tf.tensor2d(z1), tf.tensor2d([z2[1]!, z2[0]!]), tau).dataSync()[0]! - manual) > 0.1);
});

test('NT-Xent refuses a bad temperature, mismatched views and a batch of one', () => {
  assert.throws(() => ntXentLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1, 0], [0, 1]]), 0), /temperature must be > 0/);
  assert.throws(() => ntXentLoss(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1, 0]]), 0.5), /same shape/);
  assert.throws(() => ntXentLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]]), 0.5), /at least 2/);
});
