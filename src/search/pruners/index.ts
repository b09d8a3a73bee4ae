import { z } from 'zod';
import { parseConfig } from '../../config/parse.ts';
import type { Pruner } from '../types.ts';
import { createAshaPruner } from './asha.ts';
import { createMedianPruner } from './median.ts';

export { ashaRungs } from './asha.ts';

export const PrunerConfigSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('asha'),
      /** The first rung's resource (step), e.g. 1 epoch or 1 fold. */
      minResource: z.number().positive(),
      reductionFactor: z.number().min(2, 'reductionFactor must be at least 2 (keep the top half or less at each rung)'),
      /** The full resource of a trial (e.g. folds * epochs); no rung at or above it. */
      maxResource: z.number().positive(),
    })
    .refine((c) => c.maxResource > c.minResource, { path: ['maxResource'], message: 'maxResource must be greater than minResource' }),
  z.strictObject({
    type: z.literal('median'),
    warmupSteps: z.number().int().nonnegative().default(0),
    minTrials: z.number().int().positive().default(5),
  }),
  z.strictObject({ type: z.literal('none') }),
]);

export type PrunerConfig = z.input<typeof PrunerConfigSchema>;

const NEVER_PRUNE: Pruner = { name: 'none', decide: () => 'continue' };

/** Builds a pruner from its config, validating it (ConfigError naming the bad field). */
export function createPruner(config: PrunerConfig): Pruner {
  const parsed = parseConfig(PrunerConfigSchema, config, 'pruner');
  switch (parsed.type) {
    case 'asha':
      return createAshaPruner(parsed);
    case 'median':
      return createMedianPruner(parsed);
    case 'none':
      return NEVER_PRUNE;
  }
}
