/**
 * Per-row geometric transforms of a square NHWC batch: the eight symmetries of the square
 * (flips and quarter turns) and area-preserving random crops resized back. Rows are grouped by
 * the transform they draw, each group transformed once, and the batch put back in order.
 */
import * as tf from '@tensorflow/tfjs';

/** A symmetry of the square: `rot90^turns(hflip^flip(x))`; code = turns + 4 * flip. */
export type Dihedral = number;

type Pattern = [number, number, number, number];
const hflipPattern = ([a, b, c, d]: Pattern): Pattern => [b, a, d, c];
const vflipPattern = ([a, b, c, d]: Pattern): Pattern => [c, d, a, b];
const rot90Pattern = ([a, b, c, d]: Pattern): Pattern => [b, d, a, c];

/** Each code's effect on a labelled 2x2 image: composing ops on patterns composes symmetries. */
const PATTERNS: string[] = Array.from({ length: 8 }, (_, code) => {
  let p: Pattern = code >= 4 ? hflipPattern([0, 1, 2, 3]) : [0, 1, 2, 3];
  for (let t = 0; t < code % 4; t++) p = rot90Pattern(p);
  return p.join('');
});

function codeOf(pattern: Pattern): Dihedral {
  return PATTERNS.indexOf(pattern.join(''));
}

function patternOf(code: Dihedral): Pattern {
  return PATTERNS[code]!.split('').map(Number) as Pattern;
}

/** `code` followed by the named operation. */
export function composeDihedral(code: Dihedral, op: 'hflip' | 'vflip' | 'rot90'): Dihedral {
  const p = patternOf(code);
  return codeOf(op === 'hflip' ? hflipPattern(p) : op === 'vflip' ? vflipPattern(p) : rot90Pattern(p));
}

function applyOne(x: tf.Tensor4D, code: Dihedral): tf.Tensor4D {
  return tf.tidy(() => {
    let out = code >= 4 ? tf.reverse(x, 2) : x;
    for (let t = 0; t < code % 4; t++) out = tf.reverse(tf.transpose(out, [0, 2, 1, 3]), 1);
    return out;
  });
}

/**
 * Applies a possibly different transform to each row: `transformOf(group, rows)` transforms the
 * rows that drew `group`. Returns a new tensor; `x` is left alone.
 */
export function perRowGroups(x: tf.Tensor4D, groups: readonly number[], transformOf: (group: number, rows: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const distinct = [...new Set(groups)].sort((a, b) => a - b);
    if (distinct.length === 1) {
      const only = transformOf(distinct[0]!, x);
      return only === x ? x.clone() : only;
    }
    const order: number[] = [];
    const parts: tf.Tensor4D[] = [];
    for (const group of distinct) {
      const rows = groups.flatMap((g, i) => (g === group ? [i] : []));
      order.push(...rows);
      parts.push(transformOf(group, tf.gather(x, rows)));
    }
    const inverse = new Array<number>(order.length);
    order.forEach((row, position) => (inverse[row] = position));
    return tf.gather(tf.concat(parts, 0), inverse);
  });
}

/** Row i transformed by the symmetry `codes[i]`. The batch must be square (height = width). */
export function applyDihedral(x: tf.Tensor4D, codes: readonly Dihedral[]): tf.Tensor4D {
  if (x.shape[1] !== x.shape[2] && codes.some((c) => c % 2 === 1)) {
    throw new RangeError(`quarter turns need square images, got ${x.shape[1]}x${x.shape[2]}`);
  }
  return perRowGroups(x, codes, (code, rows) => (code === 0 ? rows : applyOne(rows, code)));
}

/**
 * Random crops keeping at least `minArea` of each masked row's area (aspect ratio 3/4..4/3),
 * resized back to the input size. Unmasked rows use the full box, which resamples to themselves.
 * Returns the boxes `[y1, x1, y2, x2]` (fractions) for inspection.
 */
export function randomCrop(x: tf.Tensor4D, minArea: number, draw: () => number, mask: readonly boolean[]): { x: tf.Tensor4D; boxes: number[][] } {
  if (!(minArea > 0 && minArea <= 1)) throw new RangeError(`cropMinArea must be in (0, 1], got ${minArea}`);
  const [batch, height, width] = x.shape;
  const boxes: number[][] = [];
  for (let i = 0; i < batch; i++) {
    if (!mask[i]) {
      boxes.push([0, 0, 1, 1]);
      continue;
    }
    const area = minArea + draw() * (1 - minArea);
    const aspect = Math.exp(Math.log(3 / 4) + draw() * Math.log(16 / 9));
    let w = Math.sqrt(area * aspect);
    let h = Math.sqrt(area / aspect);
    if (w > 1) [w, h] = [1, area];
    if (h > 1) [h, w] = [1, area];
    const top = draw() * (1 - h);
    const left = draw() * (1 - w);
    boxes.push([top, left, top + h, left + w]);
  }
  const out = tf.image.cropAndResize(x, boxes, Array.from({ length: batch }, (_, i) => i), [height, width], 'bilinear');
  return { x: out, boxes };
}
