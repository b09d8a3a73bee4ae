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
  const mix = new Float32Array(src.length);
  let a = new Float32Array(src.length);
  let b = new Float32Array(src.length);
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

/** Applies one op with a random level in (0.1, 1] x severity; writes `dst`. */
export function applyOp(op: AugmixOp, src: Float32Array, dst: Float32Array, n: number, severity: number, rng: Rng): void {
  const level = rng.uniform(0.1, 1) * severity;
  const sign = rng.next() < 0.5 ? -1 : 1;
  const c = (n - 1) / 2;
  switch (op) {
    case 'autocontrast':
      return perChannel(src, dst, (values) => {
        let low = Infinity;
        let high = -Infinity;
        for (const v of values) [low, high] = [Math.min(low, v), Math.max(high, v)];
        return high - low > 1e-6 ? (v) => (v - low) / (high - low) : (v) => v;
      });
    case 'equalize':
      return perChannel(src, dst, equalizer);
    case 'posterize': {
      const step = 2 ** (8 - Math.max(1, 4 - Math.floor((level * 4) / 10)));
      return map(src, dst, (v) => (Math.floor((v * 255) / step) * step) / 255);
    }
    case 'solarize': {
      const threshold = 1 - level / 10;
      return map(src, dst, (v) => (v >= threshold ? 1 - v : v));
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

/** Histogram equalisation over 256 levels. */
function equalizer(values: Float32Array): (v: number) => number {
  const histogram = new Float64Array(256);
  for (const v of values) histogram[level255(v)]!++;
  const lut = new Float32Array(256);
  let cumulative = 0;
  let first = -1;
  for (let i = 0; i < 256; i++) {
    cumulative += histogram[i]!;
    if (first < 0 && cumulative > 0) first = cumulative;
    lut[i] = cumulative;
  }
  const total = values.length;
  if (total - first <= 0) return (v) => v;
  return (v) => (lut[level255(v)]! - first) / (total - first);
}

function level255(v: number): number {
  return Math.max(0, Math.min(255, Math.floor(v * 255)));
}

function map(src: Float32Array, dst: Float32Array, f: (v: number) => number): void {
  for (let k = 0; k < src.length; k++) dst[k] = f(src[k]!);
}

/** Builds a per-channel function from that channel's values, then applies it. */
function perChannel(src: Float32Array, dst: Float32Array, build: (values: Float32Array) => (v: number) => number): void {
  const pixels = src.length / CHANNELS;
  const values = new Float32Array(pixels);
  for (let ch = 0; ch < CHANNELS; ch++) {
    for (let p = 0; p < pixels; p++) values[p] = src[p * CHANNELS + ch]!;
    const f = build(values);
    for (let p = 0; p < pixels; p++) dst[p * CHANNELS + ch] = f(values[p]!);
  }
}

function dirichlet(size: number, alpha: number, rng: Rng): number[] {
  const draws = Array.from({ length: size }, () => rng.gamma(alpha));
  const total = draws.reduce((x, y) => x + y, 0);
  return draws.map((d) => d / total);
}
