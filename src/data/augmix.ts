/**
 * AugMix (Hendrycks et al., ICLR 2020) on host pixels: each image becomes a convex mix of `width`
 * chains of 1..3 simple operations (Dirichlet weights), blended with the original by a Beta weight.
 * The operations are the paper's set (autocontrast, equalize, posterize, solarize, rotate, shear,
 * translate), chosen because they do not overlap the corruptions the model should be robust to.
 * Two views per image feed the Jensen-Shannon consistency term of the loss.
 */
import type { Rng } from '../core/rng.ts';
import { warpAffine } from './geometry.ts';
import { CHANNELS } from './host-batch.ts';

export const AUGMIX_OPS = ['autocontrast', 'equalize', 'posterize', 'solarize', 'rotate', 'shearX', 'shearY', 'translateX', 'translateY'] as const;
export type AugmixOp = (typeof AUGMIX_OPS)[number];

export interface AugmixSettings {
  width: number;
  /** Ops per chain; <= 0 draws 1..3 per chain (the paper's default). */
  depth: number;
  alpha: number;
  /** Op strength 1..10 (the paper uses 3). */
  severity: number;
}

/** One AugMix view of an n x n image into `dst`. */
export function augmixImage(src: Float32Array, dst: Float32Array, n: number, rng: Rng, settings: AugmixSettings): void {
  const chainWeights = dirichlet(settings.width, settings.alpha, rng);
  const blend = rng.beta(settings.alpha, settings.alpha);
  const [mix, first, second] = scratchFor(src.length);
  mix.fill(0);
  let a = first;
  let b = second;
  for (let chain = 0; chain < settings.width; chain++) {
    a.set(src);
    const depth = settings.depth > 0 ? settings.depth : rng.int(1, 3);
    for (let step = 0; step < depth; step++) {
      applyOp(rng.pick(AUGMIX_OPS), a, b, n, settings.severity, rng);
      [a, b] = [b, a];
    }
    const w = chainWeights[chain]!;
    for (let k = 0; k < mix.length; k++) mix[k]! += w * a[k]!;
  }
  for (let k = 0; k < dst.length; k++) dst[k] = (1 - blend) * src[k]! + blend * mix[k]!;
}

/** Applies one op with a random level in (0.1, 1] x severity; writes `dst`. Loops are inlined: this is the hot path. */
export function applyOp(op: AugmixOp, src: Float32Array, dst: Float32Array, n: number, severity: number, rng: Rng): void {
  const level = rng.uniform(0.1, 1) * severity;
  const sign = rng.next() < 0.5 ? -1 : 1;
  const c = (n - 1) / 2;
  switch (op) {
    case 'autocontrast':
      return autocontrast(src, dst);
    case 'equalize':
      return equalize(src, dst);
    case 'posterize': {
      const step = 2 ** (8 - Math.max(1, 4 - Math.floor((level * 4) / 10)));
      const up = 255 / step;
      const down = step / 255;
      for (let k = 0; k < src.length; k++) dst[k] = Math.floor(src[k]! * up) * down;
      return;
    }
    case 'solarize': {
      const threshold = 1 - level / 10;
      for (let k = 0; k < src.length; k++) {
        const v = src[k]!;
        dst[k] = v >= threshold ? 1 - v : v;
      }
      return;
    }
    case 'rotate': {
      const theta = ((sign * level * 30) / 10) * (Math.PI / 180);
      const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
      return warpAffine(src, dst, n, n, [cos, -sin, c - cos * c + sin * c, sin, cos, c - sin * c - cos * c]);
    }
    case 'shearX': {
      const s = (sign * level * 0.3) / 10;
      return warpAffine(src, dst, n, n, [1, s, -s * c, 0, 1, 0]);
    }
    case 'shearY': {
      const s = (sign * level * 0.3) / 10;
      return warpAffine(src, dst, n, n, [1, 0, 0, s, 1, -s * c]);
    }
    case 'translateX':
      return warpAffine(src, dst, n, n, [1, 0, (sign * level * n) / 3 / 10, 0, 1, 0]);
    case 'translateY':
      return warpAffine(src, dst, n, n, [1, 0, 0, 0, 1, (sign * level * n) / 3 / 10]);
  }
}

/** Per channel, stretches [min, max] to [0, 1] (a flat channel is left alone). */
function autocontrast(src: Float32Array, dst: Float32Array): void {
  for (let ch = 0; ch < CHANNELS; ch++) {
    let low = Infinity;
    let high = -Infinity;
    for (let k = ch; k < src.length; k += CHANNELS) {
      const v = src[k]!;
      if (v < low) low = v;
      if (v > high) high = v;
    }
    const range = high - low;
    if (range <= 1e-6) {
      for (let k = ch; k < src.length; k += CHANNELS) dst[k] = src[k]!;
      continue;
    }
    const scale = 1 / range;
    for (let k = ch; k < src.length; k += CHANNELS) dst[k] = (src[k]! - low) * scale;
  }
}

/** Per channel histogram equalisation over 256 levels. */
function equalize(src: Float32Array, dst: Float32Array): void {
  const total = src.length / CHANNELS;
  const histogram = new Int32Array(256);
  const lut = new Float32Array(256);
  for (let ch = 0; ch < CHANNELS; ch++) {
    histogram.fill(0);
    for (let k = ch; k < src.length; k += CHANNELS) histogram[level255(src[k]!)]!++;
    let cumulative = 0;
    let first = -1;
    for (let i = 0; i < 256; i++) {
      cumulative += histogram[i]!;
      if (first < 0 && cumulative > 0) first = cumulative;
      lut[i] = cumulative;
    }
    const span = total - first;
    if (span <= 0) {
      for (let k = ch; k < src.length; k += CHANNELS) dst[k] = src[k]!;
      continue;
    }
    for (let i = 0; i < 256; i++) lut[i] = (lut[i]! - first) / span;
    for (let k = ch; k < src.length; k += CHANNELS) dst[k] = lut[level255(src[k]!)]!;
  }
}

function level255(v: number): number {
  const level = (v * 255) | 0;
  return level < 0 ? 0 : level > 255 ? 255 : level;
}

type Scratch = [Float32Array, Float32Array, Float32Array];
let scratch: Scratch | undefined;

/** Three reusable image buffers (augmixImage runs synchronously, so one set per thread suffices). */
function scratchFor(length: number): Scratch {
  if (scratch?.[0].length !== length) scratch = [new Float32Array(length), new Float32Array(length), new Float32Array(length)];
  return scratch;
}

function dirichlet(size: number, alpha: number, rng: Rng): number[] {
  const draws = Array.from({ length: size }, () => rng.gamma(alpha));
  const total = draws.reduce((x, y) => x + y, 0);
  return draws.map((d) => d / total);
}
