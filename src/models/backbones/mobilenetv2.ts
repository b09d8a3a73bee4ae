/**
 * MobileNetV2 (alpha 1.0) without the top, layer for layer as Keras
 * `keras/applications/mobilenet_v2.py` builds it, with the same layer names so converted Keras
 * weights load by name: 2,257,984 parameters.
 */
import * as tf from '@tensorflow/tfjs';
import type { SeededInitialisers } from './init.ts';
import { correctPad } from './layers.ts';

type T = tf.SymbolicTensor;

/** Keras' `_make_divisible`: round to a multiple of `divisor`, never more than 10% down. */
function makeDivisible(value: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor(value + divisor / 2) - (Math.floor(value + divisor / 2) % divisor));
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

const BN = { epsilon: 1e-3, momentum: 0.999 };

/** [filters, stride, expansion] for block ids 0..16. */
const BLOCKS: ReadonlyArray<readonly [number, number, number]> = [
  [16, 1, 1],
  [24, 2, 6], [24, 1, 6],
  [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6],
  [320, 1, 6],
];

function invertedResidual(inputs: T, filters: number, stride: number, expansion: number, blockId: number, init: SeededInitialisers): T {
  const inChannels = inputs.shape[3] as number;
  const pointwiseFilters = makeDivisible(filters);
  let x = inputs;
  let prefix = `block_${blockId}_`;
  if (blockId > 0) {
    x = tf.layers.conv2d({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init.glorotUniform(), name: `${prefix}expand` }).apply(x) as T;
    x = tf.layers.batchNormalization({ ...BN, name: `${prefix}expand_BN` }).apply(x) as T;
    x = tf.layers.reLU({ maxValue: 6, name: `${prefix}expand_relu` }).apply(x) as T;
  } else {
    prefix = 'expanded_conv_';
  }
  if (stride === 2) {
    x = tf.layers.zeroPadding2d({ padding: correctPad(x.shape[1] as number, 3), name: `${prefix}pad` }).apply(x) as T;
  }
  x = tf.layers
    .depthwiseConv2d({ kernelSize: 3, strides: stride, useBias: false, padding: stride === 1 ? 'same' : 'valid', depthwiseInitializer: init.glorotUniform(), name: `${prefix}depthwise` })
    .apply(x) as T;
  x = tf.layers.batchNormalization({ ...BN, name: `${prefix}depthwise_BN` }).apply(x) as T;
  x = tf.layers.reLU({ maxValue: 6, name: `${prefix}depthwise_relu` }).apply(x) as T;
  x = tf.layers.conv2d({ filters: pointwiseFilters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init.glorotUniform(), name: `${prefix}project` }).apply(x) as T;
  x = tf.layers.batchNormalization({ ...BN, name: `${prefix}project_BN` }).apply(x) as T;
  if (inChannels === pointwiseFilters && stride === 1) {
    return tf.layers.add({ name: `${prefix}add` }).apply([inputs, x]) as T;
  }
  return x;
}

export function buildMobileNetV2(resolution: number, init: SeededInitialisers): tf.LayersModel {
  const input = tf.input({ shape: [resolution, resolution, 3], name: 'input' });
  let x = tf.layers.rescaling({ scale: 2, offset: -1, name: 'preprocess' }).apply(input) as T;
  x = tf.layers.conv2d({ filters: makeDivisible(32), kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init.glorotUniform(), name: 'Conv1' }).apply(x) as T;
  x = tf.layers.batchNormalization({ ...BN, name: 'bn_Conv1' }).apply(x) as T;
  x = tf.layers.reLU({ maxValue: 6, name: 'Conv1_relu' }).apply(x) as T;
  BLOCKS.forEach(([filters, stride, expansion], blockId) => {
    x = invertedResidual(x, filters, stride, expansion, blockId, init);
  });
  x = tf.layers.conv2d({ filters: 1280, kernelSize: 1, useBias: false, kernelInitializer: init.glorotUniform(), name: 'Conv_1' }).apply(x) as T;
  x = tf.layers.batchNormalization({ ...BN, name: 'Conv_1_bn' }).apply(x) as T;
  x = tf.layers.reLU({ maxValue: 6, name: 'out_relu' }).apply(x) as T;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as T;
  return tf.model({ inputs: input, outputs: pooled, name: 'mobilenetv2' });
}
