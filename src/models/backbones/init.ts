/**
 * Seeded weight initialisers. Every initialiser a backbone asks for gets its own seed, drawn in
 * build order from one stream forked off the model seed, so the same seed gives the same weights
 * (tfjs initialisers without a seed fall back to an unseeded generator). The kinds mirror the
 * Keras references: glorot-uniform kernels (DenseNet, MobileNetV2, small-cnn) and EfficientNet's
 * fan-out variance scaling.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '../../core/rng.ts';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

export class SeededInitialisers {
  private readonly rng: Rng;

  /**
   * @param seed model seed
   * @param label separates the streams of different parts (backbone, head)
   * @param shapeOnly give zeros instead of random values: for counting parameters, FLOPs and
   *   activation sizes without paying for 18M random draws
   */
  constructor(seed: number, label: string, private readonly shapeOnly = false) {
    this.rng = createRng(seed).fork(label);
  }

  /** The next seed in build order; also used by seeded dropout layers. */
  nextSeed(): number {
    return this.rng.seed32();
  }

  /** Keras' default `glorot_uniform`. */
  glorotUniform(): Initializer {
    const seed = this.nextSeed();
    return this.shapeOnly ? tf.initializers.zeros() : tf.initializers.glorotUniform({ seed });
  }

  /** EfficientNet's CONV_KERNEL_INITIALIZER: VarianceScaling(2.0, fan_out, truncated normal). */
  effnetConv(): Initializer {
    const seed = this.nextSeed();
    return this.shapeOnly
      ? tf.initializers.zeros()
      : tf.initializers.varianceScaling({ scale: 2.0, mode: 'fanOut', distribution: 'truncatedNormal', seed });
  }

  /** EfficientNet's DENSE_KERNEL_INITIALIZER: VarianceScaling(1/3, fan_out, uniform). */
  effnetDense(): Initializer {
    const seed = this.nextSeed();
    return this.shapeOnly
      ? tf.initializers.zeros()
      : tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanOut', distribution: 'uniform', seed });
  }
}
