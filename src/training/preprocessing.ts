/**
 * `preprocessing.json`, written beside a final model: everything a consumer must repeat to get the
 * report's figures from `model.json` with stock tfjs, so that nobody reads skewer's source to use
 * the model. It mirrors src/data/decode.ts (sharp) and src/training/decision.ts (the threshold rule).
 */
import type { FinalPlan } from '../core/final-plan.ts';
import type { Fit } from '../data/index.ts';

export const PREPROCESSING_FILE = 'preprocessing.json';

const SHARP_FIT: Readonly<Record<Fit, 'fill' | 'contain' | 'cover'>> = { stretch: 'fill', contain: 'contain', cover: 'cover' };

export interface Preprocessing {
  readonly kind: 'skewer-preprocessing';
  readonly version: 1;
  readonly model: string;
  readonly input: {
    readonly shape: readonly [null, number, number, 3];
    readonly layout: 'NHWC';
    readonly dtype: 'float32';
    readonly channels: 'RGB';
    readonly scale: 'pixel / 255';
    readonly range: readonly [0, 1];
  };
  readonly decode: {
    readonly exifOrientation: 'applied before resizing (sharp autoOrient)';
    readonly alpha: 'dropped';
    readonly colourSpace: 'sRGB';
    readonly bitDepth: 8;
    readonly grayscale: 'replicated to R, G and B';
  };
  readonly resize: {
    readonly width: number;
    readonly height: number;
    readonly fit: Fit;
    /** The exact sharp call: `sharp(file).autoOrient().removeAlpha().toColourspace('srgb').resize(width, height, sharp)`. */
    readonly sharp: { readonly fit: 'fill' | 'contain' | 'cover'; readonly position: 'centre'; readonly background: { readonly r: 0; readonly g: 0; readonly b: 0 } };
  };
  readonly output: {
    readonly activation: 'softmax';
    /** Class of each output column, in order. */
    readonly classNames: readonly string[];
    readonly minorityClass: string;
    readonly minorityIndex: number;
  };
  readonly decision: {
    readonly rule: 'minority when its probability >= threshold, else the most probable other class';
    readonly threshold: number;
    readonly from: string;
    readonly alternative: 'argmax (the most probable class)';
  };
}

export function preprocessingOf(options: {
  resolution: number;
  fit: Fit;
  classNames: readonly string[];
  minorityClass: string;
  plan: FinalPlan;
  model: string;
}): Preprocessing {
  const { resolution, fit, classNames, minorityClass, plan } = options;
  return {
    kind: 'skewer-preprocessing',
    version: 1,
    model: options.model,
    input: { shape: [null, resolution, resolution, 3], layout: 'NHWC', dtype: 'float32', channels: 'RGB', scale: 'pixel / 255', range: [0, 1] },
    decode: {
      exifOrientation: 'applied before resizing (sharp autoOrient)',
      alpha: 'dropped',
      colourSpace: 'sRGB',
      bitDepth: 8,
      grayscale: 'replicated to R, G and B',
    },
    resize: { width: resolution, height: resolution, fit, sharp: { fit: SHARP_FIT[fit], position: 'centre', background: { r: 0, g: 0, b: 0 } } },
    output: { activation: 'softmax', classNames: [...classNames], minorityClass, minorityIndex: classNames.indexOf(minorityClass) },
    decision: {
      rule: 'minority when its probability >= threshold, else the most probable other class',
      threshold: plan.threshold,
      from: plan.from.threshold,
      alternative: 'argmax (the most probable class)',
    },
  };
}
