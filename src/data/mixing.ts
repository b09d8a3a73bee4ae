/**
 * Batch-level mixing on host pixels: each row is blended with a partner row drawn by a random
 * permutation. CutMix pastes a box of the partner (labels mix by the pasted area fraction, computed
 * after the box is clipped to the image); MixUp blends whole images (labels mix by the same weight).
 */
import type { Rng } from '../core/rng.ts';
import { CHANNELS } from './host-batch.ts';

export interface Mixing {
  /** Row i is mixed with row partner[i]. */
  partner: number[];
  /** Weight of the row's own label (1 - area pasted, or the MixUp weight). */
  ownWeight: number[];
  /** CutMix only: per-row box [top, left, bottom, right) in pixels. */
  boxes?: Array<[number, number, number, number]>;
}

/** Draws a CutMix (box areas from Beta(alpha, alpha)) for `batch` images of height x width. */
export function drawCutMix(batch: number, height: number, width: number, alpha: number, rng: Rng): Mixing {
  const partner = rng.shuffle(Array.from({ length: batch }, (_, i) => i));
  const boxes: Array<[number, number, number, number]> = [];
  const ownWeight: number[] = [];
  for (let i = 0; i < batch; i++) {
    const cutRatio = Math.sqrt(1 - rng.beta(alpha, alpha));
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

/** A new pixel array with the mixing applied (any number of aligned views mix the same way). */
export function mixImages(pixels: Float32Array, height: number, width: number, mixing: Mixing): Float32Array {
  const length = height * width * CHANNELS;
  const out = new Float32Array(pixels.length);
  mixing.partner.forEach((p, i) => {
    const own = pixels.subarray(i * length, (i + 1) * length);
    const other = pixels.subarray(p * length, (p + 1) * length);
    const dst = out.subarray(i * length, (i + 1) * length);
    const box = mixing.boxes?.[i];
    if (box) {
      dst.set(own);
      const [top, left, bottom, right] = box;
      for (let r = top; r < bottom; r++) dst.set(other.subarray((r * width + left) * CHANNELS, (r * width + right) * CHANNELS), (r * width + left) * CHANNELS);
    } else {
      const w = mixing.ownWeight[i]!;
      for (let k = 0; k < length; k++) dst[k] = w * own[k]! + (1 - w) * other[k]!;
    }
  });
  return out;
}

/** Labels mixed by the same weights: y_i * w_i + y_partner * (1 - w_i). */
export function mixLabels(labels: Float32Array, classes: number, mixing: Mixing): Float32Array {
  const out = new Float32Array(labels.length);
  mixing.partner.forEach((p, i) => {
    const w = mixing.ownWeight[i]!;
    for (let c = 0; c < classes; c++) out[i * classes + c] = w * labels[i * classes + c]! + (1 - w) * labels[p * classes + c]!;
  });
  return out;
}

/**
 * Remix (Chou et al. 2020): labels mixed as mixLabels does, except that when row i's class has at
 * least `kappa` times the images of its partner's class and i's own weight is below `tau`, the
 * label is all the partner's (and the other way round): the mixed label leans to the rarer class.
 * Needs one-hot `labels` (the classes before mixing) and the images per class `classCounts`.
 */
export function remixLabels(labels: Float32Array, classes: number, mixing: Mixing, classCounts: readonly number[], kappa: number, tau: number): Float32Array {
  const hardClass = (row: number): number => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (labels[row * classes + c]! > labels[row * classes + best]!) best = c;
    return best;
  };
  const remixed: Mixing = {
    partner: mixing.partner,
    ownWeight: mixing.partner.map((p, i) => {
      const own = mixing.ownWeight[i]!;
      const ratio = (classCounts[hardClass(i)] ?? 0) / Math.max(1e-12, classCounts[hardClass(p)] ?? 0);
      if (ratio >= kappa && own < tau) return 0;
      if (ratio <= 1 / kappa && 1 - own < tau) return 1;
      return own;
    }),
  };
  return mixLabels(labels, classes, remixed);
}

function clamp(v: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, v));
}
