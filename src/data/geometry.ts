/**
 * Per-image geometry on host pixels (HWC float32, 3 channels): the eight symmetries of the square
 * (flips and quarter turns), area-keeping random crops resized back, and affine warps with
 * bilinear sampling and reflected borders (for AugMix).
 */
import { CHANNELS } from './host-batch.ts';

/** A symmetry of the square: `rot90^turns(hflip^flip(x))`; code = turns + 4 * flip. */
export type Dihedral = number;

type Pattern = [number, number, number, number];
const hflipPattern = ([a, b, c, d]: Pattern): Pattern => [b, a, d, c];
const vflipPattern = ([a, b, c, d]: Pattern): Pattern => [c, d, a, b];
/** np.rot90 (counter-clockwise) of [[a, b], [c, d]]. */
const rot90Pattern = ([a, b, c, d]: Pattern): Pattern => [b, d, a, c];

/** Each code's effect on a labelled 2x2 image: composing ops on patterns composes symmetries. */
const PATTERNS: string[] = Array.from({ length: 8 }, (_, code) => {
  let p: Pattern = code >= 4 ? hflipPattern([0, 1, 2, 3]) : [0, 1, 2, 3];
  for (let t = 0; t < code % 4; t++) p = rot90Pattern(p);
  return p.join('');
});

/** `code` followed by the named operation. */
export function composeDihedral(code: Dihedral, op: 'hflip' | 'vflip' | 'rot90'): Dihedral {
  const p = PATTERNS[code]!.split('').map(Number) as Pattern;
  const next = op === 'hflip' ? hflipPattern(p) : op === 'vflip' ? vflipPattern(p) : rot90Pattern(p);
  return PATTERNS.indexOf(next.join(''));
}

const sourceMaps = new Map<string, Uint32Array>();

/** For each output pixel of an n x n image under `code`, the source pixel index. */
function sourceMap(n: number, code: Dihedral): Uint32Array {
  const key = `${n}/${code}`;
  let map = sourceMaps.get(key);
  if (!map) {
    map = new Uint32Array(n * n);
    for (let r0 = 0; r0 < n; r0++) {
      for (let c0 = 0; c0 < n; c0++) {
        let r = r0;
        let c = c0;
        // Undo the quarter turns (last applied first), then the flip.
        for (let t = 0; t < code % 4; t++) [r, c] = [c, n - 1 - r];
        if (code >= 4) c = n - 1 - c;
        map[r0 * n + c0] = r * n + c;
      }
    }
    if (sourceMaps.size > 64) sourceMaps.clear();
    sourceMaps.set(key, map);
  }
  return map;
}

/** Writes `src` (n x n) transformed by `code` into `dst`. */
export function applyDihedral(src: Float32Array, dst: Float32Array, n: number, code: Dihedral): void {
  if (code === 0) {
    dst.set(src);
    return;
  }
  const map = sourceMap(n, code);
  for (let p = 0; p < map.length; p++) {
    const s = map[p]! * CHANNELS;
    const d = p * CHANNELS;
    dst[d] = src[s]!;
    dst[d + 1] = src[s + 1]!;
    dst[d + 2] = src[s + 2]!;
  }
}

/** A crop box in fractions of the image: [top, left, bottom, right]. */
export type Box = [number, number, number, number];

/** A random box of at least `minArea` of the image (aspect 3/4..4/3), anywhere inside it. */
export function drawCropBox(minArea: number, draw: () => number): Box {
  if (!(minArea > 0 && minArea <= 1)) throw new RangeError(`cropMinArea must be in (0, 1], got ${minArea}`);
  const area = minArea + draw() * (1 - minArea);
  const aspect = Math.exp(Math.log(3 / 4) + draw() * Math.log(16 / 9));
  let w = Math.sqrt(area * aspect);
  let h = Math.sqrt(area / aspect);
  if (w > 1) [w, h] = [1, area];
  if (h > 1) [h, w] = [1, area];
  const top = draw() * (1 - h);
  const left = draw() * (1 - w);
  return [top, left, top + h, left + w];
}

/** Bilinear resample of `box` of `src` (height x width) back to height x width (tf.image.cropAndResize's grid). */
export function cropResize(src: Float32Array, dst: Float32Array, height: number, width: number, box: Box): void {
  const [top, left, bottom, right] = box;
  const stepY = height > 1 ? (bottom - top) / (height - 1) : 0;
  const stepX = width > 1 ? (right - left) / (width - 1) : 0;
  warpAffine(src, dst, height, width, [stepX * (width - 1), 0, left * (width - 1), 0, stepY * (height - 1), top * (height - 1)]);
}

/**
 * Affine warp: output pixel (x, y) reads input (a0 x + a1 y + a2, b0 x + b1 y + b2), bilinear,
 * borders reflected (no black corners that could look like a defect). Inlined: AugMix's hot path.
 */
export function warpAffine(src: Float32Array, dst: Float32Array, height: number, width: number, m: readonly number[]): void {
  const [a0, a1, a2, b0, b1, b2] = m as [number, number, number, number, number, number];
  const maxX = width - 1;
  const maxY = height - 1;
  let at = 0;
  for (let r = 0; r < height; r++) {
    let x = a1 * r + a2;
    let y = b1 * r + b2;
    for (let c = 0; c < width; c++, x += a0, y += b0, at += CHANNELS) {
      const rx = reflect(x, maxX);
      const ry = reflect(y, maxY);
      const x0 = rx | 0;
      const y0 = ry | 0;
      const x1 = x0 < maxX ? x0 + 1 : x0;
      const y1 = y0 < maxY ? y0 + 1 : y0;
      const fx = rx - x0;
      const fy = ry - y0;
      const p00 = (y0 * width + x0) * CHANNELS;
      const p01 = (y0 * width + x1) * CHANNELS;
      const p10 = (y1 * width + x0) * CHANNELS;
      const p11 = (y1 * width + x1) * CHANNELS;
      for (let ch = 0; ch < CHANNELS; ch++) {
        const top = src[p00 + ch]! + (src[p01 + ch]! - src[p00 + ch]!) * fx;
        const bottom = src[p10 + ch]! + (src[p11 + ch]! - src[p10 + ch]!) * fx;
        dst[at + ch] = top + (bottom - top) * fy;
      }
    }
  }
}

/** Folds a coordinate into [0, max] by mirroring at the borders. */
function reflect(v: number, max: number): number {
  if (v >= 0 && v <= max) return v;
  if (max === 0) return 0;
  const period = 2 * max;
  let m = Math.abs(v) % period;
  if (m > max) m = period - m;
  return m;
}
