import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../src/core/rng.ts';
import { classWeights, jensenShannon, logitAdjustment, resolveMinorityWeight, trainingLoss, type LossSettings } from '../../src/training/losses.ts';

const close = (actual: number, expected: number, tolerance = 1e-5) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${expected}, got ${actual}`);

// Classes in name order; the minority is 'defect' wherever it sits.
const classNames = ['defect', 'ok'];
const settings = (overrides: Partial<LossSettings> = {}): LossSettings => ({
  kind: 'ce',
  classWeights: [1, 1],
  focalGamma: 2,
  augmixJsdWeight: 12,
  ...overrides,
});

before(async () => {
  await tf.setBackend('cpu');
});

/** Gradient of the loss with respect to the logits of one sample. */
function logitGradient(lossSettings: LossSettings, logits: number[], label: number[]): number[] {
  return tf.tidy(() => {
    const grad = tf.grad((z: tf.Tensor) => trainingLoss(lossSettings, z as tf.Tensor2D, tf.tensor2d([label])))(tf.tensor2d([logits]));
    return Array.from(grad.dataSync());
  });
}

const norm = (v: number[]) => Math.hypot(...v);

test('class weights are built by name and auto is the majority/minority count ratio', () => {
  assert.deepEqual(classWeights(['defect', 'ok'], 'defect', 4), [4, 1]);
  assert.deepEqual(classWeights(['good', 'scratched'], 'scratched', 4), [1, 4]);
  close(resolveMinorityWeight('auto', { defect: 40, ok: 360 }, 'defect', 'ok'), 9);
  assert.equal(resolveMinorityWeight(3, { defect: 40, ok: 360 }, 'defect', 'ok'), 3);
});

test('cross-entropy: minorityWeight > 1 multiplies the gradient on a minority sample, not on a majority one', () => {
  const weighted = settings({ classWeights: classWeights(classNames, 'defect', 4) });
  const minoritySample = [[0.2, 0.9], [1, 0]] as const;
  const ratio = norm(logitGradient(weighted, [...minoritySample[0]], [...minoritySample[1]])) / norm(logitGradient(settings(), [...minoritySample[0]], [...minoritySample[1]]));
  close(ratio, 4);
  const majority = logitGradient(weighted, [0.2, 0.9], [0, 1]);
  const plain = logitGradient(settings(), [0.2, 0.9], [0, 1]);
  majority.forEach((g, i) => close(g, plain[i]!));
  // Plain cross-entropy of one sample: -log softmax.
  const loss = trainingLoss(settings(), tf.tensor2d([[0.2, 0.9]]), tf.tensor2d([[1, 0]])).dataSync()[0]!;
  close(loss, -Math.log(Math.exp(0.2) / (Math.exp(0.2) + Math.exp(0.9))));
});

test('soft labels (CutMix / MixUp) give the label-weighted mix of the one-hot losses', () => {
  const weighted = settings({ classWeights: [3, 1] });
  const logits = tf.tensor2d([[0.5, -0.4]]);
  const soft = trainingLoss(weighted, logits, tf.tensor2d([[0.3, 0.7]])).dataSync()[0]!;
  const a = trainingLoss(weighted, logits, tf.tensor2d([[1, 0]])).dataSync()[0]!;
  const b = trainingLoss(weighted, logits, tf.tensor2d([[0, 1]])).dataSync()[0]!;
  close(soft, 0.3 * a + 0.7 * b);
});

test('focal loss: gamma 0 is cross-entropy, easy samples are down-weighted, class weights apply', () => {
  const logits = tf.tensor2d([[3, -3], [0.1, 0]]);
  const labels = tf.tensor2d([[1, 0], [1, 0]]);
  close(trainingLoss(settings({ kind: 'focal', focalGamma: 0 }), logits, labels).dataSync()[0]!, trainingLoss(settings(), logits, labels).dataSync()[0]!);
  const p = 1 / (1 + Math.exp(-6));
  const q = 1 / (1 + Math.exp(-0.1));
  const expected = (-((1 - p) ** 2) * Math.log(p) - (1 - q) ** 2 * Math.log(q)) / 2;
  close(trainingLoss(settings({ kind: 'focal', focalGamma: 2 }), logits, labels).dataSync()[0]!, expected);
  const ratio =
    norm(logitGradient(settings({ kind: 'focal', classWeights: [5, 1] }), [0.1, 0], [1, 0])) /
    norm(logitGradient(settings({ kind: 'focal' }), [0.1, 0], [1, 0]));
  close(ratio, 5);
});

test('logit adjustment adds tau * log(prior) and so pushes harder on the minority', () => {
  const adjustment = logitAdjustment(classNames, { defect: 10, ok: 90 }, 1);
  close(adjustment[0]!, Math.log(0.1));
  close(adjustment[1]!, Math.log(0.9));
  const adjusted = settings({ kind: 'logit-adjusted', logitAdjustment: adjustment });
  const loss = trainingLoss(adjusted, tf.tensor2d([[0.2, 0.1]]), tf.tensor2d([[1, 0]])).dataSync()[0]!;
  const z0 = 0.2 + Math.log(0.1);
  const z1 = 0.1 + Math.log(0.9);
  close(loss, -(z0 - Math.log(Math.exp(z0) + Math.exp(z1))));
  assert.ok(norm(logitGradient(adjusted, [0.2, 0.1], [1, 0])) > norm(logitGradient(settings(), [0.2, 0.1], [1, 0])));
  assert.ok(norm(logitGradient(adjusted, [0.2, 0.1], [0, 1])) < norm(logitGradient(settings(), [0.2, 0.1], [0, 1])));
});

test('the AugMix Jensen-Shannon term is 0 for identical views and matches the hand value otherwise', () => {
  const a = tf.tensor2d([[0.3, -0.2]]);
  close(jensenShannon([a, a, a]).dataSync()[0]!, 0);
  const probs = [[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]];
  const logits = probs.map((p) => tf.tensor2d([p.map(Math.log)]));
  const m = [0, 1].map((c) => probs.reduce((s, p) => s + p[c]!, 0) / 3);
  const kl = (p: number[]) => p.reduce((s, pc, c) => s + pc * Math.log(pc / m[c]!), 0);
  close(jensenShannon(logits).dataSync()[0]!, probs.reduce((s, p) => s + kl(p), 0) / 3);
  const withViews = trainingLoss(settings({ augmixJsdWeight: 12 }), logits[0]!, tf.tensor2d([[1, 0]]), [logits[1]!, logits[2]!]).dataSync()[0]!;
  close(withViews, -Math.log(0.5) + (12 * probs.reduce((s, p) => s + kl(p), 0)) / 3);
});

test('trained with minorityWeight > 1, a classifier predicts the minority more often than with 1', () => {
  // Overlapping 2-D Gaussians, 9:1, a linear classifier trained to convergence by full-batch Adam.
  const rng = createRng(5);
  const points: number[][] = [];
  const labels: number[][] = [];
  for (let i = 0; i < 400; i++) {
    const minority = i % 10 === 0;
    points.push([rng.normal() + (minority ? 1 : 0), rng.normal() + (minority ? 1 : 0)]);
    labels.push(minority ? [1, 0] : [0, 1]);
  }
  const predictedMinorityRate = (minorityWeight: number): number => {
    const weights = tf.variable(tf.zeros([2, 2]));
    const bias = tf.variable(tf.zeros([2]));
    const optimizer = tf.train.adam(0.05);
    const x = tf.tensor2d(points);
    const y = tf.tensor2d(labels);
    const lossSettings = settings({ classWeights: classWeights(classNames, 'defect', minorityWeight) });
    for (let step = 0; step < 300; step++) {
      optimizer.minimize(() => trainingLoss(lossSettings, tf.add(tf.matMul(x, weights), bias) as tf.Tensor2D, y), false, [weights, bias]);
    }
    const predicted = tf.tidy(() => tf.argMax(tf.add(tf.matMul(x, weights), bias), 1).dataSync());
    tf.dispose([weights, bias, x, y]);
    optimizer.dispose();
    return Array.from(predicted).filter((c) => c === 0).length / points.length;
  };
  const plain = predictedMinorityRate(1);
  const weighted = predictedMinorityRate(9);
  assert.ok(weighted > plain + 0.1, `minority rate ${weighted} with weight 9 vs ${plain} with 1`);
});
