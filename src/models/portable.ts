/**
 * A trained classifier as a model anyone can load: the same graph with every skewer layer replaced
 * by a stock tfjs layer that computes the same thing at inference, so `tf.loadLayersModel` of plain
 * `@tensorflow/tfjs` (or the converter's tools) reads it with nothing of skewer registered.
 *
 * - `SkewerSeededDropout` -> `Dropout` (identity at inference; the seeded mask is a training concern).
 * - `Normalization` (mean/variance weights) and `SkewerChannelStandardize` (fixed mean/std): a
 *   per-channel `(x - mean) / std` -> a 1x1 `DepthwiseConv2D` with kernel 1/std and bias -mean/std.
 *
 * Every other layer is reused as it is (same object, same weights) in a new functional graph over
 * the same input, so the copy shares weights with the original and costs no training memory.
 */
import * as tf from '@tensorflow/tfjs';
import { ChannelStandardize, Normalization, SeededDropout } from './backbones/layers.ts';

type SymbolicTensor = tf.SymbolicTensor;

/** The stock layer that replaces `layer` at inference, or the layer itself when it is stock. */
function stockFor(layer: tf.layers.Layer): { layer: tf.layers.Layer; weights?: tf.Tensor[] } {
  if (layer instanceof SeededDropout) {
    return { layer: tf.layers.dropout({ rate: layer.rate, name: layer.name }) };
  }
  if (layer instanceof Normalization || layer instanceof ChannelStandardize) {
    const { mean, std } = tf.tidy(() => {
      if (layer instanceof ChannelStandardize) return { mean: tf.tensor1d(layer.mean), std: tf.tensor1d(layer.std) };
      const [m, variance] = layer.getWeights();
      return { mean: m!.clone(), std: tf.maximum(tf.sqrt(variance!), 1e-7) };
    });
    const channels = mean.shape[0]!;
    const kernel = tf.tidy(() => tf.div(1, std).reshape([1, 1, channels, 1]));
    const bias = tf.tidy(() => tf.neg(tf.div(mean, std)));
    mean.dispose();
    std.dispose();
    return {
      layer: tf.layers.depthwiseConv2d({ kernelSize: 1, depthMultiplier: 1, useBias: true, padding: 'valid', name: layer.name }),
      weights: [kernel, bias],
    };
  }
  return { layer };
}

/** Whether `model` contains layers stock tfjs cannot load. */
export function hasCustomLayers(model: tf.LayersModel): boolean {
  return model.layers.some((l) => l instanceof SeededDropout || l instanceof Normalization || l instanceof ChannelStandardize);
}

/**
 * The inference copy of `model` with stock layers only (the same model when it has none). Supports
 * the flat functional graphs skewer builds: one input, one output, each layer applied once.
 */
export function toStockModel(model: tf.LayersModel): tf.LayersModel {
  if (!hasCustomLayers(model)) return model;
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new Error('a portable copy needs a model with one input and one output');
  const outputs = new Map<string, SymbolicTensor>();
  const input = model.inputs[0]!;
  const pending: tf.Tensor[] = [];
  const assign: Array<{ layer: tf.layers.Layer; weights: tf.Tensor[] }> = [];
  for (const layer of model.layers) {
    const node = layer.inboundNodes[0];
    if (!node || node.inboundLayers.length === 0) {
      outputs.set(layer.name, input); // the input layer
      continue;
    }
    if (layer.inboundNodes.length !== 1) throw new Error(`layer ${layer.name} is applied more than once; a portable copy needs each layer once`);
    const inbound = node.inboundLayers.map((l) => {
      const out = outputs.get(l.name);
      if (!out) throw new Error(`layer ${layer.name} comes before its input ${l.name}`);
      return out;
    });
    const { layer: stock, weights } = stockFor(layer);
    const out = stock.apply(inbound.length === 1 ? inbound[0]! : inbound) as SymbolicTensor;
    if (weights) {
      assign.push({ layer: stock, weights });
      pending.push(...weights);
    }
    outputs.set(layer.name, out);
  }
  for (const { layer, weights } of assign) layer.setWeights(weights);
  for (const t of pending) t.dispose();
  const output = outputs.get(model.outputLayers[0]!.name)!;
  return tf.model({ inputs: input, outputs: output, name: model.name });
}
