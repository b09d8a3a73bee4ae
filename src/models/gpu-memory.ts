/**
 * How much memory the GPU a webgpu trial runs on offers. WebGPU itself does not say, so: the
 * `--gpu-memory` flag / `SKEWER_GPU_MEMORY` (GiB) when set, else free memory from
 * `nvidia-smi --query-gpu=memory.total,memory.used` (the smallest over the GPUs), else, for a
 * software adapter, the machine's memory (its "GPU" is the CPU), else a stated default.
 * Imports no tfjs, so the agent process can use it.
 */
import { execFileSync } from 'node:child_process';
import { totalmem } from 'node:os';
import { UserError } from '../core/errors.ts';
import type { GpuLimits } from './memory.ts';
import type { GpuAdapter } from './webgpu-adapters.ts';

const GIB = 2 ** 30;
const MIB = 2 ** 20;
/** Assumed when nothing better is known: a modest discrete GPU. */
export const DEFAULT_GPU_MEMORY_BYTES = 8 * GIB;

export interface GpuMemory {
  bytes: number;
  /** Where the figure comes from, for messages. */
  source: string;
}

/** Parses a `--gpu-memory` / SKEWER_GPU_MEMORY value in GiB. */
export function parseGpuMemory(text: string, where = '--gpu-memory'): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UserError(`${where} must be a positive number of GiB, got '${text}'`, { where, hint: 'e.g. --gpu-memory 24 for a 24 GiB GPU' });
  }
  return Math.round(value * GIB);
}

/** Free bytes per GPU from `nvidia-smi` CSV (`total, used` in MiB per line). */
export function parseNvidiaSmi(csv: string): number[] {
  return csv
    .split('\n')
    .map((line) => line.split(',').map((part) => Number(part.trim())))
    .filter((parts) => parts.length === 2 && parts.every(Number.isFinite))
    .map(([total, used]) => (total! - used!) * MIB);
}

/** Free bytes on each NVIDIA GPU, or null where nvidia-smi is absent or fails. */
export function nvidiaFreeMemory(): number[] | null {
  try {
    const csv = execFileSync('nvidia-smi', ['--query-gpu=memory.total,memory.used', '--format=csv,noheader,nounits'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    });
    const free = parseNvidiaSmi(csv);
    return free.length ? free : null;
  } catch {
    // ENOENT (no driver tools) or a non-zero exit (no GPU, driver mismatch): not an NVIDIA machine for us.
    return null;
  }
}

export function gpuMemory(options: { software: boolean; env?: NodeJS.ProcessEnv; nvidia?: () => number[] | null }): GpuMemory {
  const env = options.env ?? process.env;
  const set = env.SKEWER_GPU_MEMORY?.trim();
  if (set) return { bytes: parseGpuMemory(set, 'SKEWER_GPU_MEMORY'), source: '--gpu-memory / SKEWER_GPU_MEMORY' };
  if (options.software) return { bytes: totalmem(), source: 'system memory (software adapter)' };
  const free = (options.nvidia ?? nvidiaFreeMemory)();
  if (free) return { bytes: Math.min(...free), source: 'nvidia-smi (free memory)' };
  return { bytes: DEFAULT_GPU_MEMORY_BYTES, source: `assumed default ${DEFAULT_GPU_MEMORY_BYTES / GIB} GiB (nvidia-smi absent; set --gpu-memory)` };
}

/** The limits a webgpu training step must fit, for the adapter it runs on. */
export function gpuLimits(adapter: GpuAdapter, env: NodeJS.ProcessEnv = process.env): GpuLimits {
  const memory = gpuMemory({ software: adapter.software, env });
  return { maxStorageBufferBindingSize: adapter.maxStorageBufferBindingSize, memoryBytes: memory.bytes, memorySource: memory.source };
}
