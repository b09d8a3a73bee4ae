/**
 * The one estimate of what a training step needs in memory, used to refuse a recipe before it
 * trains (`skewer train`, `skewer models`, src/models/memory.ts) and to route trials to agents that
 * can hold them (src/coordinator/resources.ts). Pure arithmetic, so the coordinator (which never
 * loads tfjs) and the trainer compute the same figure:
 *
 *   weights     = parameters x 4 bytes
 *   optimizer   = parameters x 4 bytes x 3 (gradients + Adam's two moments)
 *   activations = (sum of layer output sizes per image) x batch x 4 bytes x the backbone's tape
 *                 factor: tfjs keeps every intermediate of the forward pass (batch-norm moments,
 *                 swish's sigmoid, concatenation copies) until the backward pass, and gradients of
 *                 the size of the activations live alongside them
 *   peak        = the larger of weights + optimizer + activations and the optimizer phase,
 *                 OPTIMIZER_PEAK_FACTOR x weights: tfjs' Adam updates every variable inside one
 *                 tidy, so about a dozen weight-sized temporaries per variable live at once
 *   workspace   = 64 MiB runtime + 10% allocator slack on the peak
 *
 * Calibrated with `npm run bench:memory` (`tf.profile` peak of one steady Adam step on wasm): the
 * tape factors from steps where activations dominate (160 px, batch 4), the optimizer factor from
 * steps where they do not (32 px: the peak is 17.8-17.9x the weight bytes for every backbone). The
 * table's parameter counts and activation sizes are read off the built models
 * (src/models/backbones/info.ts), which a test keeps in step with it.
 */
const BYTES_PER_VALUE = 4;
const MIB = 2 ** 20;
const RUNTIME_BYTES = 64 * MIB;
const SLACK = 0.1;
/**
 * Peak of tfjs' Adam update in weight bytes (measured 17.8-17.9x on every backbone). Training now
 * uses src/training/adam.ts, whose update peaks near 6x; this factor is kept until the estimate is
 * recalibrated for it (a lone 6.5 under-estimated small-cnn at 32 px), so it errs on the safe side.
 */
export const OPTIMIZER_PEAK_FACTOR = 18;

export interface BackboneCost {
  /** Parameters without the classification head. */
  readonly params: number;
  /** Summed layer output values per input pixel of one image (nearly constant across resolutions). */
  readonly activationValuesPerPixel: number;
  /** Measured peak step memory above weights + optimizer state, over the summed layer outputs. */
  readonly tapeFactor: number;
}

export const BACKBONE_COSTS: Readonly<Record<string, BackboneCost>> = {
  // Tape factors measured at 160 px batch 4 (wasm): 6.56, 6.83, 6.68, 6.84, 7.66; rounded up.
  'small-cnn': { params: 98_160, activationValuesPerPixel: 100.5, tapeFactor: 6.6 },
  mobilenetv2: { params: 2_257_984, activationValuesPerPixel: 437.8, tapeFactor: 6.9 },
  densenet121: { params: 7_037_504, activationValuesPerPixel: 998.0, tapeFactor: 6.7 },
  densenet201: { params: 18_321_984, activationValuesPerPixel: 1543.4, tapeFactor: 6.9 },
  efficientnetb3: { params: 10_783_535, activationValuesPerPixel: 952.9, tapeFactor: 7.7 },
};

export interface MemoryEstimate {
  bytes: number;
  parts: { weights: number; optimizer: number; activations: number; workspace: number };
}

/** The formula above, from a backbone's parameters and its summed layer outputs for one image. */
export function stepMemory(params: number, activationValuesPerImage: number, tapeFactor: number, batchSize: number): MemoryEstimate {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const weights = params * BYTES_PER_VALUE;
  const optimizer = 3 * weights;
  const activations = activationValuesPerImage * batchSize * BYTES_PER_VALUE * tapeFactor;
  const peak = Math.max(weights + optimizer + activations, OPTIMIZER_PEAK_FACTOR * weights);
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
