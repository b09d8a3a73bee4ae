/**
 * Weight constraints applied outside the gradient, after each optimizer step or once after
 * training:
 * - decoupled weight decay (Loshchilov & Hutter's AdamW): every kernel (rank >= 2; biases and
 *   batch-norm scales are left alone) is multiplied by 1 - learningRate * weightDecay after the
 *   step, so the decay does not pass through Adam's per-weight scaling;
 * - max-norm of the head: each class's weight vector (a kernel column) is scaled down to norm
 *   `maxNorm` when it is longer;
 * - tau-normalisation (Kang et al. 2020): each class's weight vector w_c becomes w_c / ||w_c||^tau,
 *   so a head that grew long vectors for the frequent class is evened out; the bias is unchanged.
 */
import * as tf from '@tensorflow/tfjs';

/** Kernels *= 1 - learningRate * weightDecay (no-op at 0). */
export function applyDecoupledWeightDecay(variables: readonly tf.Variable[], learningRate: number, weightDecay: number): void {
  if (weightDecay === 0) return;
  const factor = 1 - learningRate * weightDecay;
  for (const variable of variables) {
    if (variable.rank < 2) continue;
    tf.tidy(() => variable.assign(tf.mul(variable, factor)));
  }
}

/** L2 norm of each column of a [features, classes] kernel, shape [1, classes]. */
function columnNorms(kernel: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.sum(tf.square(kernel), 0, true));
}

/** Scales each class column of `kernel` down to norm `maxNorm` when longer. */
export function applyHeadMaxNorm(kernel: tf.Variable, maxNorm: number): void {
  tf.tidy(() => {
    const norms = columnNorms(kernel);
    const scale = tf.minimum(1, tf.div(maxNorm, tf.maximum(norms, 1e-12)));
    kernel.assign(tf.mul(kernel, scale));
  });
}

/** w_c / ||w_c||^tau for every class column of `kernel` (no-op at tau 0). */
export function applyHeadTauNorm(kernel: tf.Variable, tau: number): void {
  if (tau === 0) return;
  tf.tidy(() => {
    const norms = tf.maximum(columnNorms(kernel), 1e-12);
    kernel.assign(tf.div(kernel, tf.pow(norms, tau)));
  });
}

export interface StepConstraints {
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly headMaxNorm: number | null;
}

/** What runs after every optimizer step: the decay on the trained variables, then the head's max-norm. */
export function afterStep(variables: readonly tf.Variable[], kernel: tf.Variable, constraints: StepConstraints): void {
  applyDecoupledWeightDecay(variables, constraints.learningRate, constraints.weightDecay);
  if (constraints.headMaxNorm !== null) applyHeadMaxNorm(kernel, constraints.headMaxNorm);
}
