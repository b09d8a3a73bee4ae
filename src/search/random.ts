import type { Sampler } from './types.ts';
import { sampleRandomParams } from './space.ts';

/** The baseline: every active parameter uniform (log-uniform for log ranges), independently. */
export function createRandomSampler(): Sampler {
  return {
    name: 'random',
    sample: (space, _history, rng) => sampleRandomParams(space, rng),
  };
}
