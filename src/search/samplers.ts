import { DEFAULT_SAMPLER, type SamplerConfig, type SamplerName } from '../config/strategies.ts';
import type { Sampler } from './types.ts';
import { createRandomSampler } from './random.ts';
import { createGridSampler } from './grid.ts';
import { createTpeSampler } from './tpe/sampler.ts';
import { createGpSampler } from './gp/sampler.ts';

export { DEFAULT_SAMPLER, SAMPLER_NAMES, SamplerNameSchema, SamplerConfigSchema, type SamplerConfig, type SamplerName } from '../config/strategies.ts';

export interface SamplerOptions {
  /** Trials proposed by the space-filling start before a model is fitted (tpe, gp); default: one per searched dimension, 5..10. */
  readonly startupTrials?: number;
  /** tpe: candidates drawn from the good density per proposal. */
  readonly candidates?: number;
}

/** A sampler by name (options as a study file's sampler object takes them), or from its parsed config. */
export function createSampler(name: SamplerName | SamplerConfig = DEFAULT_SAMPLER, options: SamplerOptions = {}): Sampler {
  if (typeof name === 'object') {
    const { type, ...rest } = name;
    return createSampler(type, rest);
  }
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
