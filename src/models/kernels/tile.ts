/**
 * `Tile` for wasm as block copies on the heap. The stock kernel computes a source index per output
 * element; batch-norm gradients tile a per-channel vector to full activation size in every BN layer,
 * so that loop shows up in every training step. Here each axis is filled by copying its first block
 * and doubling it with `copyWithin`, from the innermost axis out. String tensors use the original.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Typed = Float32Array | Int32Array | Uint8Array;

/** Repeats dst[start, start+block) `times` times in place (the first copy must already be there). */
function repeatBlock(dst: Typed, start: number, block: number, times: number): void {
  let filled = block;
  const total = block * times;
  while (filled < total) {
    const chunk = Math.min(filled, total - filled);
    dst.copyWithin(start + filled, start, start + chunk);
    filled += chunk;
  }
}

/**
 * Writes `src` (shape `shape`) tiled by `reps` into `dst`. Recursion over axes: axis `axis` of the
 * source block at `srcOffset` goes to `dstOffset`; `dstStrides` are the output's strides.
 */
export function tileInto(src: Typed, shape: readonly number[], reps: readonly number[], dst: Typed): void {
  const rank = shape.length;
  const srcStrides = new Array<number>(rank).fill(1);
  const dstStrides = new Array<number>(rank).fill(1);
  for (let axis = rank - 2; axis >= 0; axis--) {
    srcStrides[axis] = srcStrides[axis + 1]! * shape[axis + 1]!;
    dstStrides[axis] = dstStrides[axis + 1]! * shape[axis + 1]! * reps[axis + 1]!;
  }
  const fill = (axis: number, srcOffset: number, dstOffset: number): void => {
    const length = shape[axis]!;
    if (axis === rank - 1) {
      if (length === 1) dst.fill(src[srcOffset]!, dstOffset, dstOffset + reps[axis]!);
      else {
        dst.set(src.subarray(srcOffset, srcOffset + length), dstOffset);
        repeatBlock(dst, dstOffset, length, reps[axis]!);
      }
      return;
    }
    for (let i = 0; i < length; i++) fill(axis + 1, srcOffset + i * srcStrides[axis]!, dstOffset + i * dstStrides[axis]!);
    repeatBlock(dst, dstOffset, length * dstStrides[axis]!, reps[axis]!);
  };
  if (rank === 0) dst[0] = src[0]!;
  else fill(0, 0, 0);
}

export function makeTile(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    const reps = (args.attrs as { reps: number[] }).reps;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    const backend = args.backend as BackendWasm;
    const outShape = x.shape.map((size, axis) => size * reps[axis]!);
    const out = backend.makeOutput(outShape, x.dtype);
    if (outShape.some((size) => size === 0)) return out;
    // Views are taken after makeOutput: growing the heap detaches earlier views.
    const src = backend.typedArrayFromHeap(x) as Typed;
    const dst = backend.typedArrayFromHeap(out) as Typed;
    tileInto(src, x.shape, reps, dst);
    return out;
  };
}
