/**
 * One training step of a classifier, as the gradient checks and the training benchmark need it:
 * mean categorical cross-entropy of the model's softmax output, gradients for every trainable
 * weight, optionally applied by an optimizer. Everything intermediate is freed.
 */
import * as tf from '@tensorflow/tfjs';

export interface StepOptions {
  /** `training` flag of the forward pass: batch norm on batch statistics, dropout on. */
  training: boolean;
}

const EPSILON = 1e-7;

/** Mean cross-entropy of softmax `probabilities` against one-hot `labels`. */
export function crossEntropy(probabilities: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.add(probabilities, EPSILON))), -1))) as tf.Scalar);
}

/**
 * Loss and gradients (by weight name, in `model.trainableWeights` order) of one batch. The caller
 * owns the returned tensors.
 */
export function stepGradients(model: tf.LayersModel, images: tf.Tensor, labels: tf.Tensor, options: StepOptions): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(images, { training: options.training }) as tf.Tensor, labels), variables);
  const byWeight = new Map<string, tf.Tensor>();
  model.trainableWeights.forEach((weight, i) => {
    const grad = grads[variables[i]!.name];
    if (!grad) throw new Error(`no gradient for weight ${weight.name}`);
    byWeight.set(weight.name, grad);
  });
  return { loss: value, grads: byWeight };
}

/** One optimizer step; returns the loss value. */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, images: tf.Tensor, labels: tf.Tensor): number {
  const loss = optimizer.minimize(() => crossEntropy(model.apply(images, { training: true }) as tf.Tensor, labels), true);
  if (!loss) throw new Error('optimizer.minimize returned no loss');
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
}

/** One optimizer step, reading the loss asynchronously (webgpu in Node cannot read synchronously). */
export async function trainStepAsync(model: tf.LayersModel, optimizer: tf.Optimizer, images: tf.Tensor, labels: tf.Tensor): Promise<number> {
  const loss = optimizer.minimize(() => crossEntropy(model.apply(images, { training: true }) as tf.Tensor, labels), true);
  if (!loss) throw new Error('optimizer.minimize returned no loss');
  try {
    return (await loss.data())[0]!;
  } finally {
    loss.dispose();
  }
}
