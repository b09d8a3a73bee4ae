/**
 * The tensor-facing side of augmentation: `augmentBatch` takes and returns tfjs tensors; the work
 * itself runs on host arrays (augment-host.ts), which on the cpu and wasm backends is 100-1000x
 * faster than the same work as tfjs ops and leaves an accelerator free for training.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.ts';
import { augmentHostBatch, type AugmentedHostBatch, type AugmentExtras } from './augment-host.ts';
import type { HostBatch } from './host-batch.ts';
import type { AugmentationName, AugmentationOptions } from './types.ts';

export { augmentHostBatch, checkAugmentations, type AugmentedHostBatch, type AugmentExtras } from './augment-host.ts';

export interface AugmentedBatch {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  /** Two AugMix views aligned with `x` (present when 'augmix' is listed), for the JSD term. */
  augmixViews?: [tf.Tensor4D, tf.Tensor4D];
}

/**
 * Returns new tensors (the caller still owns and disposes `x` and `y`). `y` holds one-hot or soft
 * labels with columns in class-name order. `augmentMask[i] === false` exempts row i from the
 * per-image augmentations (flips, turns, crop, AugMix); CutMix and MixUp apply to every row.
 */
export function augmentBatch(
  x: tf.Tensor4D,
  y: tf.Tensor2D,
  augmentations: readonly AugmentationName[],
  rng: Rng,
  options: AugmentationOptions = {},
  augmentMask?: readonly boolean[],
  extras: AugmentExtras = {},
): AugmentedBatch {
  const [batch, height, width] = x.shape;
  if (y.shape[0] !== batch) throw new RangeError(`augmentBatch: ${batch} images but ${y.shape[0]} labels`);
  const host: HostBatch = {
    pixels: Float32Array.from(x.dataSync()),
    labels: Float32Array.from(y.dataSync()),
    batch,
    height,
    width,
    classes: y.shape[1],
  };
  return toTensors(augmentHostBatch(host, augmentations, rng, options, augmentMask, extras));
}

export function toTensors(batch: AugmentedHostBatch): AugmentedBatch {
  const shape: [number, number, number, number] = [batch.batch, batch.height, batch.width, 3];
  const x = tf.tensor4d(batch.pixels, shape);
  const y = tf.tensor2d(batch.labels, [batch.batch, batch.classes]);
  if (!batch.augmixViews) return { x, y };
  return { x, y, augmixViews: [tf.tensor4d(batch.augmixViews[0], shape), tf.tensor4d(batch.augmixViews[1], shape)] };
}
