/**
 * EfficientNet-B3 without the top, layer for layer as Keras `keras/applications/efficientnet.py`
 * builds it (width 1.2, depth 1.4, swish, squeeze-excite, drop-connect 0.2), with the same layer
 * names so converted Keras weights load by name: 10,783,535 parameters, 7 of them the stem
 * Normalization's mean/variance/count. Our input is already in [0, 1], so the Keras stem's
 * Rescaling(1/255) (no parameters) is left out. The per-channel 1/sqrt(stddev) rescaling Keras adds
 * for ImageNet weights (tensorflow/tensorflow#49930: the original divides by the variance) is kept
 * always, so converted Keras weights compute what they computed there; it has no parameters.
 */
import * as tf from '@tensorflow/tfjs';
import type { SeededInitialisers } from './init.ts';
import { ChannelStandardize, correctPad, Normalization, SeededDropout } from './layers.ts';

type T = tf.SymbolicTensor;

const WIDTH = 1.2;
const DEPTH = 1.4;
const DIVISOR = 8;
const DROP_CONNECT_RATE = 0.2;

interface BlockArgs {
  kernelSize: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expandRatio: number;
  strides: number;
}

/** Keras' DEFAULT_BLOCKS_ARGS (all with id_skip and se_ratio 0.25). */
const BLOCKS: readonly BlockArgs[] = [
  { kernelSize: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expandRatio: 1, strides: 1 },
  { kernelSize: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expandRatio: 6, strides: 2 },
  { kernelSize: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expandRatio: 6, strides: 2 },
  { kernelSize: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expandRatio: 6, strides: 2 },
  { kernelSize: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expandRatio: 6, strides: 1 },
  { kernelSize: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expandRatio: 6, strides: 2 },
  { kernelSize: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expandRatio: 6, strides: 1 },
];
const SE_RATIO = 0.25;
const IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225];

function roundFilters(filters: number): number {
  const scaled = filters * WIDTH;
  let rounded = Math.max(DIVISOR, Math.floor(Math.floor(scaled + DIVISOR / 2) / DIVISOR) * DIVISOR);
  if (rounded < 0.9 * scaled) rounded += DIVISOR;
  return rounded;
}

function roundRepeats(repeats: number): number {
  return Math.ceil(DEPTH * repeats);
}

function bnSwish(x: T, bnName: string, activationName: string): T {
  const y = tf.layers.batchNormalization({ name: bnName }).apply(x) as T;
  return tf.layers.activation({ activation: 'swish', name: activationName }).apply(y) as T;
}

interface MbConvArgs {
  filtersIn: number;
  filtersOut: number;
  kernelSize: number;
  strides: number;
  expandRatio: number;
  dropRate: number;
  name: string;
}

function mbConv(inputs: T, a: MbConvArgs, init: SeededInitialisers): T {
  const filters = a.filtersIn * a.expandRatio;
  let x = inputs;
  if (a.expandRatio !== 1) {
    x = tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init.effnetConv(), name: `${a.name}expand_conv` }).apply(x) as T;
    x = bnSwish(x, `${a.name}expand_bn`, `${a.name}expand_activation`);
  }
  if (a.strides === 2) {
    x = tf.layers.zeroPadding2d({ padding: correctPad(x.shape[1] as number, a.kernelSize), name: `${a.name}dwconv_pad` }).apply(x) as T;
  }
  x = tf.layers
    .depthwiseConv2d({ kernelSize: a.kernelSize, strides: a.strides, padding: a.strides === 2 ? 'valid' : 'same', useBias: false, depthwiseInitializer: init.effnetConv(), name: `${a.name}dwconv` })
    .apply(x) as T;
  x = bnSwish(x, `${a.name}bn`, `${a.name}activation`);

  const filtersSe = Math.max(1, Math.floor(a.filtersIn * SE_RATIO));
  let se = tf.layers.globalAveragePooling2d({ name: `${a.name}se_squeeze` }).apply(x) as T;
  se = tf.layers.reshape({ targetShape: [1, 1, filters], name: `${a.name}se_reshape` }).apply(se) as T;
  se = tf.layers.conv2d({ filters: filtersSe, kernelSize: 1, padding: 'same', activation: 'swish', kernelInitializer: init.effnetConv(), name: `${a.name}se_reduce` }).apply(se) as T;
  se = tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', activation: 'sigmoid', kernelInitializer: init.effnetConv(), name: `${a.name}se_expand` }).apply(se) as T;
  x = tf.layers.multiply({ name: `${a.name}se_excite` }).apply([x, se]) as T;

  x = tf.layers.conv2d({ filters: a.filtersOut, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init.effnetConv(), name: `${a.name}project_conv` }).apply(x) as T;
  x = tf.layers.batchNormalization({ name: `${a.name}project_bn` }).apply(x) as T;
  if (a.strides === 1 && a.filtersIn === a.filtersOut) {
    if (a.dropRate > 0) {
      x = new SeededDropout({ rate: a.dropRate, seed: init.nextSeed(), perSample: true, name: `${a.name}drop` }).apply(x) as T;
    }
    x = tf.layers.add({ name: `${a.name}add` }).apply([x, inputs]) as T;
  }
  return x;
}

export function buildEfficientNetB3(resolution: number, init: SeededInitialisers): tf.LayersModel {
  const input = tf.input({ shape: [resolution, resolution, 3], name: 'input' });
  let x = new Normalization({ name: 'normalization' }).apply(input) as T;
  x = new ChannelStandardize({ mean: [0, 0, 0], std: IMAGENET_STDDEV_RGB.map(Math.sqrt), name: 'rescaling_1' }).apply(x) as T;
  x = tf.layers.zeroPadding2d({ padding: correctPad(resolution, 3), name: 'stem_conv_pad' }).apply(x) as T;
  x = tf.layers.conv2d({ filters: roundFilters(32), kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInitializer: init.effnetConv(), name: 'stem_conv' }).apply(x) as T;
  x = bnSwish(x, 'stem_bn', 'stem_activation');

  const totalBlocks = BLOCKS.reduce((sum, args) => sum + roundRepeats(args.repeats), 0);
  let blockIndex = 0;
  BLOCKS.forEach((args, i) => {
    const filtersOut = roundFilters(args.filtersOut);
    let filtersIn = roundFilters(args.filtersIn);
    let strides = args.strides;
    for (let j = 0; j < roundRepeats(args.repeats); j++) {
      if (j > 0) {
        strides = 1;
        filtersIn = filtersOut;
      }
      const dropRate = (DROP_CONNECT_RATE * blockIndex) / totalBlocks;
      x = mbConv(x, { filtersIn, filtersOut, kernelSize: args.kernelSize, strides, expandRatio: args.expandRatio, dropRate, name: `block${i + 1}${String.fromCharCode(97 + j)}_` }, init);
      blockIndex += 1;
    }
  });

  x = tf.layers.conv2d({ filters: roundFilters(1280), kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init.effnetConv(), name: 'top_conv' }).apply(x) as T;
  x = bnSwish(x, 'top_bn', 'top_activation');
  const pooled = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as T;
  return tf.model({ inputs: input, outputs: pooled, name: 'efficientnetb3' });
}
