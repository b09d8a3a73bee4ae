/**
 * DenseNet-121/201 without the top, layer for layer as Keras `keras/applications/densenet.py`
 * builds them (growth rate 32, compression 0.5, BN epsilon 1.001e-5), with the same layer names so
 * converted Keras weights load by name: 7,037,504 and 18,321,984 parameters.
 */
import * as tf from '@tensorflow/tfjs';
import type { SeededInitialisers } from './init.ts';
import { ChannelStandardize } from './layers.ts';

type T = tf.SymbolicTensor;

const BN = { epsilon: 1.001e-5 };
const GROWTH_RATE = 32;
/** ImageNet statistics of Keras' "torch" preprocessing mode. */
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

function conv(filters: number, kernelSize: number, name: string, init: SeededInitialisers, padding: 'same' | 'valid' = 'valid', strides = 1) {
  return tf.layers.conv2d({ filters, kernelSize, strides, padding, useBias: false, kernelInitializer: init.glorotUniform(), name });
}

function bnRelu(x: T, name: string, bnName = `${name}_bn`, reluName = `${name}_relu`): T {
  const y = tf.layers.batchNormalization({ ...BN, name: bnName }).apply(x) as T;
  return tf.layers.activation({ activation: 'relu', name: reluName }).apply(y) as T;
}

function convBlock(x: T, name: string, init: SeededInitialisers): T {
  let y = bnRelu(x, name, `${name}_0_bn`, `${name}_0_relu`);
  y = conv(4 * GROWTH_RATE, 1, `${name}_1_conv`, init).apply(y) as T;
  y = bnRelu(y, name, `${name}_1_bn`, `${name}_1_relu`);
  y = conv(GROWTH_RATE, 3, `${name}_2_conv`, init, 'same').apply(y) as T;
  return tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([x, y]) as T;
}

function denseBlock(x: T, blocks: number, name: string, init: SeededInitialisers): T {
  for (let i = 0; i < blocks; i++) x = convBlock(x, `${name}_block${i + 1}`, init);
  return x;
}

function transitionBlock(x: T, name: string, init: SeededInitialisers): T {
  const channels = x.shape[3] as number;
  let y = bnRelu(x, name);
  y = conv(Math.floor(channels * 0.5), 1, `${name}_conv`, init).apply(y) as T;
  return tf.layers.averagePooling2d({ poolSize: 2, strides: 2, name: `${name}_pool` }).apply(y) as T;
}

export function buildDenseNet(modelName: string, blocks: readonly [number, number, number, number], resolution: number, init: SeededInitialisers): tf.LayersModel {
  const input = tf.input({ shape: [resolution, resolution, 3], name: 'input' });
  let x = new ChannelStandardize({ mean: IMAGENET_MEAN, std: IMAGENET_STD, name: 'preprocess' }).apply(input) as T;
  x = tf.layers.zeroPadding2d({ padding: [[3, 3], [3, 3]], name: 'zero_padding2d' }).apply(x) as T;
  x = conv(64, 7, 'conv1/conv', init, 'valid', 2).apply(x) as T;
  x = bnRelu(x, 'conv1', 'conv1/bn', 'conv1/relu');
  x = tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'zero_padding2d_1' }).apply(x) as T;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }).apply(x) as T;
  x = denseBlock(x, blocks[0], 'conv2', init);
  x = transitionBlock(x, 'pool2', init);
  x = denseBlock(x, blocks[1], 'conv3', init);
  x = transitionBlock(x, 'pool3', init);
  x = denseBlock(x, blocks[2], 'conv4', init);
  x = transitionBlock(x, 'pool4', init);
  x = denseBlock(x, blocks[3], 'conv5', init);
  x = bnRelu(x, '', 'bn', 'relu');
  const pooled = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as T;
  return tf.model({ inputs: input, outputs: pooled, name: modelName });
}
