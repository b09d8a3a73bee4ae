/**
 * `BatchMatMul` for wasm: the stock kernel uses XNNPACK only when neither operand is transposed and
 * both have batch 1; every gradient of a dense layer asks for a transpose and falls into a naive
 * triple loop. Here a transposed operand is transposed explicitly (a cheap copy) and the product
 * goes down the XNNPACK path. Batched products (batch > 1) keep the original kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelScope, type TensorInfo } from './scope.ts';

function batchOf(x: TensorInfo): number {
  return x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

export function makeBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const a = args.inputs.a!;
    const b = args.inputs.b!;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' || batchOf(a) !== 1 || batchOf(b) !== 1) {
      return original(args);
    }
    const scope = new KernelScope(args.backend as BackendWasm);
    try {
      const aPlain = transposeA ? scope.transpose(a, swapLastTwo(a.shape.length)) : a;
      const bPlain = transposeB ? scope.transpose(b, swapLastTwo(b.shape.length)) : b;
      return scope.keep(scope.runWith(original, { a: aPlain, b: bPlain }, { ...args.attrs, transposeA: false, transposeB: false }));
    } finally {
      scope.dispose();
    }
  };
}
