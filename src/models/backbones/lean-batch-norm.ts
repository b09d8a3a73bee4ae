/**
 * Batch normalisation in training mode that keeps less for the backward pass (issue 15).
 *
 * tfjs-layers normalises a training batch with `tf.moments` and `tf.batchNorm`: every tensor of
 * that chain stays alive until the step's backward pass, two of them (x - mean and its square) the
 * size of the input. Per batch-norm layer that is two activation-sized tensors the gradient never
 * needs. Here the same arithmetic runs inside one `tf.customGrad`: its forward keeps only x, the
 * batch mean and variance and gamma; its backward is the textbook batch-norm gradient
 *
 *   xhat = (x - mean) / sqrt(var + eps),  dbeta = sum(dy),  dgamma = sum(dy * xhat),
 *   dx = gamma / sqrt(var + eps) * (dy - dbeta / n - xhat * dgamma / n)
 *
 * over the n values per channel, computed in a tidy so its temporaries go at once. The moving
 * mean and variance are updated exactly as tfjs-layers does. The layer stays a stock
 * `BatchNormalization` (only this instance's `call` changes), so a saved model loads in plain tfjs.
 * Only the layout every backbone here uses is taken (channels last, with centre and scale);
 * anything else keeps the stock path.
 */
import * as tf from '@tensorflow/tfjs';

interface BatchNormInternals {
  readonly axis: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly epsilon: number;
  readonly momentum: number;
  readonly gamma: tf.LayerVariable | null;
  readonly beta: tf.LayerVariable | null;
  readonly movingMean: tf.LayerVariable;
  readonly movingVariance: tf.LayerVariable;
}

/** Gives a BatchNormalization layer the lean training path (inference and other layouts unchanged). */
export function useLeanBatchNorm(layer: tf.layers.Layer): void {
  if (layer.getClassName() !== 'BatchNormalization') throw new Error(`useLeanBatchNorm: ${layer.name} is a ${layer.getClassName()}`);
  const stock = layer.call.bind(layer);
  const bn = layer as unknown as BatchNormInternals;
  layer.call = (inputs, kwargs) => {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const rank = input.rank;
    const axis = bn.axis >= 0 ? bn.axis : bn.axis + rank;
    if (!kwargs['training'] || axis !== rank - 1 || !bn.center || !bn.scale || !bn.gamma || !bn.beta) return stock(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = leanBatchNormTraining(input, bn.gamma!.read(), bn.beta!.read(), bn.epsilon);
      for (const [variable, value] of [[bn.movingMean, mean], [bn.movingVariance, variance]] as const) {
        // tfjs-layers' doMovingAverage: moving -= (moving - value) * (1 - momentum).
        tf.tidy(() => {
          const current = variable.read();
          variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - bn.momentum)));
        });
      }
      tf.dispose([mean, variance]);
      return y;
    });
  };
}

/**
 * y = gamma * (x - mean) / sqrt(var + eps) + beta over the batch's own statistics (every axis but
 * the last), with the gradient above. Also returns the batch mean and variance (no gradient; the
 * caller disposes them).
 */
export function leanBatchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const n = x.size / x.shape[x.rank - 1]!;
  let stats: [tf.Tensor, tf.Tensor] | undefined;
  const op = tf.customGrad((xs, g, b, save) => {
    const input = xs as tf.Tensor;
    const { mean, variance } = tf.moments(input, axes);
    const y = tf.batchNorm(input, mean, variance, b as tf.Tensor, g as tf.Tensor, epsilon);
    stats = [tf.keep(mean.clone()), tf.keep(variance.clone())];
    (save as tf.GradSaveFunc)([input, mean, variance, g as tf.Tensor]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xSaved, m, v, gSaved] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const invStd = tf.rsqrt(tf.add(v, epsilon));
          const xhat = tf.mul(tf.sub(xSaved, m), invStd);
          const dbeta = tf.sum(dy, axes);
          const dgamma = tf.sum(tf.mul(dy, xhat), axes);
          const centred = tf.sub(tf.sub(dy, tf.div(dbeta, n)), tf.mul(xhat, tf.div(dgamma, n)));
          return [tf.mul(centred, tf.mul(gSaved, invStd)), dgamma, dbeta];
        }),
    };
  });
  const y = op(x, gamma, beta);
  const [mean, variance] = stats!;
  return { y, mean, variance };
}
