// One memory estimate: the table the coordinator routes by agrees with the built models, so routing,
// `skewer models` and `skewer train` give the same figure for a recipe (they differed 10-14x).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BACKBONE_COSTS, STEP_MEMORY_BAND } from '../../src/core/step-memory.ts';
import { estimateResources } from '../../src/coordinator/index.ts';
import { parseTrialSpec } from '../../src/config/trial.ts';
import { BACKBONES, backboneInfo } from '../../src/models/backbones/index.ts';
import { estimateTrainingMemory, selectBackend } from '../../src/models/index.ts';
import { LeanAdamOptimizer } from '../../src/training/adam.ts';
import { createOptimizer } from '../../src/training/fit.ts';

test('the routing table holds each backbone\'s real parameter count and activation size', () => {
  for (const name of BACKBONES) {
    const cost = BACKBONE_COSTS[name]!;
    assert.equal(cost.params, backboneInfo(name, 224).paramsWithoutTop, `${name} parameters`);
    for (const resolution of [64, 224]) {
      const real = backboneInfo(name, resolution).activationValuesPerImage;
      const table = cost.activationValuesPerPixel * resolution * resolution;
      assert.ok(Math.abs(table / real - 1) < 0.05, `${name} at ${resolution} px: table ${table}, built ${real}`);
    }
  }
});

test('routing, models and train give one figure per recipe (within 5%)', () => {
  for (const [backbone, resolution, batchSize] of [['small-cnn', 64, 16], ['mobilenetv2', 224, 8], ['densenet121', 224, 16], ['efficientnetb3', 300, 8]] as const) {
    const spec = parseTrialSpec({ dataset: { path: '/data' }, backbone, resolution, batchSize });
    const routed = estimateResources({ kind: 'training', spec }).memoryBytes;
    const trained = estimateTrainingMemory(backbone, { resolution, batchSize }).bytes;
    assert.ok(Math.abs(routed / trained - 1) < 0.05, `${backbone} ${resolution} px batch ${batchSize}: routing ${routed}, train ${trained}`);
  }
});

test('the peak estimate stays within its band of measured steps of the Adam training uses (wasm)', async () => {
  const { buildModel } = await import('../../src/models/backbones/index.ts');
  await selectBackend('wasm');
  // small-cnn 32 px batch 1: the per-step constant matters; 64 px batch 4: activations dominate;
  // mobilenetv2 32 px batch 2: weights, gradients and moments dominate.
  for (const [backbone, resolution, batchSize] of [['small-cnn', 32, 1], ['small-cnn', 64, 4], ['mobilenetv2', 32, 2]] as const) {
    const baseline = tf.memory().numBytes;
    const model = await buildModel(backbone, { resolution, numClasses: 2, seed: 1 });
    const optimizer = createOptimizer('adam', 1e-3);
    assert.ok(optimizer instanceof LeanAdamOptimizer, 'training uses the lean Adam');
    const images = tf.randomUniform([batchSize, resolution, resolution, 3], 0, 1, 'float32', 1);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % 2), 'int32'), 2);
    const step = () => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor) as tf.Scalar);
    };
    const estimate = estimateTrainingMemory(backbone, { resolution, batchSize });
    const modelled = estimate.bytes - estimate.parts.workspace;
    step(); // Adam's moments exist from the first step on: measure a steady one, as bench:memory does
    const profile = await tf.profile(step);
    const measured = profile.peakBytes - baseline - (images.size + labels.size) * 4;
    const ratio = modelled / measured;
    assert.ok(ratio >= STEP_MEMORY_BAND.low && ratio <= STEP_MEMORY_BAND.high, `${backbone} ${resolution} px batch ${batchSize}: modelled ${modelled} vs measured ${measured} (${ratio.toFixed(3)}x)`);
    tf.dispose([images, labels]);
    optimizer.dispose();
    model.dispose();
  }
});
