/**
 * A trial's resource estimate, for routing: which class of agent can run it (a wasm agent never
 * takes DenseNet-201 at 600 px) and how much memory it needs: the one step-memory estimate of
 * src/core/step-memory.ts, the figure `skewer train` and `skewer models` give for the same recipe.
 */
import { estimateStepMemory } from '../core/step-memory.ts';
import type { Resources, TrialWork } from '../transport/messages.ts';
import type { ResourceClass } from '../transport/subjects.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** An unknown backbone (a newer agent's): assume a large one. */
const FALLBACK_BYTES = 64 * GiB;

/** Above this a trial needs the native backend (tfjs-node): wasm's heap is 32-bit (4 GiB). */
export const WASM_LIMIT_BYTES = 4 * GiB;
/** Above this it needs a GPU agent, in practice. */
export const CPU_NATIVE_LIMIT_BYTES = 12 * GiB;

export function estimateResources(work: TrialWork): Resources {
  if (work.kind === 'function') return { class: 'cpu', memoryBytes: 64 * MiB };
  const spec = work.spec;
  // The same estimate `skewer train` and `skewer models` use (one formula, src/core/step-memory.ts).
  const memoryBytes = estimateStepMemory(spec.backbone, spec.resolution, spec.batchSize)?.bytes ?? FALLBACK_BYTES;
  let resourceClass: ResourceClass = 'cpu';
  if (spec.backend === 'tensorflow' || memoryBytes > WASM_LIMIT_BYTES) resourceClass = 'native';
  // Asked for webgpu by name, or too big for a CPU: only agents with a hardware GPU take it.
  if (memoryBytes > CPU_NATIVE_LIMIT_BYTES || spec.backend === 'webgpu') resourceClass = 'gpu';
  return { class: resourceClass, memoryBytes };
}

