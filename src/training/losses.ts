/**
 * Training losses over logits and soft labels (one-hot, or mixed by CutMix / MixUp), with class
 * weights built by class NAME: the minority class gets `minorityWeight`, every other class 1, so
 * `minorityWeight` > 1 magnifies the rare class.
 *
 * - `ce`: weighted cross-entropy.
 * - `focal`: weighted focal loss, -w_c y_c (1 - p_c)^gamma log p_c (Lin et al. 2017).
 * - `logit-adjusted`: cross-entropy on logits + tau * log(prior) (Menon et al. 2021); the
 *   adjustment is for training only, the model's own logits are used at inference. tau = 1 is
 *   Balanced Softmax (Ren et al. 2020): softmax over n_c exp(z_c), the constant log(total) cancels.
 * Label smoothing (`labelSmoothing` e) trains on y (1 - e) + e / classes.
 * Plus, when AugMix views are present, the Jensen-Shannon consistency between the predictions on
 * the image and on its two AugMix views (Hendrycks et al. 2020), scaled by `augmixJsdWeight`.
 * Reductions are means over the batch (Keras' sample-weight convention), so a sample's gradient
 * scales with its class weight.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.ts';

export type LossKind = 'ce' | 'focal' | 'logit-adjusted';

export interface LossSettings {
  readonly kind: LossKind;
  /** Per class, in class-name order. */
  readonly classWeights: readonly number[];
  readonly focalGamma: number;
  /** Per class, tau * log(prior), added to the logits in training (logit-adjusted only). */
  readonly logitAdjustment?: readonly number[];
  readonly augmixJsdWeight: number;
  /** Label smoothing e (0 = off). */
  readonly labelSmoothing?: number;
}

const PROBABILITY_FLOOR = 1e-7;

/**
 * `auto` = majority count / minority count; `{ effectiveNumber: beta }` = the ratio of the
 * class-balanced weights (1 - beta) / (1 - beta^n) of Cui et al. 2019, minority over majority,
 * i.e. (1 - beta^n_majority) / (1 - beta^n_minority); a number is taken as it is (the schema keeps it >= 1).
 */
export function resolveMinorityWeight(
  minorityWeight: number | 'auto' | { readonly effectiveNumber: number },
  counts: Readonly<Record<string, number>>,
  minorityClass: string,
  majorityClass: string,
): number {
  if (typeof minorityWeight === 'number') return minorityWeight;
  const minority = counts[minorityClass] ?? 0;
  const majority = counts[majorityClass] ?? 0;
  const rule = minorityWeight === 'auto' ? "'auto'" : 'effectiveNumber';
  if (minority <= 0) throw new UserError(`minorityWeight ${rule} needs minority images, but '${minorityClass}' has none`, { where: 'minorityWeight' });
  if (minorityWeight === 'auto') return Math.max(1, majority / minority);
  return Math.max(1, effectiveNumberWeight(minorityWeight.effectiveNumber, minority) / effectiveNumberWeight(minorityWeight.effectiveNumber, majority));
}

/** Cui et al. 2019's class-balanced weight of a class with `count` images: (1 - beta) / (1 - beta^count). */
export function effectiveNumberWeight(beta: number, count: number): number {
  if (!(beta > 0 && beta < 1)) throw new RangeError(`effective-number beta ${beta} must lie in (0, 1)`);
  return (1 - beta) / (1 - beta ** count);
}

/** Label smoothing of soft labels [B, K]: y (1 - e) + e / K. */
export function smoothLabels(labels: tf.Tensor2D, smoothing: number): tf.Tensor2D {
  if (smoothing === 0) return labels;
  return tf.tidy(() => tf.add(tf.mul(labels, 1 - smoothing), smoothing / labels.shape[1]));
}

/** Class weights in `classNames` order: the minority class `minorityWeight`, the others 1. */
export function classWeights(classNames: readonly string[], minorityClass: string, minorityWeight: number): number[] {
  if (!classNames.includes(minorityClass)) throw new RangeError(`minority class '${minorityClass}' is not among ${classNames.join(', ')}`);
  return classNames.map((name) => (name === minorityClass ? minorityWeight : 1));
}

/** tau * log(prior) per class, from the class counts the model is trained on. */
export function logitAdjustment(classNames: readonly string[], counts: Readonly<Record<string, number>>, tau: number): number[] {
  const total = classNames.reduce((sum, name) => sum + (counts[name] ?? 0), 0);
  return classNames.map((name) => {
    const count = counts[name] ?? 0;
    if (count <= 0) throw new RangeError(`logit adjustment needs images of every class; '${name}' has none`);
    return tau * Math.log(count / total);
  });
}

/** The supervised part of the loss, per sample [B]. */
function supervisedPerSample(settings: LossSettings, logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Tensor1D {
  const adjusted = settings.kind === 'logit-adjusted' && settings.logitAdjustment ? tf.add(logits, tf.tensor1d([...settings.logitAdjustment])) : logits;
  const logProbabilities = tf.logSoftmax(adjusted);
  let perClass: tf.Tensor = tf.neg(tf.mul(smoothLabels(labels, settings.labelSmoothing ?? 0), logProbabilities));
  if (settings.kind === 'focal' && settings.focalGamma > 0) {
    const remaining = tf.clipByValue(tf.sub(1, tf.exp(logProbabilities)), PROBABILITY_FLOOR, 1);
    perClass = tf.mul(perClass, tf.pow(remaining, settings.focalGamma));
  }
  return tf.sum(tf.mul(perClass, tf.tensor1d([...settings.classWeights])), 1);
}

/** Jensen-Shannon divergence among the softmax of several logit tensors, mean over the batch. */
export function jensenShannon(logitSets: readonly tf.Tensor2D[]): tf.Scalar {
  return tf.tidy(() => {
    const logProbabilities = logitSets.map((logits) => tf.logSoftmax(logits));
    const mixture = tf.div(tf.addN(logProbabilities.map((lp) => tf.exp(lp))), logitSets.length);
    const logMixture = tf.log(tf.clipByValue(mixture, PROBABILITY_FLOOR, 1));
    const divergences = logProbabilities.map((lp) => tf.sum(tf.mul(tf.exp(lp), tf.sub(lp, logMixture)), 1));
    return tf.mean(tf.div(tf.addN(divergences), logitSets.length)) as tf.Scalar;
  });
}

/**
 * The scalar training loss. `viewLogits` (the model's logits on the two AugMix views, aligned with
 * `logits`) adds the consistency term.
 */
export function trainingLoss(
  settings: LossSettings,
  logits: tf.Tensor2D,
  labels: tf.Tensor2D,
  viewLogits?: readonly [tf.Tensor2D, tf.Tensor2D],
): tf.Scalar {
  return tf.tidy(() => {
    const supervised = tf.mean(supervisedPerSample(settings, logits, labels)) as tf.Scalar;
    if (!viewLogits || settings.augmixJsdWeight === 0) return supervised;
    return tf.add(supervised, tf.mul(settings.augmixJsdWeight, jensenShannon([logits, ...viewLogits]))) as tf.Scalar;
  });
}
