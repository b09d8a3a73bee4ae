// SimCLR pretraining and its encoder cache on real (synthetic) PNGs and real tfjs.
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { batchOrder, compareBatchOrder, type BatchProgress } from '../../src/core/result.ts';
import { createRng } from '../../src/core/rng.ts';
import { simclrViews } from '../../src/data/index.ts';
import { LeanAdamOptimizer } from '../../src/training/adam.ts';
import { encoderKey, obtainEncoder } from '../../src/training/encoder-cache.ts';
import { prepareTrial } from '../../src/training/prepare.ts';
import { buildEncoder } from '../../src/training/simclr.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

/**
 * Counts Adam steps while `run` runs: `lean` through skewer's LeanAdamOptimizer, `tfjs` through
 * tfjs' own AdamOptimizer.applyGradients (which the lean one overrides and never calls).
 */
async function countAdamSteps<T>(run: () => Promise<T>): Promise<{ value: T; lean: number; tfjs: number }> {
  const counts = { lean: 0, tfjs: 0 };
  const leanApply = LeanAdamOptimizer.prototype.applyGradients;
  const tfjsApply = tf.AdamOptimizer.prototype.applyGradients;
  LeanAdamOptimizer.prototype.applyGradients = function (this: LeanAdamOptimizer, ...args) {
    counts.lean++;
    return leanApply.apply(this, args);
  };
  tf.AdamOptimizer.prototype.applyGradients = function (this: tf.AdamOptimizer, ...args) {
    counts.tfjs++;
    return tfjsApply.apply(this, args);
  };
  try {
    return { value: await run(), ...counts };
  } finally {
    LeanAdamOptimizer.prototype.applyGradients = leanApply;
    tf.AdamOptimizer.prototype.applyGradients = tfjsApply;
  }
}

test('SimCLR views: two different seeded views, in [0, 1], the same for the same seed', () => {
  const n = 8;
  const pixels = Float32Array.from({ length: 2 * n * n * 3 }, (_, i) => (i % 7) / 7);
  const batch = { pixels, batch: 2, height: n, width: n };
  const settings = { cropMinArea: 0.85, colorJitter: 0.4 };
  const [a, b] = simclrViews(batch, createRng(1), settings);
  const [a2] = simclrViews(batch, createRng(1), settings);
  assert.deepEqual(a, a2);
  assert.notDeepEqual(a, b);
  assert.ok([...a, ...b].every((v) => v >= 0 && v <= 1));
  // Without crop and jitter a view is one of the eight symmetries: the same multiset of pixel values.
  const [plain] = simclrViews({ ...batch, batch: 1, pixels: pixels.subarray(0, n * n * 3) }, createRng(2), { cropMinArea: 1, colorJitter: 0 });
  assert.deepEqual([...plain].sort(), [...pixels.subarray(0, n * n * 3)].sort());
  assert.throws(() => simclrViews(batch, createRng(1), { cropMinArea: 0.2, colorJitter: 0 }), /cropMinArea/);
});

test('SimCLR pretrains once per key: the second obtainEncoder reads it from disk, and the encoder loads into the backbone', async () => {
  const spec = tinySpec(await tinyDataset(), { pretraining: { method: 'simclr', epochs: 2, batchSize: 8, projectionDim: 8 } });
  const trial = await prepareTrial(spec);
  const settings = spec.pretraining.method === 'simclr' ? spec.pretraining : assert.fail('simclr expected');
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'skewer-encoders-'));
  const epochs: number[] = [];
  const steps = await countAdamSteps(() => obtainEncoder(trial, settings, { cacheDir, onEpoch: (p) => epochs.push(p.epoch) }));
  const first = steps.value;
  assert.equal(first.source, 'pretrained');
  // Pretraining steps through skewer's lean Adam (issue 12), never tfjs' own.
  assert.ok(steps.lean > 0 && steps.tfjs === 0, `lean Adam steps ${steps.lean}, tfjs Adam steps ${steps.tfjs}`);
  assert.deepEqual(epochs, [0, 1]);
  assert.ok(first.losses!.every(Number.isFinite));
  const second = await obtainEncoder(trial, settings, { cacheDir, onEpoch: (p) => epochs.push(p.epoch) });
  assert.equal(second.source, 'disk');
  assert.equal(second.key, first.key);
  assert.deepEqual(epochs, [0, 1], 'the second call did not pretrain');
  assert.deepEqual((await readdir(cacheDir)).sort(), [first.key]);
  // Another pretraining setting is another key.
  assert.notEqual(encoderKey(trial, { ...settings, temperature: 0.1 }), first.key);
  // The supervised model starts from the pretrained encoder, not from its own seed's init.
  const fresh = await buildEncoder(trial, 99);
  const loaded = await buildEncoder(trial, 99, first.path);
  const differs = fresh.encoder.weights.some((w, i) => tf.tidy(() => tf.any(tf.notEqual(w.read(), loaded.encoder.weights[i]!.read())).dataSync()[0] === 1));
  assert.ok(differs);
  fresh.dispose();
  loaded.dispose();
});

