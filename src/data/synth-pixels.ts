/**
 * Pixel generators for the synthetic defect dataset, in the spirit of DAGM 2007: statistically
 * textured surfaces (several families, random scale, orientation, brightness and noise) and small
 * defects (scratches, spots, cracks) of varied size, place and contrast. All randomness comes from
 * the given Rng. Images are float luminance maps in [0, 1], tinted to RGB at the end.
 */
import type { Rng } from '../core/rng.ts';

export const TEXTURE_FAMILIES = ['clouds', 'brushed', 'woven', 'granular', 'rings'] as const;
export type TextureFamily = (typeof TEXTURE_FAMILIES)[number];
export const DEFECT_KINDS = ['scratch', 'spot', 'crack'] as const;
export type DefectKind = (typeof DEFECT_KINDS)[number];

/** A size x size luminance map, row-major. */
export type Gray = Float32Array;

/** Smooth value noise: random lattice values every `cell` pixels, smoothstep-interpolated. */
function valueNoise(size: number, cell: number, rng: Rng): Gray {
  const cells = Math.ceil(size / cell) + 2;
  const lattice = Float32Array.from({ length: cells * cells }, () => rng.next());
  const out = new Float32Array(size * size);
  const ox = rng.next();
  const oy = rng.next();
  for (let y = 0; y < size; y++) {
    const fy = y / cell + oy;
    const iy = Math.floor(fy);
    const ty = smooth(fy - iy);
    for (let x = 0; x < size; x++) {
      const fx = x / cell + ox;
      const ix = Math.floor(fx);
      const tx = smooth(fx - ix);
      const a = lattice[iy * cells + ix]!;
      const b = lattice[iy * cells + ix + 1]!;
      const c = lattice[(iy + 1) * cells + ix]!;
      const d = lattice[(iy + 1) * cells + ix + 1]!;
      out[y * size + x] = (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty;
    }
  }
  return out;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Fractal (octave) noise centred on 0 with roughly unit range. */
function fbm(size: number, baseCell: number, octaves: number, rng: Rng): Gray {
  const out = new Float32Array(size * size);
  let amplitude = 1;
  let total = 0;
  for (let o = 0, cell = baseCell; o < octaves && cell >= 1; o++, cell /= 2) {
    const layer = valueNoise(size, cell, rng);
    for (let i = 0; i < out.length; i++) out[i]! += (layer[i]! - 0.5) * amplitude;
    total += amplitude;
    amplitude *= 0.55;
  }
  for (let i = 0; i < out.length; i++) out[i]! /= total;
  return out;
}

/** A textured surface of a random family; mean near `base`, contrast `spread`. */
export function texture(size: number, family: TextureFamily, rng: Rng): Gray {
  const base = rng.uniform(0.35, 0.65);
  const spread = rng.uniform(0.12, 0.3);
  const angle = rng.uniform(0, Math.PI);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const period = size * rng.uniform(0.05, 0.14);
  const warp = fbm(size, size / rng.uniform(2, 5), 3, rng);
  const fine = fbm(size, Math.max(1, size / rng.uniform(12, 24)), 2, rng);
  const out = new Float32Array(size * size);
  const cx = rng.uniform(-0.5, 1.5) * size;
  const cy = rng.uniform(-0.5, 1.5) * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      let t: number;
      switch (family) {
        case 'clouds':
          t = warp[i]! * 1.6 + fine[i]! * 0.6;
          break;
        case 'brushed':
          t = 0.35 * Math.sin((2 * Math.PI * v) / (period * 0.4) + 6 * warp[i]!) + fine[i]! * 0.9;
          break;
        case 'woven':
          t = 0.45 * Math.sin((2 * Math.PI * u) / period) * Math.sin((2 * Math.PI * v) / period) + 0.5 * warp[i]! + 0.3 * fine[i]!;
          break;
        case 'granular':
          t = fine[i]! * 1.4 + 0.4 * warp[i]!;
          break;
        case 'rings':
          t = 0.4 * Math.sin((2 * Math.PI * Math.hypot(x - cx, y - cy)) / period + 5 * warp[i]!) + 0.3 * fine[i]!;
          break;
      }
      out[i] = base + spread * t;
    }
  }
  return out;
}

/** Alpha-blends `amount` of darkening (< 0) or brightening (> 0) where `coverage` > 0. */
function paint(image: Gray, size: number, coverage: (x: number, y: number) => number, amount: number, x0: number, y0: number, x1: number, y1: number): void {
  for (let y = Math.max(0, Math.floor(y0)); y <= Math.min(size - 1, Math.ceil(y1)); y++) {
    for (let x = Math.max(0, Math.floor(x0)); x <= Math.min(size - 1, Math.ceil(x1)); x++) {
      const c = coverage(x, y);
      if (c > 0) image[y * size + x]! += amount * Math.min(1, c);
    }
  }
}

