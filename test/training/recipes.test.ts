// The long-tail recipe dimensions on the training side: loss values on known inputs, the
// effective-number and label-smoothing arithmetic, the head constraints, the DRW/DRS schedule and
// the spec fields (defaults, errors with the field path, search parameters).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { parseTrialSpec, specFromParams } from '../../src/config/trial.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { applyDecoupledWeightDecay, applyHeadMaxNorm, applyHeadTauNorm } from '../../src/training/head.ts';
import { effectiveNumberWeight, logitAdjustment, resolveMinorityWeight, smoothLabels, trainingLoss } from '../../src/training/losses.ts';
import { epochRecipe } from '../../src/training/prepare.ts';

const close = (actual: number, expected: number, tolerance = 1e-5) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);
const base = { dataset: { path: '/data' } };

before(async () => {
  await tf.setBackend('cpu');
});

test('logit-adjusted with tau 1 is Balanced Softmax: -log(n_y e^z_y / sum n_c e^z_c), checked by hand', () => {
  // Counts 10 (defect) : 90 (ok), logits [2, 1], label defect.
  const adjustment = logitAdjustment(['defect', 'ok'], { defect: 10, ok: 90 }, 1);
  const loss = tf.tidy(() =>
    trainingLoss({ kind: 'logit-adjusted', classWeights: [1, 1], focalGamma: 0, augmixJsdWeight: 0, logitAdjustment: adjustment }, tf.tensor2d([[2, 1]]), tf.tensor2d([[1, 0]])).dataSync()[0]!,
  );
  const byHand = -Math.log((10 * Math.exp(2)) / (10 * Math.exp(2) + 90 * Math.exp(1)));
  close(loss, byHand);
  // tau 0.5: logits + 0.5 log(prior).
  const half = logitAdjustment(['defect', 'ok'], { defect: 10, ok: 90 }, 0.5);
  const z = [2 + 0.5 * Math.log(0.1), 1 + 0.5 * Math.log(0.9)];
  close(half[0]!, 0.5 * Math.log(0.1));
  const halfLoss = tf.tidy(() => trainingLoss({ kind: 'logit-adjusted', classWeights: [1, 1], focalGamma: 0, augmixJsdWeight: 0, logitAdjustment: half }, tf.tensor2d([[2, 1]]), tf.tensor2d([[1, 0]])).dataSync()[0]!);
  close(halfLoss, -(z[0]! - Math.log(Math.exp(z[0]!) + Math.exp(z[1]!))));
});

test('label smoothing trains on y(1 - e) + e/K, and the loss is cross-entropy against those targets', () => {
  const targets = tf.tidy(() => Array.from(smoothLabels(tf.tensor2d([[1, 0, 0], [0.25, 0.75, 0]]), 0.3).dataSync()));
  const expected = [0.8, 0.1, 0.1, 0.275, 0.625, 0.1];
  targets.forEach((t, i) => close(t, expected[i]!));
  const loss = tf.tidy(() => trainingLoss({ kind: 'ce', classWeights: [1, 1], focalGamma: 0, augmixJsdWeight: 0, labelSmoothing: 0.2 }, tf.tensor2d([[0, Math.log(3)]]), tf.tensor2d([[1, 0]])).dataSync()[0]!);
  // p = [1/4, 3/4]; targets [0.9, 0.1].
  close(loss, -(0.9 * Math.log(0.25) + 0.1 * Math.log(0.75)));
});

test('effective-number weights are (1 - beta)/(1 - beta^n) and minorityWeight is their minority/majority ratio', () => {
  close(effectiveNumberWeight(0.9, 1), 1);
  close(effectiveNumberWeight(0.9, 2), 0.1 / 0.19);
  const ratio = resolveMinorityWeight({ effectiveNumber: 0.99 }, { defect: 10, ok: 100 }, 'defect', 'ok');
  close(ratio, (1 - 0.99 ** 100) / (1 - 0.99 ** 10));
  // beta -> 1 approaches the count ratio, small beta approaches equal weights.
  assert.ok(resolveMinorityWeight({ effectiveNumber: 0.9999 }, { defect: 10, ok: 100 }, 'defect', 'ok') > 9);
  close(resolveMinorityWeight({ effectiveNumber: 0.01 }, { defect: 10, ok: 100 }, 'defect', 'ok'), 1);
  assert.throws(() => parseTrialSpec({ ...base, minorityWeight: { effectiveNumber: 1 } }), /minorityWeight/);
});

