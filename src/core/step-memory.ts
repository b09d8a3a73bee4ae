/**
 * The one estimate of what a training step needs in memory, used to refuse a recipe before it
 * trains (`skewer train`, `skewer models`, src/models/memory.ts) and to route trials to agents that
 * can hold them (src/coordinator/resources.ts). Pure arithmetic, so the coordinator (which never
 * loads tfjs) and the trainer compute the same figure:
 *
 *   weights     = parameters x 4 bytes
 *   optimizer   = weights x (OPTIMIZER_PEAK_FACTOR - 1): gradients, Adam's two moments and about one
 *                 more weight-sized set of temporaries the backward pass holds at its peak
 *   activations = (sum of layer output sizes per image) x batch x 4 bytes x the backbone's tape
 *                 factor (tfjs keeps every intermediate of the forward pass, swish's sigmoid,
 *                 concatenation copies, until the backward pass, and gradients of the size of the
 *                 activations live alongside them; batch norm keeps only its input and statistics,
 *                 src/models/backbones/lean-batch-norm.ts), plus STEP_FIXED_BYTES, and never
 *                 less than STEP_FLOOR_BYTES (a tiny step's own temporaries)
 *   peak        = weights + optimizer + activations: with skewer's Adam (src/training/adam.ts, one
 *                 variable per tidy) the update no longer makes a peak of its own
 *   workspace   = 64 MiB runtime + 10% allocator slack on the peak
 *
 * Calibrated with `npm run bench:memory` (`tf.profile` peak of one steady step of skewer's Adam and
 * lean batch norm on wasm, every backbone at 32, 96 and 160 px, batch 1, 2 and 4): the measured
 * peak is linear in the batch at every resolution (but small-cnn at 32 px, where a floor of about
 * 5.3 MiB holds), its intercept 4.9-5.0x the weight bytes for every backbone and its slope the tape
 * factor times the activation bytes. The constants are those fits rounded up, so the peak
 * (estimate without workspace) stays inside STEP_MEMORY_BAND of the measurement (1.00-1.15x on all
 * 45 cells), never under: the coordinator routes by it, and an under-estimate sends an agent
 * work it cannot hold; the workspace then adds room for what tf.profile does not see. The table's
 * parameter counts and activation sizes are read off the built models
 * (src/models/backbones/info.ts), which a test keeps in step with it.
 */
const BYTES_PER_VALUE = 4;
const MIB = 2 ** 20;
const RUNTIME_BYTES = 64 * MIB;
const SLACK = 0.1;
/**
 * Weights, gradients, Adam's moments and the backward pass's other weight-sized temporaries, in
 * weight bytes: measured 4.9-5.0 on every backbone (5.06-5.11 before lean batch norm; tfjs' own
 * Adam, which updates every variable in one tidy, peaked at 17.8-17.9; training no longer uses it).
 */
export const OPTIMIZER_PEAK_FACTOR = 5.2;
/** Per-step temporaries that do not grow with the batch. */
const STEP_FIXED_BYTES = 1 * MIB;
/**
 * The least a step holds beyond the weight-sized part: small-cnn at 32 px peaks at 5.35 MiB at
 * batch 1 and 2 alike (its weights and their state are 2 MiB), so its smallest steps are not on the line.
 */
const STEP_FLOOR_BYTES = 3.5 * MIB;

/**
 * Where the peak (the estimate less its workspace) must lie relative to a measured step peak: at
 * least the measurement, at most 1.2x it. bench:memory reports the cells outside; a test checks
 * small cases against real steps.
 */
export const STEP_MEMORY_BAND = { low: 1.0, high: 1.2 } as const;

export interface BackboneCost {
  /** Parameters without the classification head. */
  readonly params: number;
  /** Summed layer output values per input pixel of one image (nearly constant across resolutions). */
  readonly activationValuesPerPixel: number;
  /** Measured peak step memory above weights + optimizer state, over the summed layer outputs. */
  readonly tapeFactor: number;
}

export const BACKBONE_COSTS: Readonly<Record<string, BackboneCost>> = {
  // Tape factors measured at 32 / 96 / 160 px (wasm, skewer's Adam and lean batch norm, the slope
  // over batch 1-4): small-cnn 1.52 (on its floor) / 3.31 / 3.31; mobilenetv2 2.89 / 2.95 / 2.95;
  // densenet121 2.62 / 2.60 / 2.60; densenet201 2.63 / 2.61 / 2.61; efficientnetb3 4.31 / 4.08 /
  // 4.05. Each is the largest rounded up. With tfjs-layers' own batch norm they were 6.55-7.52.
  'small-cnn': { params: 98_160, activationValuesPerPixel: 100.5, tapeFactor: 3.35 },
  mobilenetv2: { params: 2_257_984, activationValuesPerPixel: 437.8, tapeFactor: 3.0 },
  densenet121: { params: 7_037_504, activationValuesPerPixel: 998.0, tapeFactor: 2.65 },
  densenet201: { params: 18_321_984, activationValuesPerPixel: 1543.4, tapeFactor: 2.65 },
  efficientnetb3: { params: 10_783_535, activationValuesPerPixel: 952.9, tapeFactor: 4.35 },
};

export interface MemoryEstimate {
  bytes: number;
  parts: { weights: number; optimizer: number; activations: number; workspace: number };
}

/** The formula above, from a backbone's parameters and its summed layer outputs for one image. */
export function stepMemory(params: number, activationValuesPerImage: number, tapeFactor: number, batchSize: number): MemoryEstimate {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const weights = params * BYTES_PER_VALUE;
  const optimizer = (OPTIMIZER_PEAK_FACTOR - 1) * weights;
  const activations = Math.max(STEP_FLOOR_BYTES, activationValuesPerImage * batchSize * BYTES_PER_VALUE * tapeFactor + STEP_FIXED_BYTES);
  const peak = weights + optimizer + activations;
  const workspace = RUNTIME_BYTES + SLACK * peak;
  const round = Math.ceil;
  return {
    bytes: round(peak + workspace),
    parts: { weights: round(weights), optimizer: round(optimizer), activations: round(activations), workspace: round(workspace) },
  };
}

/** The estimate from the table alone (what the coordinator routes by); undefined for an unknown backbone. */
export function estimateStepMemory(backbone: string, resolution: number, batchSize: number): MemoryEstimate | undefined {
  const cost = BACKBONE_COSTS[backbone];
  if (!cost) return undefined;
  return stepMemory(cost.params, cost.activationValuesPerPixel * resolution * resolution, cost.tapeFactor, batchSize);
}
