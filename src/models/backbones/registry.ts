/**
 * The backbone registry: one named builder per architecture, `(resolution, seeded initialisers)
 * -> tf.LayersModel` without a top, whose output is the global-average-pooled feature vector.
 * Every backbone takes RGB input in [0, 1] of shape [batch, resolution, resolution, 3] and
 * carries its own preprocessing as parameter-free layers, so callers feed all of them alike.
 */
import type * as tf from '@tensorflow/tfjs';
import { UserError } from '../../core/errors.ts';
import { buildDenseNet } from './densenet.ts';
import { buildEfficientNetB3 } from './efficientnet.ts';
import { SeededInitialisers } from './init.ts';
import { buildMobileNetV2 } from './mobilenetv2.ts';
import { buildSmallCnn } from './small-cnn.ts';

export type BackboneName = 'small-cnn' | 'mobilenetv2' | 'densenet121' | 'densenet201' | 'efficientnetb3';

interface BackboneSpec {
  build(resolution: number, init: SeededInitialisers): tf.LayersModel;
  /** The resolution the reference was trained at. */
  defaultResolution: number;
  /** Below this the feature map shrinks to nothing. */
  minResolution: number;
  /** What the model does to its [0, 1] RGB input before the first convolution. */
  preprocessing: string;
}

const SPECS: Record<BackboneName, BackboneSpec> = {
  'small-cnn': {
    build: buildSmallCnn,
    defaultResolution: 64,
    minResolution: 8,
    preprocessing: 'RGB in [0, 1], used as is',
  },
  mobilenetv2: {
    build: buildMobileNetV2,
    defaultResolution: 224,
    minResolution: 32,
    preprocessing: 'RGB in [0, 1], rescaled inside the model to [-1, 1] (Keras mobilenet_v2.preprocess_input)',
  },
  densenet121: {
    build: (resolution, init) => buildDenseNet('densenet121', [6, 12, 24, 16], resolution, init),
    defaultResolution: 224,
    minResolution: 32,
    preprocessing: 'RGB in [0, 1], standardised inside the model with the ImageNet mean/std (Keras densenet "torch" mode)',
  },
  densenet201: {
    build: (resolution, init) => buildDenseNet('densenet201', [6, 12, 48, 32], resolution, init),
    defaultResolution: 224,
    minResolution: 32,
    preprocessing: 'RGB in [0, 1], standardised inside the model with the ImageNet mean/std (Keras densenet "torch" mode)',
  },
  efficientnetb3: {
    build: buildEfficientNetB3,
    defaultResolution: 300,
    minResolution: 32,
    preprocessing: 'RGB in [0, 1], then the stem Normalization layer (mean/variance weights, loaded with pretrained weights)',
  },
};

export const BACKBONES: readonly BackboneName[] = Object.keys(SPECS) as BackboneName[];

export function isBackboneName(name: string): name is BackboneName {
  return Object.hasOwn(SPECS, name);
}

/** The spec of a named backbone; a clear UserError for an unknown name or too small a resolution. */
export function backboneSpec(name: string, resolution: number): BackboneSpec {
  if (!isBackboneName(name)) {
    throw new UserError(`unknown backbone "${name}"`, { where: 'backbone', hint: `use one of: ${BACKBONES.join(', ')}` });
  }
  const spec = SPECS[name];
  if (!Number.isInteger(resolution) || resolution < spec.minResolution) {
    throw new UserError(`resolution ${resolution} is too small for ${name}`, {
      where: 'resolution',
      hint: `${name} needs an integer resolution of at least ${spec.minResolution} px (reference: ${spec.defaultResolution} px)`,
    });
  }
  return spec;
}

/** Resolution limits and preprocessing of a backbone, without building it. */
export function backboneDefaults(name: BackboneName): { defaultResolution: number; minResolution: number; preprocessing: string } {
  const { defaultResolution, minResolution, preprocessing } = backboneSpec(name, SPECS[name]?.minResolution ?? 0);
  return { defaultResolution, minResolution, preprocessing };
}

export interface BuildBackboneOptions {
  resolution: number;
  seed: number;
}

/** A backbone without a top; output = global-average-pooled features. Same seed, same weights. */
export function buildBackbone(name: BackboneName, options: BuildBackboneOptions): tf.LayersModel {
  return backboneSpec(name, options.resolution).build(options.resolution, new SeededInitialisers(options.seed, `backbone:${name}`));
}

/** A backbone whose weights are all zeros: for counting parameters, FLOPs and activations only. */
export function buildBackboneShapeOnly(name: BackboneName, resolution: number): tf.LayersModel {
  return backboneSpec(name, resolution).build(resolution, new SeededInitialisers(0, `shape:${name}`, true));
}
