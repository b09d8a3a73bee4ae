/**
 * Training kernels for the wasm backend. `registerWasmTrainingKernels()` adds the three gradient
 * kernels wasm 4.22 lacks and replaces stock kernels that are slow in a training step (or, for
 * MaxPoolGrad, wrong) with compositions of fast ones; each override keeps the original kernel as the
 * fallback for the cases it does not cover. Idempotent; safe to call before or after the wasm
 * backend is initialised (overrides keep the original `setupFunc`).
 */
import * as tf from '@tensorflow/tfjs';
import { makeBatchMatMul } from './batch-matmul.ts';
import { makeBroadcastBinary } from './broadcast.ts';
import { conv2DBackpropFilter, makeConv2DBackpropInput } from './conv2d-backprop.ts';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './depthwise-backprop.ts';
import { makeConcat, makeIdentity, makeSplitV } from './layout.ts';
import { makeMaxPoolGrad } from './max-pool-grad.ts';
import { makeTile } from './tile.ts';

/** Kernels wasm 4.22 does not have at all. */
export const ADDED_WASM_KERNELS = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'] as const;
/**
 * Kernels wasm has but runs slowly in a training step (found with tf.profile), or wrongly
 * (MaxPoolGrad, see max-pool-grad.ts); ours keep the original as the fallback for the cases they do
 * not cover.
 */
export const OVERRIDDEN_WASM_KERNELS = ['Conv2DBackpropInput', 'Tile', 'BatchMatMul', 'Identity', 'SplitV', 'Concat', 'MaxPoolGrad', 'Multiply', 'Add', 'Sub', 'RealDiv'] as const;

export type WasmKernelName = (typeof ADDED_WASM_KERNELS)[number] | (typeof OVERRIDDEN_WASM_KERNELS)[number];

const added: Record<(typeof ADDED_WASM_KERNELS)[number], tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc,
};

const overrides: Record<(typeof OVERRIDDEN_WASM_KERNELS)[number], (original: tf.KernelFunc) => tf.KernelFunc> = {
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Tile: makeTile,
  BatchMatMul: makeBatchMatMul,
  Identity: makeIdentity,
  SplitV: makeSplitV,
  Concat: makeConcat,
  MaxPoolGrad: makeMaxPoolGrad,
  Multiply: makeBroadcastBinary,
  Add: makeBroadcastBinary,
  Sub: makeBroadcastBinary,
  RealDiv: makeBroadcastBinary,
};

/** The original wasm kernel configs we replaced, so they can be restored (benchmarks, tests). */
const originals = new Map<string, tf.KernelConfig>();

export interface WasmKernelOptions {
  /** Also install the performance overrides (default true). The missing kernels are always added. */
  overrides?: boolean;
}

export function registerWasmTrainingKernels(options: WasmKernelOptions = {}): void {
  for (const [kernelName, kernelFunc] of Object.entries(added)) {
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  if (options.overrides ?? true) {
    for (const [kernelName, make] of Object.entries(overrides)) installOverride(kernelName, make);
  } else {
    restoreOriginalWasmKernels();
  }
}

function installOverride(kernelName: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  if (originals.has(kernelName)) return;
  const original = tf.getKernel(kernelName, 'wasm');
  if (!original) throw new Error(`wasm backend has no ${kernelName} kernel to override; is @tensorflow/tfjs-backend-wasm loaded?`);
  originals.set(kernelName, original);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc) });
}

/** Puts the stock wasm kernels back in place of our overrides (for before/after measurements). */
export function restoreOriginalWasmKernels(): void {
  for (const [kernelName, original] of originals) {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel(original);
  }
  originals.clear();
}

/** Which of our kernels are currently in place (for `skewer doctor` and results). */
export function wasmKernelStatus(): { added: string[]; overridden: string[] } {
  return {
    added: ADDED_WASM_KERNELS.filter((name) => tf.getKernel(name, 'wasm') !== undefined),
    overridden: [...originals.keys()],
  };
}