test('decoupled weight decay shrinks kernels by 1 - lr*wd and leaves biases; max-norm and tau-norm act per class column', () => {
  const kernel = tf.variable(tf.tensor2d([[3, 0.3], [4, 0.4]]));
  const bias = tf.variable(tf.tensor1d([1, 2]));
  applyDecoupledWeightDecay([kernel, bias], 0.1, 0.5);
  assert.deepEqual(Array.from(kernel.dataSync()).map((v) => +v.toFixed(5)), [2.85, 0.285, 3.8, 0.38]);
  assert.deepEqual(Array.from(bias.dataSync()), [1, 2]);
  kernel.assign(tf.tensor2d([[3, 0.3], [4, 0.4]]));
  applyHeadMaxNorm(kernel, 1);
  // Column 0 has norm 5 -> scaled to 1; column 1 has norm 0.5 -> unchanged.
  Array.from(kernel.dataSync()).forEach((v, i) => close(v, [0.6, 0.3, 0.8, 0.4][i]!));
  kernel.assign(tf.tensor2d([[3, 0.3], [4, 0.4]]));
  applyHeadTauNorm(kernel, 1);
  Array.from(kernel.dataSync()).forEach((v, i) => close(v, [0.6, 0.6, 0.8, 0.8][i]!));
  kernel.assign(tf.tensor2d([[3, 0.3], [4, 0.4]]));
  applyHeadTauNorm(kernel, 0.5);
  Array.from(kernel.dataSync()).forEach((v, i) => close(v, [3 / Math.sqrt(5), 0.3 / Math.sqrt(0.5), 4 / Math.sqrt(5), 0.4 / Math.sqrt(0.5)][i]!));
  tf.dispose([kernel, bias]);
});

test('rebalanceFrom: epochs before round(fraction x epochs) train natural and unweighted, the rest with the spec sampling and weights', () => {
  const spec = { rebalanceFrom: 0.6, sampling: 'oversample' as const };
  const recipes = Array.from({ length: 5 }, (_, epoch) => epochRecipe(spec, epoch, 5));
  assert.deepEqual(recipes.map((r) => r.sampling), ['none', 'none', 'none', 'oversample', 'oversample']);
  assert.deepEqual(recipes.map((r) => r.reweighted), [false, false, false, true, true]);
  assert.deepEqual(epochRecipe({ rebalanceFrom: null, sampling: 'balanced-batch' }, 0, 5), { sampling: 'balanced-batch', reweighted: true });
  // The final model trains its own number of epochs: the switch follows it.
  assert.equal(epochRecipe(spec, 5, 10).sampling, 'none');
  assert.equal(epochRecipe(spec, 6, 10).sampling, 'oversample');
});

test('new spec fields default to off, so an old spec parses to the same recipe; bad values name their path', () => {
  const spec = parseTrialSpec(base);
  assert.equal(spec.weightDecay, 0);
  assert.equal(spec.headMaxNorm, null);
  assert.equal(spec.headTauNorm, 0);
  assert.equal(spec.labelSmoothing, 0);
  assert.equal(spec.rebalanceFrom, null);
  assert.equal(spec.classifierRetrain, null);
  assert.equal(spec.minorityWeight, 1);
  assert.throws(() => parseTrialSpec({ ...base, labelSmoothing: 1 }), /labelSmoothing/);
  assert.throws(() => parseTrialSpec({ ...base, samplingQ: 1.5 }), /samplingQ/);
  assert.throws(() => parseTrialSpec({ ...base, classifierRetrain: { epochs: 2 }, earlyStopping: { patience: 2 } }), /classifierRetrain: cannot be combined with earlyStopping/);
  assert.throws(() => parseTrialSpec({ ...base, augmentationOptions: { remixTau: 2 } }), /augmentationOptions\.remixTau/);
});

test('search parameters map onto the new fields', () => {
  const spec = specFromParams(base, {
    weightDecay: 1e-4, headMaxNorm: 2, headTauNorm: 1, labelSmoothing: 0.1, rebalanceFrom: 0.5, sampling: 'class-power', samplingQ: 0.5,
    effectiveNumberBeta: 0.999, classifierRetrainEpochs: 3, remixKappa: 3, remixTau: 0.5, cutpasteMaxArea: 0.05, augmentation: 'mixup+cutpaste',
  });
  assert.deepEqual(spec.minorityWeight, { effectiveNumber: 0.999 });
  assert.deepEqual(spec.classifierRetrain, { epochs: 3 });
  assert.deepEqual(spec.augmentations, ['mixup', 'cutpaste']);
  assert.deepEqual(spec.augmentationOptions, { remixKappa: 3, remixTau: 0.5, cutpasteMaxArea: 0.05 });
  assert.equal(spec.samplingQ, 0.5);
  assert.equal(spec.weightDecay, 1e-4);
  assert.equal(specFromParams(base, { rebalanceFrom: 'none', headMaxNorm: 'none', classifierRetrainEpochs: 0 }).rebalanceFrom, null);
  assert.equal(specFromParams(base, { classifierRetrainEpochs: 0 }).classifierRetrain, null);
  assert.throws(() => specFromParams(base, { weightDecay: -1 }), (error: unknown) => error instanceof ConfigError && /weightDecay/.test(error.message));
});
