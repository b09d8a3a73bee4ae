import { z } from 'zod';
import type { Sampler } from './types.ts';
import { createRandomSampler } from './random.ts';
import { createGridSampler } from './grid.ts';

export const SAMPLER_NAMES = ['grid', 'random', 'tpe', 'gp'] as const;
export const SamplerNameSchema = z.enum(SAMPLER_NAMES);
export type SamplerName = z.infer<typeof SamplerNameSchema>;

export interface SamplerOptions {
  /** Trials proposed by the space-filling start before a model is fitted (tpe, gp). */
  readonly startupTrials?: number;
}

export function createSampler(name: SamplerName, options: SamplerOptions = {}): Sampler {
  switch (name) {
    case 'grid':
      return createGridSampler();
    case 'random':
      return createRandomSampler();
    case 'tpe':
    case 'gp':
      throw new Error(`sampler '${name}' is not implemented yet (${JSON.stringify(options)})`);
  }
}