/** Distance from point p to the segment a-b. */
function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Draws a polyline of soft width `width` (pixels) with signed strength `amount`; joints are not painted twice. */
function strokePolyline(image: Gray, size: number, points: number[][], width: number, amount: number): void {
  const xs = points.map((p) => p[0]!);
  const ys = points.map((p) => p[1]!);
  const pad = width + 1;
  paint(
    image,
    size,
    (x, y) => {
      let nearest = Infinity;
      for (let s = 0; s + 1 < points.length; s++) {
        nearest = Math.min(nearest, segmentDistance(x, y, xs[s]!, ys[s]!, xs[s + 1]!, ys[s + 1]!));
      }
      return Math.max(0, 1 - Math.max(0, nearest - width / 2) / 0.8);
    },
    amount,
    Math.min(...xs) - pad,
    Math.min(...ys) - pad,
    Math.max(...xs) + pad,
    Math.max(...ys) + pad,
  );
}

/**
 * Adds one defect. `strength` is 0.12..0.32 of the full range (a crack 1.15x, a spot's core 1.3x),
 * the sign chosen at random: faint ones sit within the texture's own contrast, strong ones stand
 * out, and at 64 px strokes are 1-2 px wide so a small CNN can see them in ~30 training examples.
 */
export function addDefect(image: Gray, size: number, kind: DefectKind, rng: Rng): void {
  const strength = rng.uniform(0.12, 0.32) * (rng.next() < 0.55 ? -1 : 1);
  const margin = size * 0.1;
  const x0 = rng.uniform(margin, size - margin);
  const y0 = rng.uniform(margin, size - margin);
  const scale = size / 64;
  if (kind === 'spot') {
    const rx = rng.uniform(1.6, 4.5) * scale;
    const ry = rx * rng.uniform(0.5, 1.5);
    const tilt = rng.uniform(0, Math.PI);
    const c = Math.cos(tilt);
    const s = Math.sin(tilt);
    const reach = Math.max(rx, ry) + 2;
    paint(
      image,
      size,
      (x, y) => {
        const u = ((x - x0) * c + (y - y0) * s) / rx;
        const v = (-(x - x0) * s + (y - y0) * c) / ry;
        return Math.max(0, 1.3 * (1 - Math.hypot(u, v)));
      },
      strength * 1.3,
      x0 - reach,
      y0 - reach,
      x0 + reach,
      y0 + reach,
    );
    return;
  }
  const length = rng.uniform(0.12, 0.35) * size;
  const segments = kind === 'scratch' ? 3 : 6;
  let angle = rng.uniform(0, 2 * Math.PI);
  const points: number[][] = [[x0, y0]];
  for (let i = 0; i < segments; i++) {
    angle += kind === 'scratch' ? rng.uniform(-0.15, 0.15) : rng.uniform(-0.9, 0.9);
    const [px, py] = points[points.length - 1] as [number, number];
    points.push([px + (Math.cos(angle) * length) / segments, py + (Math.sin(angle) * length) / segments]);
  }
  const width = (kind === 'scratch' ? rng.uniform(1.0, 2.0) : rng.uniform(1.2, 2.2)) * Math.max(1, scale * 0.7);
  strokePolyline(image, size, points, width, kind === 'crack' ? -Math.abs(strength) * 1.15 : strength);
}

/**
 * Benign blotches (both classes alike): large, soft, low-contrast patches such as stains or uneven
 * lighting, up to about the defects' strength. They make "the darkest pixel" a poor cue, so a
 * model has to learn the defects' shapes.
 */
export function addBlotches(image: Gray, size: number, rng: Rng): void {
  const count = rng.next() < 0.85 ? rng.int(1, 3) : 0;
  for (let b = 0; b < count; b++) {
    const x0 = rng.uniform(0, size);
    const y0 = rng.uniform(0, size);
    const radius = rng.uniform(0.08, 0.18) * size;
    const amount = rng.uniform(0.08, 0.3) * (rng.next() < 0.5 ? -1 : 1);
    paint(image, size, (x, y) => Math.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * radius * radius)), amount, x0 - 3 * radius, y0 - 3 * radius, x0 + 3 * radius, y0 + 3 * radius);
  }
}

/** Gray -> RGB bytes with a mild random tint, sensor noise, clipped to [0, 255]. */
export function toRgbBytes(image: Gray, rng: Rng): Buffer {
  const tint = [rng.uniform(0.92, 1.08), rng.uniform(0.92, 1.08), rng.uniform(0.92, 1.08)];
  const noise = rng.uniform(0.02, 0.05);
  const out = Buffer.alloc(image.length * 3);
  for (let i = 0; i < image.length; i++) {
    const v = image[i]! + noise * rng.normal();
    for (let ch = 0; ch < 3; ch++) out[i * 3 + ch] = Math.max(0, Math.min(255, Math.round(v * tint[ch]! * 255)));
  }
  return out;
}
