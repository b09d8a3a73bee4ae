/**
 * `small-cnn`: four conv blocks (3x3 conv, batch norm, ReLU, 2x2 max-pool) with 16-32-64-128
 * filters, then global average and max pools side by side (256 features): ~98k parameters. Fast enough on the pure-JS `cpu` backend
 * for demos and tests, and enough to learn the synthetic defect task at 32-64 px.
 * Input: RGB in [0, 1]. Batch-norm momentum 0.9 (not Keras' 0.99) so the moving statistics
 * settle within the few dozen steps of a demo run.
 */
import * as tf from '@tensorflow/tfjs';
import type { SeededInitialisers } from './init.ts';

export const SMALL_CNN_FILTERS = [16, 32, 64, 128] as const;

export function buildSmallCnn(resolution: number, init: SeededInitialisers): tf.LayersModel {
  const input = tf.input({ shape: [resolution, resolution, 3], name: 'input' });
  let x: tf.SymbolicTensor = input;
  SMALL_CNN_FILTERS.forEach((filters, i) => {
    const name = `block${i + 1}`;
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init.glorotUniform(), name: `${name}_conv` })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.9, name: `${name}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.activation({ activation: 'relu', name: `${name}_relu` }).apply(x) as tf.SymbolicTensor;
    // Stop pooling once the map is 1 px so tiny inputs (16 px) still build.
    const size = x.shape[1] ?? 1;
    if (size >= 2) x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }).apply(x) as tf.SymbolicTensor;
  });
  // Average pooling alone dilutes a defect covering a few cells of the final map among the rest;
  // the max beside it keeps the strongest local response, so a small anomaly reaches the head.
  const average = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  const strongest = tf.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as tf.SymbolicTensor;
  const pooled = tf.layers.concatenate({ name: 'pool' }).apply([average, strongest]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: pooled, name: 'small-cnn' });
}
