/**
 * What a backbone costs at a resolution, read off its layer shapes: parameters (without the top),
 * FLOPs per image (2 x multiply-adds of convolutions, depthwise convolutions and dense layers) and
 * the activation values one image leaves for the backward pass (sum of layer output sizes). Built
 * once per (backbone, resolution) with zero weights and cached.
 */
import type * as tf from '@tensorflow/tfjs';
import { backboneSpec, buildBackboneShapeOnly, type BackboneName } from './registry.ts';

export interface BackboneInfo {
  name: BackboneName;
  resolution: number;
  paramsWithoutTop: number;
  flopsPerImage: number;
  /** Sum of every layer's output size for one image (float32 values). */
  activationValuesPerImage: number;
  /** The largest single layer output for one image (float32 values). */
  largestActivationPerImage: number;
  featureSize: number;
  layers: number;
  defaultResolution: number;
  minResolution: number;
  preprocessing: string;
}

const cache = new Map<string, BackboneInfo>();

function product(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((acc, d) => acc * (d ?? 1), 1);
}

function outputShapes(layer: tf.layers.Layer): (number | null)[][] {
  const shape = layer.outputShape as (number | null)[] | (number | null)[][];
  return Array.isArray(shape[0]) ? (shape as (number | null)[][]) : [shape as (number | null)[]];
}

/** 2 x multiply-adds of one layer for one image. */
export function layerFlops(layer: tf.layers.Layer): number {
  const kind = layer.getClassName();
  const kernel = layer.weights.find((w) => /(^|\/)(depthwise_)?kernel$/.test(w.originalName));
  if (kernel === undefined) return 0;
  if (kind === 'Conv2D' || kind === 'DepthwiseConv2D') {
    const [, height, width] = outputShapes(layer)[0]!;
    // Conv2D kernel [kh, kw, in, out]; depthwise [kh, kw, in, multiplier]: MACs = kernel x output pixels.
    return 2 * product(kernel.shape) * (height ?? 1) * (width ?? 1);
  }
  if (kind === 'Dense') return 2 * product(kernel.shape);
  return 0;
}

export function summariseModel(model: tf.LayersModel): { flops: number; activationValues: number; largestActivation: number } {
  let flops = 0;
  let activationValues = 0;
  let largestActivation = 0;
  for (const layer of model.layers) {
    flops += layerFlops(layer);
    for (const shape of outputShapes(layer)) {
      const size = product(shape.slice(1));
      activationValues += size;
      largestActivation = Math.max(largestActivation, size);
    }
  }
  return { flops, activationValues, largestActivation };
}

export function backboneInfo(name: BackboneName, resolution: number): BackboneInfo {
  const key = `${name}@${resolution}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const spec = backboneSpec(name, resolution);
  const model = buildBackboneShapeOnly(name, resolution);
  try {
    const summary = summariseModel(model);
    const info: BackboneInfo = {
      name,
      resolution,
      paramsWithoutTop: model.countParams(),
      flopsPerImage: summary.flops,
      activationValuesPerImage: summary.activationValues,
      largestActivationPerImage: summary.largestActivation,
      featureSize: product(model.outputs[0]!.shape.slice(1)),
      layers: model.layers.length,
      defaultResolution: spec.defaultResolution,
      minResolution: spec.minResolution,
      preprocessing: spec.preprocessing,
    };
    cache.set(key, info);
    return info;
  } finally {
    model.dispose();
  }
}
