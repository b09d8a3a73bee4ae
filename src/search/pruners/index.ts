import { parseConfig } from '../../config/parse.ts';
import { PrunerConfigSchema, type PrunerConfig } from '../../config/strategies.ts';
import type { Pruner } from '../types.ts';
import { createAshaPruner } from './asha.ts';
import { createMedianPruner } from './median.ts';

export { ashaRungs } from './asha.ts';

export { PrunerConfigSchema, type PrunerConfig } from '../../config/strategies.ts';

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
