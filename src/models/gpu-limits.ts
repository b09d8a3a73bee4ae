/** The limits a webgpu training step must fit, for the adapter it runs on. */
import { gpuMemory } from './gpu-memory.ts';
import type { GpuLimits } from './memory.ts';
import type { GpuAdapter } from './webgpu-adapters.ts';

export function gpuLimits(adapter: GpuAdapter, env: NodeJS.ProcessEnv = process.env): GpuLimits {
  const memory = gpuMemory({ software: adapter.software, env });
  return { maxStorageBufferBindingSize: adapter.maxStorageBufferBindingSize, memoryBytes: memory.bytes, memorySource: memory.source };
}
