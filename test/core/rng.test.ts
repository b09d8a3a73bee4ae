import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/core/rng.ts';

test('the same seed gives the same stream; another seed another', () => {
  const a = createRng(7);
  const b = createRng(7);
  const c = createRng(8);
  const sa = Array.from({ length: 20 }, () => a.next());
  const sb = Array.from({ length: 20 }, () => b.next());
  const sc = Array.from({ length: 20 }, () => c.next());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.ok(sa.every((x) => x >= 0 && x < 1));
});

test('string seeds are stable and forks are independent of the parent position', () => {
  const parent = createRng('study-1');
  const f1 = parent.fork('fold-0').next();
  parent.next();
  const f2 = parent.fork('fold-0').next();
  assert.equal(f1, f2);
  assert.notEqual(parent.fork('fold-1').next(), f1);
});

test('int covers its inclusive range uniformly enough', () => {
  const rng = createRng(1);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[rng.int(0, 3)]!++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 600, `count ${c}`);
  assert.throws(() => rng.int(3, 1), /low <= high/);
});

test('normal has mean 0 and variance 1; beta(a, a) has mean 1/2', () => {
  const rng = createRng(3);
  const n = 50_000;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.normal();
    sum += x;
    sq += x * x;
  }
  assert.ok(Math.abs(sum / n) < 0.02);
  assert.ok(Math.abs(sq / n - 1) < 0.03);
  let bsum = 0;
  for (let i = 0; i < 10_000; i++) bsum += rng.beta(0.4, 0.4);
  assert.ok(Math.abs(bsum / 10_000 - 0.5) < 0.02);
});

test('shuffle is a permutation and does not touch its input', () => {
  const input = Array.from({ length: 50 }, (_, i) => i);
  const out = createRng(5).shuffle(input);
  assert.deepEqual([...out].sort((x, y) => x - y), input);
  assert.notDeepEqual(out, input);
  assert.equal(input[0], 0);
});
