/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020, eq. 1):
 * the rows of `z1` and `z2` are the projections of two views of the same N images. After L2
 * normalisation, every one of the 2N rows is a query whose positive is its other view and whose
 * negatives are the other 2N - 2 rows; the loss is the mean over all 2N queries (both directions of
 * every pair, i -> j and j -> i) of -log softmax(sim / tau) at the positive, the query's
 * similarity with itself left out of the softmax.
 */
import * as tf from '@tensorflow/tfjs';

export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`NT-Xent temperature must be > 0, got ${temperature}`);
  const [n, d] = z1.shape;
  if (z2.shape[0] !== n || z2.shape[1] !== d) throw new RangeError(`NT-Xent needs two views of the same shape, got [${z1.shape}] and [${z2.shape}]`);
  if (n < 2) throw new RangeError(`NT-Xent needs at least 2 images per batch (negatives), got ${n}`);
  return tf.tidy(() => {
    const z = tf.concat([z1, z2]);
    const unit = tf.div(z, tf.maximum(tf.norm(z, 'euclidean', 1, true), 1e-12));
    const similarity = tf.div(tf.matMul(unit, unit, false, true), temperature);
    // Self-similarity out of the softmax: a large negative on the diagonal.
    const masked = tf.sub(similarity, tf.mul(tf.eye(2 * n), 1e9));
    const logProbabilities = tf.logSoftmax(masked);
    // Row i's positive: i + n for the first view, i - n for the second.
    const positives = tf.concat([tf.range(n, 2 * n, 1, 'int32'), tf.range(0, n, 1, 'int32')]);
    const picked = tf.sum(tf.mul(logProbabilities, tf.oneHot(positives, 2 * n)), 1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
