/**
 * The search policy of a study: its sampler and pruner built from the parsed config (the config
 * schema has checked names and options, with zod paths, when the file was read), the direction its
 * objective owns, and the one conversion of stored trials into the frozen history that sampler and
 * pruner read. The coordinator keeps no other copy of the trials: it proposes and judges from the
 * store's records, as Optuna's samplers read storage.
 */
import { ConfigError } from '../core/errors.ts';
import { freezeForSearch, type Direction } from '../core/direction.ts';
import type { FrozenTrial } from '../core/trial.ts';
import type { StudyConfig } from '../config/study.ts';
import type { SearchSpace } from '../config/space.ts';
import { createPruner, createSampler, proposeTrial, type AskedTrial, type PruneDecision, type Pruner, type Sampler } from '../search/index.ts';
import { OBJECTIVE_NAMES, directionOf, objectiveFunction } from '../objectives/index.ts';
import type { StoredTrial } from '../transport/messages.ts';

export interface SearchPolicy {
  readonly space: SearchSpace;
  readonly seed: number;
  readonly direction: Direction;
  readonly sampler: Sampler;
  readonly pruner: Pruner | undefined;
}

export function resolveStrategies(config: StudyConfig): SearchPolicy {
  const sampler = createSampler(config.sampler);
  const pruner = config.pruner.type === 'none' ? undefined : createPruner(config.pruner);
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
  return { space: config.space, seed: config.seed, direction: directionOf(config), sampler, pruner };
}

/** Stored trials, in number order, as the search sees them (larger is better). */
export function searchHistory(trials: Iterable<StoredTrial>, direction: Direction): FrozenTrial[] {
  return [...trials].sort((a, b) => a.number - b.number).map((t) => freezeForSearch(t, direction));
}

/** The next trial proposed from the stored history; null when the sampler is exhausted (grid). */
export function proposeFromStore(policy: SearchPolicy, trials: Iterable<StoredTrial>): AskedTrial | null {
  return proposeTrial(policy.space, policy.sampler, policy.seed, searchHistory(trials, policy.direction));
}

/** The pruner's decision on trial `id` from the stored reports (its latest is the one judged). */
export function judgeFromStore(policy: SearchPolicy, trials: Iterable<StoredTrial>, id: string): PruneDecision {
  if (!policy.pruner) return 'continue';
  const history = searchHistory(trials, policy.direction);
  const trial = history.find((t) => t.id === id);
  return trial ? policy.pruner.decide(trial, history) : 'continue';
}
