/**
 * The study config names its sampler and pruner loosely (config may not import search); here they
 * are checked against what src/search offers, with errors naming the config field, and the
 * search's Study is rebuilt from the store.
 */
import { ConfigError } from '../core/errors.ts';
import { strategyOf, type StudyConfig } from '../config/study.ts';
import { SamplerNameSchema, createPruner, createSampler, createStudy, type Study, type Pruner, type PrunerConfig, type Sampler } from '../search/index.ts';
import { OBJECTIVE_NAMES, objectiveFunction } from '../search/objectives.ts';
import type { FrozenTrial } from '../core/trial.ts';
import type { StoredTrial } from '../transport/messages.ts';

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

/**
 * The ask/tell Study rebuilt from stored trials (values and reports normalised so larger is
 * better): trial n is proposed from (seed, history) exactly as it would have been before a restart.
 */
export function studyFromStore(config: StudyConfig, stored: readonly StoredTrial[]): Study {
  const { sampler, pruner } = resolveStrategies(config);
  const sign = config.direction === 'maximize' ? 1 : -1;
  const history: FrozenTrial[] = stored.map((t) => ({
    id: t.id,
    number: t.number,
    state: t.state,
    params: t.params,
    ...(t.state === 'complete' && t.value !== undefined && { value: sign * t.value }),
    reports: t.reports.map((r) => ({ step: r.step, value: sign * r.value })),
  }));
  return createStudy({ space: config.space, sampler, pruner, seed: config.seed, direction: config.direction, trials: history });
}
