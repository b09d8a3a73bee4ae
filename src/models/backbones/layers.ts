/**
 * Custom layers the backbones need beyond tfjs-layers, each registered for serialisation so a
 * model saves and loads with `tf.loadLayersModel`:
 * - `SeededDropout`: dropout (and EfficientNet's drop-connect, one mask value per sample) whose
 *   mask comes from the model seed and a call counter, so training is reproducible; tfjs' own
 *   Dropout draws from an unseeded generator, or with a seed the same mask at every step.
 * - `Normalization`: the Keras preprocessing layer EfficientNet carries in its stem (mean,
 *   variance and count as non-trainable weights; that is the odd 7 in its parameter count).
 * - `ChannelStandardize`: fixed per-channel `(x - mean) / std` (DenseNet's torch-mode
 *   preprocessing), configuration only, no weights.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../core/rng.ts';

type Kwargs = Record<string, unknown>;
type Shape = (number | null)[];

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  /** Drop whole samples (noise shape [batch, 1, 1, 1]): EfficientNet's drop-connect. */
  perSample?: boolean;
  name?: string;
}

export class SeededDropout extends tf.layers.Layer {
  static className = 'SkewerSeededDropout';
  readonly rate: number;
  readonly seed: number;
  readonly perSample: boolean;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.perSample = args.perSample ?? false;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    if (kwargs['training'] !== true || this.rate === 0) return x;
    this.calls += 1;
    const seed = createRng(this.seed).fork(this.calls).seed32();
    const noiseShape = this.perSample ? [x.shape[0]!, ...x.shape.slice(1).map(() => 1)] : undefined;
    return tf.tidy(() => tf.dropout(x, this.rate, noiseShape, seed));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, perSample: this.perSample };
  }
}

export class Normalization extends tf.layers.Layer {
  static className = 'Normalization';
  private mean: tf.LayerVariable | undefined;
  private variance: tf.LayerVariable | undefined;

  constructor(args: { name?: string } = {}) {
    super({ name: args.name });
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new Error('Normalization needs a known channel count');
    this.mean = this.addWeight('mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.variance = this.addWeight('variance', [channels], 'float32', tf.initializers.ones(), undefined, false);
    this.addWeight('count', [], 'float32', tf.initializers.zeros(), undefined, false);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const std = tf.maximum(tf.sqrt(this.variance!.read()), 1e-7);
      return tf.div(tf.sub(x, this.mean!.read()), std);
    });
  }
}

export interface ChannelStandardizeArgs {
  mean: number[];
  std: number[];
  name?: string;
}

export class ChannelStandardize extends tf.layers.Layer {
  static className = 'SkewerChannelStandardize';
  readonly mean: number[];
  readonly std: number[];

  constructor(args: ChannelStandardizeArgs) {
    super({ name: args.name });
    this.mean = [...args.mean];
    this.std = [...args.std];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.div(tf.sub(single(inputs), this.mean), this.std));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mean: this.mean, std: this.std };
  }
}

tf.serialization.registerClass(SeededDropout);
tf.serialization.registerClass(Normalization);
tf.serialization.registerClass(ChannelStandardize);

/**
 * Keras' `imagenet_utils.correct_pad`: the zero padding before a stride-2 'valid' convolution
 * that makes it match TensorFlow's 'same' output size, as [[top, bottom], [left, right]].
 */
export function correctPad(size: number, kernelSize: number): [[number, number], [number, number]] {
  const adjust = 1 - (size % 2);
  const correct = Math.floor(kernelSize / 2);
  return [
    [correct - adjust, correct],
    [correct - adjust, correct],
  ];
}
