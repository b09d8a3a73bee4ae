import { DEFAULT_SAMPLER, type SamplerConfig, type SamplerName } from '../config/strategies.ts';
import type { Sampler } from './types.ts';
import { createRandomSampler } from './random.ts';
import { createGridSampler } from './grid.ts';
import { createTpeSampler } from './tpe/sampler.ts';
import { createGpSampler } from './gp/sampler.ts';

export { DEFAULT_SAMPLER, SAMPLER_NAMES, SamplerNameSchema, SamplerConfigSchema, type SamplerConfig, type SamplerName } from '../config/strategies.ts';

/** The options of a study file's sampler object, whichever sampler reads them. */
export type SamplerOptions = Omit<Extract<SamplerConfig, { type: 'tpe' }>, 'type'> & Omit<Extract<SamplerConfig, { type: 'gp' }>, 'type'>;

/** The below-group size rule for a study file's `gamma` fraction: Optuna's cap of 25 kept. */
export function gammaFraction(fraction: number): (n: number) => number {
  return (n) => Math.min(Math.ceil(fraction * n), 25);
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
    case 'tpe': {
      const { gamma, parallel: _p, parallelExploitation: _e, kernel: _k, anchors: _a, acquisition: _q, ...tpe } = options;
      return createTpeSampler({ ...tpe, ...(gamma === undefined ? {} : { gamma: gammaFraction(gamma) }) });
    }
    case 'gp': {
      const { startupTrials, parallel, parallelExploitation, kernel, anchors, acquisition } = options;
      return createGpSampler({ startupTrials, parallel, parallelExploitation, kernel, anchors, acquisition });
    }
  }
}