test('runTrial with simclr: pretrain progress first, the second trial with the same key does not pretrain', async () => {
  const { runTrial } = await import('../../src/training/run-trial.ts');
  const spec = tinySpec(await tinyDataset(), { pretraining: { method: 'simclr', epochs: 1, batchSize: 8, projectionDim: 8 }, classifierRetrain: { epochs: 1 } });
  const encoderCacheDir = await mkdtemp(path.join(tmpdir(), 'skewer-encoders-'));
  const phases: Array<string | undefined> = [];
  const batches: BatchProgress[] = [];
  const steps = await countAdamSteps(() => runTrial(spec, { encoderCacheDir, onProgress: (p) => phases.push(p.phase), onBatch: (b) => batches.push(b) }));
  // Batch progress covers every stage, in the order they run: pretraining, then per fold its epochs and its cRT.
  const stages = [...new Set(batches.map((b) => `${b.stage ?? 'train'}@${b.stage === 'pretrain' ? '-' : b.fold}`))];
  assert.deepEqual(stages, ['pretrain@-', 'train@0', 'crt@0', 'train@1', 'crt@1'], JSON.stringify(batches));
  for (let i = 1; i < batches.length; i++) assert.ok(compareBatchOrder(batchOrder(batches[i - 1]!), batchOrder(batches[i]!)) < 0, JSON.stringify(batches.slice(i - 1, i + 1)));
  const pretrain = batches.find((b) => b.stage === 'pretrain')!;
  assert.deepEqual({ fold: pretrain.fold, folds: pretrain.folds, epochs: pretrain.epochs, batch: pretrain.batch }, { fold: 0, folds: 1, epochs: 1, batch: 1 });
  assert.ok(pretrain.batches >= 2 && batches.filter((b) => b.stage === 'pretrain').every((b) => b.batch < b.batches));
  assert.ok(batches.filter((b) => b.stage === 'crt').every((b) => b.epochs === 1 && b.folds === spec.folds));
  const first = steps.value;
  assert.equal(first.pretraining?.source, 'pretrained');
  // Pretraining, the linear evaluation's heads and the supervised folds all step the lean Adam.
  assert.ok(steps.lean > 0 && steps.tfjs === 0, `lean Adam steps ${steps.lean}, tfjs Adam steps ${steps.tfjs}`);
  const linear = first.pretraining?.linearEvaluation;
  assert.ok(linear && linear.balancedAccuracy.n === spec.folds && linear.balancedAccuracy.mean >= 0 && linear.balancedAccuracy.mean <= 1, JSON.stringify(linear));
  assert.deepEqual(phases.slice(0, 1), ['pretrain']);
  assert.ok(phases.slice(1).length === spec.folds * spec.epochs && phases.slice(1).every((p) => p === undefined));
  phases.length = 0;
  // Another supervised recipe, the same encoder key.
  const second = await runTrial({ ...spec, learningRate: 0.001 }, { encoderCacheDir, onProgress: (p) => phases.push(p.phase) });
  assert.equal(second.pretraining?.source, 'disk');
  assert.equal(second.pretraining?.key, first.pretraining?.key);
  assert.ok(!phases.includes('pretrain'), 'no pretrain progress on the second trial');
});
