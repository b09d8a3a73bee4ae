/**
 * Copies that move data without arithmetic, for wasm:
 * - `Identity` shares the input's buffer (reference-counted, as wasm's own `Reshape` and the `cpu`
 *   backend's `Identity` do) instead of copying it; gradients pass through Identity many times a step.
 * - `SplitV` (the gradient of every concatenation, i.e. of every DenseNet layer) copies contiguous
 *   blocks with `copyWithin` on the wasm heap; the stock kernel slices each piece element by element.
 * - `Concat` likewise, without allocating a view per row.
 * All tensors of one dtype live in one heap array, so a block copy between tensors is a memmove.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The whole heap as an array of the dtype's element, and where a tensor starts in it. */
function heapOf(backend: BackendWasm, dtype: tf.DataType): HeapArray | undefined {
  const wasm = backend.wasm as unknown as { HEAPF32: Float32Array; HEAP32: Int32Array; HEAPU8: Uint8Array };
  if (dtype === 'float32') return wasm.HEAPF32;
  if (dtype === 'int32') return wasm.HEAP32;
  if (dtype === 'bool') return wasm.HEAPU8;
  return undefined;
}

function elementOffset(backend: BackendWasm, info: TensorInfo, heap: HeapArray): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset / heap.BYTES_PER_ELEMENT;
}

export function makeIdentity(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string' || x.dtype === 'complex64') return original(args);
    (args.backend as BackendWasm).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** [outer, axis, inner] sizes of a shape around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
  return [size(shape.slice(0, axis)), shape[axis]!, size(shape.slice(axis + 1))];
}

export function makeSplitV(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = args.inputs.x!;
    const backend = args.backend as BackendWasm;
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const heap0 = heapOf(backend, x.dtype);
    if (!heap0) return original(args);
    const $axis = tf.util.parseAxisParam(axis, [...x.shape])[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const [outer, length, inner] = around(x.shape, $axis);
    const outputs = sizes.map((size) => backend.makeOutput(x.shape.map((d, i) => (i === $axis ? size : d)), x.dtype));
    const heap = heapOf(backend, x.dtype)!; // after allocation: the heap may have grown
    const source = elementOffset(backend, x, heap);
    let start = 0;
    outputs.forEach((out, piece) => {
      const block = sizes[piece]! * inner;
      const target = elementOffset(backend, out, heap);
      if (block > 0) {
        for (let o = 0; o < outer; o++) {
          const from = source + (o * length + start) * inner;
          heap.copyWithin(target + o * block, from, from + block);
        }
      }
      start += sizes[piece]!;
    });
    return outputs;
  };
}

export function makeConcat(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const inputs = Object.values(args.inputs) as TensorInfo[];
    const backend = args.backend as BackendWasm;
    const dtype = inputs[0]?.dtype;
    if (!dtype || !heapOf(backend, dtype) || inputs.some((t) => t.dtype !== dtype)) return original(args);
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, [...inputs[0]!.shape])[0]!;
    const shapes = inputs.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const outShape = tf.backend_util.computeOutShape(shapes, axis);
    const out = backend.makeOutput(outShape, dtype);
    const heap = heapOf(backend, dtype)!;
    const [outer, total, inner] = around(outShape, axis);
    const target = elementOffset(backend, out, heap);
    let start = 0;
    for (const input of inputs) {
      const block = input.shape[axis]! * inner;
      if (block > 0) {
        const source = elementOffset(backend, input, heap);
        for (let o = 0; o < outer; o++) heap.copyWithin(target + (o * total + start) * inner, source + o * block, source + (o + 1) * block);
      }
      start += input.shape[axis]!;
    }
    return out;
  };
}
