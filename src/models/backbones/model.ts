/**
 * A classifier = backbone + head (dropout, dense softmax), as one flat functional model so every
 * layer keeps its name (pretrained weights load by name, `freeze` counts backbone layers).
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.ts';
import { assignWeightsByName, pretrainedWeightsHint, readWeights } from '../weights.ts';
import { SeededInitialisers } from './init.ts';
import { SeededDropout } from './layers.ts';
import { useLeanBatchNorm } from './lean-batch-norm.ts';
import { buildBackbone, type BackboneName } from './registry.ts';

export interface BuildModelOptions {
  resolution: number;
  numClasses: number;
  /** Dropout rate before the dense head; default 0.2. */
  dropout?: number;
  seed: number;
  /**
   * Pretrained backbone weights from a local tfjs model directory or model.json, matched by layer
   * name. `{}` (no path) is an error that says how to obtain and convert them.
   */
  weights?: { path?: string } | null;
  /**
   * Backbone layers frozen from the input (the input layer counts as one), or 'all'. Frozen
   * batch-norm layers also stay in inference mode (moving statistics) while training.
   */
  freeze?: number | 'all';
  /**
   * How batch-norm layers train: 'lean' (default) keeps only what their gradient needs
   * (lean-batch-norm.ts: about half the step's peak memory on DenseNet); 'stock' is tfjs-layers'
   * own path, kept for comparison. Inference is the same either way.
   */
  batchNorm?: 'lean' | 'stock';
}

export const DEFAULT_HEAD_DROPOUT = 0.2;

async function loadPretrained(backbone: tf.LayersModel, name: BackboneName, weightsPath: string | undefined): Promise<void> {
  const hint = pretrainedWeightsHint(name);
  if (weightsPath === undefined || weightsPath === '') {
    throw new UserError(`pretrained weights for ${name} need a local file`, { where: 'weights.path', hint });
  }
  const weights = await readWeights(weightsPath, hint);
  try {
    assignWeightsByName(backbone, weights, weightsPath, hint);
  } finally {
    tf.dispose(weights);
  }
}

function applyFreeze(backbone: tf.LayersModel, freeze: number | 'all'): void {
  const count = freeze === 'all' ? backbone.layers.length : freeze;
  if (!Number.isInteger(count) || count < 0 || count > backbone.layers.length) {
    throw new UserError(`freeze must be 'all' or an integer in 0..${backbone.layers.length}, got ${freeze}`, {
      where: 'freeze',
      hint: `${backbone.name} has ${backbone.layers.length} layers; freeze counts them from the input`,
    });
  }
  backbone.layers.forEach((layer, i) => {
    if (i >= count) return;
    layer.trainable = false;
    if (layer.getClassName() === 'BatchNormalization') keepInInferenceMode(layer);
  });
}

/**
 * A frozen batch-norm layer normalises with its moving statistics even while the rest trains (as
 * in Keras 2): otherwise fine-tuning would both use and overwrite pretrained statistics with the
 * small batches' ones. tfjs has no switch for this, so the frozen instance's `call` pins it.
 */
function keepInInferenceMode(layer: tf.layers.Layer): void {
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
}

/** Backbone + dropout + dense softmax over `numClasses`. The same seed gives the same weights. */
export async function buildModel(name: BackboneName, options: BuildModelOptions): Promise<tf.LayersModel> {
  const dropout = options.dropout ?? DEFAULT_HEAD_DROPOUT;
  if (!Number.isInteger(options.numClasses) || options.numClasses < 2) {
    throw new UserError(`a classifier needs at least 2 classes, got ${options.numClasses}`, { where: 'numClasses' });
  }
  if (!(dropout >= 0 && dropout < 1)) {
    throw new UserError(`dropout must be in [0, 1), got ${dropout}`, { where: 'dropout' });
  }
  const backbone = buildBackbone(name, { resolution: options.resolution, seed: options.seed });
  if ((options.batchNorm ?? 'lean') === 'lean') for (const layer of backbone.layers) if (layer.getClassName() === 'BatchNormalization') useLeanBatchNorm(layer);
  if (options.weights) await loadPretrained(backbone, name, options.weights.path);
  if (options.freeze !== undefined) applyFreeze(backbone, options.freeze);

  const init = new SeededInitialisers(options.seed, 'head');
  const features = backbone.outputs[0]!;
  const dropped = new SeededDropout({ rate: dropout, seed: init.nextSeed(), name: 'head_dropout' }).apply(features) as tf.SymbolicTensor;
  const probabilities = tf.layers
    .dense({ units: options.numClasses, activation: 'softmax', kernelInitializer: init.glorotUniform(), name: 'head_dense' })
    .apply(dropped) as tf.SymbolicTensor;
  return tf.model({ inputs: backbone.inputs, outputs: probabilities, name: `${name}-classifier` });
}
