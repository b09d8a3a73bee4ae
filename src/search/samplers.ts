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
 * 50 trials of ~1e-5 on Branin and ~2e-3 on Hartmann-6 (TPE: 0.11 and 0.58).
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
