/**
 * Batch-level mixing: each row is blended with a partner row drawn by a random permutation.
 * CutMix pastes a box of the partner (labels mix by the pasted area fraction, computed after the
 * box is clipped to the image); MixUp blends whole images (labels mix by the same weight).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.ts';

export interface Mixing {
  /** Row i is mixed with row partner[i]. */
  partner: number[];
  /** Weight of the row's own label (1 - area pasted, or the MixUp weight). */
  ownWeight: number[];
  /** CutMix only: per-row box [top, left, bottom, right) in pixels. */
  boxes?: number[][];
}

/** Draws a CutMix (boxes from Beta(alpha, alpha) areas) for a batch of `height` x `width` images. */
export function drawCutMix(batch: number, height: number, width: number, alpha: number, rng: Rng): Mixing {
  const partner = rng.shuffle(Array.from({ length: batch }, (_, i) => i));
  const boxes: number[][] = [];
  const ownWeight: number[] = [];
  for (let i = 0; i < batch; i++) {
    const lambda = rng.beta(alpha, alpha);
    const cutRatio = Math.sqrt(1 - lambda);
    const cy = rng.int(0, height - 1);
    const cx = rng.int(0, width - 1);
    const ch = Math.round(height * cutRatio);
    const cw = Math.round(width * cutRatio);
    const top = clamp(cy - Math.floor(ch / 2), 0, height);
    const bottom = clamp(cy + Math.ceil(ch / 2), 0, height);
    const left = clamp(cx - Math.floor(cw / 2), 0, width);
    const right = clamp(cx + Math.ceil(cw / 2), 0, width);
    boxes.push([top, left, bottom, right]);
    ownWeight.push(1 - ((bottom - top) * (right - left)) / (height * width));
  }
  return { partner, ownWeight, boxes };
}

/** Draws MixUp weights from Beta(alpha, alpha). */
export function drawMixUp(batch: number, alpha: number, rng: Rng): Mixing {
  const partner = rng.shuffle(Array.from({ length: batch }, (_, i) => i));
  return { partner, ownWeight: Array.from({ length: batch }, () => rng.beta(alpha, alpha)) };
}

/** Applies a drawn mixing to images (any number of aligned views mix the same way). */
export function mixImages(x: tf.Tensor4D, mixing: Mixing): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width] = x.shape;
    const other = tf.gather(x, mixing.partner);
    let pasted: tf.Tensor4D;
    if (mixing.boxes) {
      const mask = new Float32Array(batch * height * width);
      mixing.boxes.forEach(([top, left, bottom, right], i) => {
        for (let r = top!; r < bottom!; r++) mask.fill(1, (i * height + r) * width + left!, (i * height + r) * width + right!);
      });
      pasted = tf.tensor4d(mask, [batch, height, width, 1]);
    } else {
      pasted = tf.tensor4d(mixing.ownWeight.map((w) => 1 - w), [batch, 1, 1, 1]);
    }
    return tf.add(tf.mul(x, tf.sub(1, pasted)), tf.mul(other, pasted)) as tf.Tensor4D;
  });
}

/** Labels mixed by the same weights: y_i * w_i + y_partner * (1 - w_i). */
export function mixLabels(y: tf.Tensor2D, mixing: Mixing): tf.Tensor2D {
  return tf.tidy(() => {
    const own = tf.tensor2d(mixing.ownWeight, [mixing.ownWeight.length, 1]);
    return tf.add(tf.mul(y, own), tf.mul(tf.gather(y, mixing.partner), tf.sub(1, own))) as tf.Tensor2D;
  });
}

function clamp(v: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, v));
}
