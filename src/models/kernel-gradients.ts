/**
 * Kernel-level gradient checks: the training kernels a backend must get right (conv, depthwise
 * and pooling backprops, the ones wasm lacks) against the pure-JS `cpu` backend, on small seeded
 * inputs. Gradients of sum(op(x, w) * r) with respect to x and w, r a seeded weighting so that
 * every output position counts differently. Used by the webgpu tests and `npm run bench:gpu`.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/index.ts';
import { selectBackend, type BackendName } from './backend.ts';
import { relativeError } from './gradient-check.ts';

type Op = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor;

export const KERNEL_CASES: ReadonlyArray<{ name: string; op: Op; w: [number, number, number, number] }> = [
  { name: 'conv2d 3x3 stride 2 same (Conv2DBackpropInput/Filter)', op: (x, w) => tf.conv2d(x, w, 2, 'same'), w: [3, 3, 3, 5] },
  { name: 'conv2d 1x1 valid', op: (x, w) => tf.conv2d(x, w, 1, 'valid'), w: [1, 1, 3, 4] },
  { name: 'depthwise 3x3 multiplier 2 (DepthwiseConv2dNativeBackprop*)', op: (x, w) => tf.depthwiseConv2d(x, w, 1, 'same'), w: [3, 3, 3, 2] },
  { name: 'max pool 2x2 (MaxPoolGrad) after conv', op: (x, w) => tf.maxPool(tf.conv2d(x, w, 1, 'same'), 2, 2, 'valid'), w: [3, 3, 3, 4] },
  { name: 'avg pool 3x3 stride 2 (AvgPoolGrad) after conv', op: (x, w) => tf.avgPool(tf.conv2d(x, w, 1, 'same'), 3, 2, 'same'), w: [3, 3, 3, 4] },
];

const X_SHAPE: [number, number, number, number] = [2, 9, 9, 3];

async function gradients(backend: BackendName, op: Op, x: Float32Array, w: Float32Array, wShape: [number, number, number, number], weighting: (size: number) => Float32Array) {
  await selectBackend(backend as 'webgpu' | 'wasm' | 'cpu');
  const xs = tf.tensor4d(x, X_SHAPE);
  const ws = tf.tensor4d(w, wShape);
  const out = op(xs, ws);
  const r = tf.tensor(weighting(out.size), out.shape);
  const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor4D, b as tf.Tensor4D), r)))([xs, ws]);
  try {
    return { x: await gx!.data(), w: await gw!.data() };
  } finally {
    tf.dispose([xs, ws, out, r, gx!, gw!]);
  }
}

export interface KernelComparison {
  name: string;
  /** max |tested - cpu| / max |cpu| of the input gradient and of the filter gradient. */
  input: number;
  filter: number;
}

/** Every KERNEL_CASES entry on `backend` against cpu; restores `backend` as the active one. */
export async function compareKernelGradients(backend: 'webgpu' | 'wasm'): Promise<KernelComparison[]> {
  const out: KernelComparison[] = [];
  for (const kernel of KERNEL_CASES) {
    const rng = createRng(`kernel-gradients/${kernel.name}`);
    const values = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
    const x = values(X_SHAPE.reduce((a, b) => a * b, 1));
    const w = values(kernel.w.reduce((a, b) => a * b, 1));
    const r = values(4096);
    const weighting = (size: number) => r.subarray(0, size);
    const tested = await gradients(backend, kernel.op, x, w, kernel.w, weighting);
    const cpu = await gradients('cpu', kernel.op, x, w, kernel.w, weighting);
    out.push({ name: kernel.name, input: relativeError(tested.x, cpu.x), filter: relativeError(tested.w, cpu.w) });
  }
  await selectBackend(backend);
  return out;
}
