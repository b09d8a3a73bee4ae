import { z } from 'zod';
import type { Sampler } from './types.ts';
import { createRandomSampler } from './random.ts';
import { createGridSampler } from './grid.ts';
import { createTpeSampler } from './tpe/sampler.ts';
import { createGpSampler } from './gp/sampler.ts';

export const SAMPLER_NAMES = ['grid', 'random', 'tpe', 'gp'] as const;
export const SamplerNameSchema = z.enum(SAMPLER_NAMES);
export type SamplerName = z.infer<typeof SamplerNameSchema>;

/**
 * The Bayesian default, chosen by `npm run bench:search`: the GP reaches a median simple regret at
 * 50 trials of 1.3e-5 on Branin and 9.7e-3 on Hartmann-6 (TPE: 0.068 and 0.27); with 8 trials in
 * flight 2.4e-5 and 0.12 (Hartmann-6 at 50 trials is bimodal: ~12 of 20 seeds sequential, ~7 with
 * 8 in flight, have left the 0.12 / 0.19 local modes by then).
 */
export const DEFAULT_SAMPLER: SamplerName = 'gp';

export interface SamplerOptions {
  /** Trials proposed by the space-filling start before a model is fitted (tpe, gp); default: one per searched dimension, 5..10. */
  readonly startupTrials?: number;
}

export function createSampler(name: SamplerName, options: SamplerOptions = {}): Sampler {
  switch (name) {
    case 'grid':
      return createGridSampler();
    case 'random':
      return createRandomSampler();
    case 'tpe':
      return createTpeSampler(options);
    case 'gp':
      return createGpSampler(options);
  }
}
