/**
 * A trial's resource estimate, for routing: which class of agent can run it (a wasm agent never
 * takes DenseNet-201 at 600 px) and roughly how much memory it needs. A rough model, deliberately:
 * parameters plus activations of one batch, times a training overhead, per backbone.
 */
import type { Resources, TrialWork } from '../transport/messages.ts';
import type { ResourceClass } from '../transport/subjects.ts';

interface BackboneCost {
  /** Parameters (weights) in millions. */
  readonly paramsMillions: number;
  /** Activation floats per input pixel per image, summed over layers (forward pass). */
  readonly activationsPerPixel: number;
}

const BACKBONE_COSTS: Readonly<Record<string, BackboneCost>> = {
  'small-cnn': { paramsMillions: 0.1, activationsPerPixel: 40 },
  mobilenetv2: { paramsMillions: 3.5, activationsPerPixel: 120 },
  densenet121: { paramsMillions: 8, activationsPerPixel: 300 },
  densenet201: { paramsMillions: 20, activationsPerPixel: 450 },
  efficientnetb3: { paramsMillions: 12, activationsPerPixel: 350 },
};

const FALLBACK_COST: BackboneCost = { paramsMillions: 25, activationsPerPixel: 400 };
/** Weights, gradients and two Adam moments, plus activations kept for backprop and their gradients. */
const TRAINING_OVERHEAD = 4;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Above this a trial needs the native backend (tfjs-node): wasm is single-threaded and 4 GiB-bound. */
export const WASM_LIMIT_BYTES = 2 * GiB;
/** Above this it needs a GPU agent, in practice. */
export const CPU_NATIVE_LIMIT_BYTES = 12 * GiB;

export function estimateResources(work: TrialWork): Resources {
  if (work.kind === 'function') return { class: 'cpu', memoryBytes: 64 * MiB };
  const spec = work.spec;
  const cost = BACKBONE_COSTS[spec.backbone] ?? FALLBACK_COST;
  const pixels = spec.resolution * spec.resolution;
  const activations = cost.activationsPerPixel * pixels * spec.batchSize * 4;
  const weights = cost.paramsMillions * 1e6 * 4;
  const memoryBytes = Math.round(TRAINING_OVERHEAD * (weights + activations) + 256 * MiB);
  let resourceClass: ResourceClass = 'cpu';
  if (spec.backend === 'tensorflow' || memoryBytes > WASM_LIMIT_BYTES) resourceClass = 'native';
  // Asked for webgpu by name, or too big for a CPU: only agents with a hardware GPU take it.
  if (memoryBytes > CPU_NATIVE_LIMIT_BYTES || spec.backend === 'webgpu') resourceClass = 'gpu';
  return { class: resourceClass, memoryBytes };
}

