/**
 * AugMix (Hendrycks et al., ICLR 2020): each image becomes a convex mix of `width` chains of
 * 1..3 simple operations (Dirichlet weights), blended with the original by a Beta weight. The
 * operations are the paper's set (autocontrast, equalize, posterize, solarize, rotate, shear,
 * translate), which avoids overlap with the corruptions it is meant to be robust to. Two such views
 * per image feed the Jensen-Shannon consistency term of the loss.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.ts';
import { perRowGroups } from './geometry.ts';

export const AUGMIX_OPS = ['identity', 'autocontrast', 'equalize', 'posterize', 'solarize', 'rotate', 'shearX', 'shearY', 'translateX', 'translateY'] as const;
type AugmixOp = (typeof AUGMIX_OPS)[number];
const DRAWN_OPS = AUGMIX_OPS.slice(1);
const GEOMETRIC = new Set<AugmixOp>(['rotate', 'shearX', 'shearY', 'translateX', 'translateY']);

export interface AugmixSettings {
  width: number;
  /** Ops per chain; <= 0 draws 1..3 per chain and row. */
  depth: number;
  alpha: number;
  /** 1..10 */
  severity: number;
}

/** One AugMix view of the batch; rows with `mask[i] === false` come back unchanged. */
export function augmixView(x: tf.Tensor4D, rng: Rng, settings: AugmixSettings, mask: readonly boolean[]): tf.Tensor4D {
  return tf.tidy(() => {
    const batch = x.shape[0];
    const chainWeights = Array.from({ length: batch }, () => dirichlet(settings.width, settings.alpha, rng));
    const blend = Array.from({ length: batch }, (_, i) => (mask[i] ? rng.beta(settings.alpha, settings.alpha) : 0));
    let mix = tf.zerosLike(x);
    for (let chain = 0; chain < settings.width; chain++) {
      const depths = Array.from({ length: batch }, () => (settings.depth > 0 ? settings.depth : rng.int(1, 3)));
      let image: tf.Tensor4D = x;
      for (let step = 0; step < Math.max(...depths); step++) {
        const ops = depths.map((d) => (step < d ? rng.pick(DRAWN_OPS) : 'identity'));
        image = applyOps(image, ops, settings.severity, rng);
      }
      const w = tf.tensor4d(chainWeights.map((ws) => ws[chain]!), [batch, 1, 1, 1]);
      mix = tf.add(mix, tf.mul(w, image));
    }
    const m = tf.tensor4d(blend, [batch, 1, 1, 1]);
    return tf.add(tf.mul(tf.sub(1, m), x), tf.mul(m, mix)) as tf.Tensor4D;
  });
}

function applyOps(x: tf.Tensor4D, ops: readonly AugmixOp[], severity: number, rng: Rng): tf.Tensor4D {
  const [, height, width] = x.shape;
  // All geometric rows share one projective-transform call with per-row matrices.
  const groups = ops.map((op) => (GEOMETRIC.has(op) ? AUGMIX_OPS.indexOf('rotate') : AUGMIX_OPS.indexOf(op)));
  const matrices = ops.map((op) => (GEOMETRIC.has(op) ? geometricMatrix(op, severity, height, width, rng) : null));
  const levels = ops.map(() => rng.uniform(0.1, 1) * severity);
  return perRowGroups(x, groups, (group, rows) => {
    const op = AUGMIX_OPS[group]!;
    const members = groups.flatMap((g, i) => (g === group ? [i] : []));
    switch (op) {
      case 'identity':
        return rows;
      case 'autocontrast':
        return autocontrast(rows);
      case 'equalize':
        return equalize(rows);
      case 'posterize':
        return posterize(rows, members.map((i) => 4 - Math.floor((levels[i]! * 4) / 10)));
      case 'solarize':
        return solarize(rows, members.map((i) => 1 - levels[i]! / 10));
      default:
        return tf.image.transform(rows, members.map((i) => matrices[i]!), 'bilinear', 'reflect');
    }
  });
}

