/**
 * The study config names its sampler and pruner loosely (config may not import search); here they
 * are checked against what src/search offers, with errors naming the config field.
 */
import { ConfigError } from '../core/errors.ts';
import { strategyOf, type StudyConfig } from '../config/study.ts';
import { SamplerNameSchema, createPruner, createSampler, type Pruner, type PrunerConfig, type Sampler } from '../search/index.ts';
import { OBJECTIVE_NAMES, objectiveFunction } from '../search/objectives.ts';

export interface Strategies {
  readonly sampler: Sampler;
  readonly pruner: Pruner | undefined;
}

export function resolveStrategies(config: StudyConfig): Strategies {
  const { type: samplerType, ...samplerOptions } = strategyOf(config.sampler);
  const name = SamplerNameSchema.safeParse(samplerType);
  if (!name.success) {
    throw new ConfigError(`unknown sampler '${samplerType}'`, {
      where: 'sampler',
      hint: `Use one of: ${SamplerNameSchema.options.join(', ')}.`,
    });
  }
  let sampler: Sampler;
  try {
    sampler = createSampler(name.data, samplerOptions);
  } catch (error) {
    throw new ConfigError(`sampler '${samplerType}' cannot be used: ${(error as Error).message}`, {
      where: 'sampler',
      hint: `Use one of: ${SamplerNameSchema.options.join(', ')}.`,
    });
  }
  const prunerConfig = strategyOf(config.pruner);
  // createPruner validates the options (ConfigError naming the field).
  const pruner = prunerConfig.type === 'none' ? undefined : createPruner(prunerConfig as PrunerConfig);
  if (config.objective) {
    const fn = objectiveFunction(config.objective.function);
    const missing = fn.params.filter((p) => !(p in config.space));
    if (missing.length) {
      throw new ConfigError(`objective '${fn.name}' needs parameters ${missing.join(', ')} in the space`, {
        where: 'space',
        hint: `Add float parameters ${fn.params.join(', ')} (objectives: ${OBJECTIVE_NAMES.join(', ')}).`,
      });
    }
  }
  return { sampler, pruner };
}
