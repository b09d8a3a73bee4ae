/**
 * How much memory one training step of a backbone needs, estimated before training so that a
 * recipe that cannot fit (DenseNet-121 at 224 px, batch 8, on wasm's 4 GiB heap) fails up front
 * with a clear error instead of crashing mid-epoch. The formula is src/core/step-memory.ts, the
 * same one the coordinator routes trials by; here it gets the exact layer sizes of the built model.
 * On webgpu two limits apply: the largest single tensor (a layer output of the whole batch) must
 * fit the adapter's maxStorageBufferBindingSize, and the whole step the GPU's memory (gpu-memory.ts).
 * Its constants were fitted to `tf.profile` peaks of real steps of skewer's Adam on wasm
 * (`npm run bench:memory`), and a test checks small cases against real steps.
 */
import os from 'node:os';
import { ResourceError } from '../core/errors.ts';
import { BACKBONE_COSTS, stepMemory, type MemoryEstimate } from '../core/step-memory.ts';
import { backboneInfo } from './backbones/info.ts';
import type { BackboneName } from './backbones/registry.ts';

const BYTES_PER_VALUE = 4;
const MIB = 2 ** 20;
const GIB = 2 ** 30;
/** The wasm backend's linear memory is 32-bit addressed. */
export const WASM_HEAP_BYTES = 4 * GIB;

export type { MemoryEstimate } from '../core/step-memory.ts';

export interface MemoryOptions {
  resolution: number;
  batchSize: number;
}

/** Bytes one training step (forward, backward, Adam update) needs. */
export function estimateTrainingMemory(name: BackboneName, options: MemoryOptions): MemoryEstimate {
  // The one formula (src/core/step-memory.ts), here with the exact layer sizes at this resolution.
  const info = backboneInfo(name, options.resolution);
  return stepMemory(info.paramsWithoutTop, info.activationValuesPerImage, BACKBONE_COSTS[name]!.tapeFactor, options.batchSize);
}

/** The largest batch whose estimate fits in `limitBytes` (0 if not even one image fits). */
export function largestFittingBatch(name: BackboneName, resolution: number, limitBytes: number): number {
  // The estimate grows with the batch: search it.
  const fits = (batchSize: number) => estimateTrainingMemory(name, { resolution, batchSize }).bytes <= limitBytes;
  if (!fits(1)) return 0;
  let low = 1;
  let high = 2;
  while (fits(high) && high < 1 << 20) high *= 2;
  if (fits(high)) return high;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return low;
}

export interface GpuLimits {
  /** The adapter's maxStorageBufferBindingSize: the largest tensor one kernel may bind. */
  maxStorageBufferBindingSize: number;
  /** GPU memory for the whole step, and where that figure comes from. */
  memoryBytes: number;
  memorySource: string;
}

export interface FitOptions extends MemoryOptions {
  backend: 'wasm' | 'tensorflow' | 'webgpu' | 'cpu';
  /** Memory this process may use; default: the machine's total (and at most 4 GiB on wasm). */
  availableBytes?: number;
  /** webgpu: the adapter's binding limit and the GPU's memory (required there). */
  gpu?: GpuLimits;
}

/** The memory limit one training process has on `backend`. */
export function memoryLimit(backend: FitOptions['backend'], availableBytes?: number, gpu?: GpuLimits): number {
  if (backend === 'webgpu') {
    if (!gpu) throw new Error('memoryLimit: the webgpu backend needs the GPU limits');
    return gpu.memoryBytes;
  }
  const available = availableBytes ?? os.totalmem();
  return backend === 'wasm' ? Math.min(WASM_HEAP_BYTES, available) : available;
}

/** Bytes of the largest single tensor of a step: the largest layer output for the whole batch. */
export function largestTensorBytes(name: BackboneName, options: MemoryOptions): number {
  return backboneInfo(name, options.resolution).largestActivationPerImage * options.batchSize * BYTES_PER_VALUE;
}

const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;

function assertFitsBinding(name: BackboneName, options: FitOptions, gpu: GpuLimits): void {
  const largest = largestTensorBytes(name, options);
  if (largest <= gpu.maxStorageBufferBindingSize) return;
  const perImage = largestTensorBytes(name, { resolution: options.resolution, batchSize: 1 });
  const fits = Math.floor(gpu.maxStorageBufferBindingSize / perImage);
  throw new ResourceError(
    `${name} at ${options.resolution} px, batch ${options.batchSize}: its largest tensor (${mib(largest)}) exceeds the GPU adapter's maxStorageBufferBindingSize (${mib(gpu.maxStorageBufferBindingSize)})`,
    { where: 'batchSize', hint: fits >= 1 ? `use batch size ${fits} or less, or a smaller resolution` : 'even batch 1 does not fit: use a smaller resolution' },
  );
}

const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;

/** Throws a ResourceError naming the largest batch that fits, before any training starts. */
export function assertFitsBackend(name: BackboneName, options: FitOptions): void {
  if (options.backend === 'webgpu') {
    if (!options.gpu) throw new Error('assertFitsBackend: the webgpu backend needs the GPU limits');
    assertFitsBinding(name, options, options.gpu);
  }
  const estimate = estimateTrainingMemory(name, options);
  const limit = memoryLimit(options.backend, options.availableBytes, options.gpu);
  if (estimate.bytes <= limit) return;
  const fits = largestFittingBatch(name, options.resolution, limit);
  if (options.backend === 'webgpu') {
    const what = `${name} at ${options.resolution} px, batch ${options.batchSize}`;
    throw new ResourceError(`${what} does not fit the GPU: estimated ${gib(estimate.bytes)} > ${gib(limit)} (${options.gpu!.memorySource})`, {
      where: 'batchSize',
      hint: fits >= 1 ? `use batch size ${fits} or less, or a smaller resolution` : 'even batch 1 does not fit: use a smaller resolution',
    });
  }
  const limitName = options.backend === 'wasm' && limit === WASM_HEAP_BYTES ? 'wasm 4 GiB heap' : `${gib(limit)} available on ${options.backend}`;
  const what = `${name} at ${options.resolution} px, batch ${options.batchSize}`;
  const remedy =
    fits >= 1
      ? `use batch size ${fits} or less, a smaller resolution, or a native backend (@tensorflow/tfjs-node or -gpu)`
      : `even batch 1 does not fit: use a smaller resolution or a native backend (@tensorflow/tfjs-node or -gpu)`;
  throw new ResourceError(`${what} needs a native backend or a smaller batch: estimated ${gib(estimate.bytes)} > ${limitName}`, {
    where: 'batchSize',
    hint: remedy,
  });
}