/** The output-to-input map [a0 a1 a2 b0 b1 b2 0 0] of a rotation, shear or translation about the centre. */
function geometricMatrix(op: AugmixOp, severity: number, height: number, width: number, rng: Rng): number[] {
  const level = rng.uniform(0.1, 1) * severity;
  const sign = rng.next() < 0.5 ? -1 : 1;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  let a = [1, 0, 0, 0, 1, 0];
  if (op === 'rotate') {
    const theta = (sign * level * 30 * Math.PI) / 180 / 10;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    a = [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy];
  } else if (op === 'shearX') {
    const s = (sign * level * 0.3) / 10;
    a = [1, s, -s * cy, 0, 1, 0];
  } else if (op === 'shearY') {
    const s = (sign * level * 0.3) / 10;
    a = [1, 0, 0, s, 1, -s * cx];
  } else if (op === 'translateX') {
    a = [1, 0, (sign * level * width) / 3 / 10, 0, 1, 0];
  } else if (op === 'translateY') {
    a = [1, 0, 0, 0, 1, (sign * level * height) / 3 / 10];
  }
  return [...a, 0, 0];
}

/** Per image and channel, stretches [min, max] to [0, 1]. */
function autocontrast(x: tf.Tensor4D): tf.Tensor4D {
  const low = tf.min(x, [1, 2], true);
  const high = tf.max(x, [1, 2], true);
  const range = tf.sub(high, low);
  const safe = tf.where(tf.greater(range, 1e-6), range, tf.onesLike(range));
  const stretched = tf.div(tf.sub(x, low), safe);
  return tf.where(tf.broadcastTo(tf.greater(range, 1e-6), x.shape), stretched, x) as tf.Tensor4D;
}

/** Per image and channel histogram equalisation over 256 levels. */
function equalize(x: tf.Tensor4D): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const pixels = height * width;
  const levels = tf.cast(tf.clipByValue(tf.floor(tf.mul(x, 255)), 0, 255), 'int32');
  const rows = tf.reshape(tf.transpose(levels, [0, 3, 1, 2]), [batch * channels, pixels]) as tf.Tensor2D;
  const histogram = tf.denseBincount(rows, [] as number[], 256);
  const cdf = tf.cumsum(tf.cast(histogram, 'float32'), 1);
  const cdfMin = tf.min(tf.where(tf.greater(cdf, 0), cdf, tf.fill(cdf.shape, pixels)), 1, true);
  const lut = tf.div(tf.sub(cdf, cdfMin), tf.maximum(tf.sub(pixels, cdfMin), 1));
  const mapped = tf.gather(lut, rows, 1, 1);
  return tf.transpose(tf.reshape(mapped, [batch, channels, height, width]), [0, 2, 3, 1]) as tf.Tensor4D;
}

/** Keeps `bits[i]` bits of each 8-bit level of row i. */
function posterize(x: tf.Tensor4D, bits: readonly number[]): tf.Tensor4D {
  const step = tf.tensor4d(bits.map((b) => 2 ** (8 - Math.max(1, b))), [bits.length, 1, 1, 1]);
  return tf.div(tf.mul(tf.floor(tf.div(tf.mul(x, 255), step)), step), 255) as tf.Tensor4D;
}

/** Inverts pixels at or above `thresholds[i]` in row i. */
function solarize(x: tf.Tensor4D, thresholds: readonly number[]): tf.Tensor4D {
  const t = tf.tensor4d([...thresholds], [thresholds.length, 1, 1, 1]);
  return tf.where(tf.greaterEqual(x, tf.broadcastTo(t, x.shape)), tf.sub(1, x), x) as tf.Tensor4D;
}

function dirichlet(size: number, alpha: number, rng: Rng): number[] {
  const draws = Array.from({ length: size }, () => rng.gamma(alpha));
  const total = draws.reduce((a, b) => a + b, 0);
  return draws.map((d) => d / total);
}
