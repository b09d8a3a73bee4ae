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
import { baseSpecOf, type StudyConfig } from '../config/study.ts';
import { TrialSpecFieldsSchema, specFromParams } from '../config/trial.ts';
import type { SearchSpace } from '../config/space.ts';
import { ashaRungs, createPruner, createSampler, createStudy, enumerateGrid, proposeTrial, type AskedTrial, type PruneDecision, type Pruner, type Sampler } from '../search/index.ts';
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
  checkRungsAtFoldBoundaries(config);
  checkSpaceMakesTrials(config);
  return { space: config.space, seed: config.seed, direction: directionOf(config), sampler, pruner };
}

/** Random draws of the space checked against the trial spec before a study is stored. */
const PREFLIGHT_DRAWS = 32;

/**
 * A study that cannot make one valid trial is refused before it is stored (its name stays free):
 * a grid over a float range, or a space parameter that is no trial spec field or has values the
 * field refuses, failed every trial and still used the name up. Seeded random draws (conditional
 * parameters included) each become a trial spec; the first refusal is the error, with its zod path.
 */
function checkSpaceMakesTrials(config: StudyConfig): void {
  if (config.sampler.type === 'grid') enumerateGrid(config.space);
  if (config.objective) return;
  const draws = createStudy({ space: config.space, sampler: 'random', seed: config.seed, direction: 'maximize' });
  for (let i = 0; i < PREFLIGHT_DRAWS; i += 1) {
    const asked = draws.ask();
    if (!asked) return;
    specFromParams(baseSpecOf(config), asked.params);
  }
}

/**
 * ASHA on an image study compares like with like only where every trial stands at the same place:
 * inside the first fold (the same epoch of the same fold) or at a fold's end (the mean of the folds
 * done). A rung anywhere else lands just after a model was re-initialised for the next fold, and a
 * trial would be judged on an untrained model. Checked when the epochs are fixed (not searched).
 */
function checkRungsAtFoldBoundaries(config: StudyConfig): void {
  if (config.objective || config.pruner.type !== 'asha' || 'epochs' in config.space) return;
  const epochs = Number(baseSpecOf(config).epochs ?? TrialSpecFieldsSchema.shape.epochs.parse(undefined));
  const bad = ashaRungs(config.pruner).filter((rung) => rung > epochs && rung % epochs !== 0);
  if (bad.length === 0) return;
  const rung = bad[0]!;
  throw new ConfigError(
    `ASHA rung at step ${rung} lands inside fold ${Math.floor(rung / epochs) + 1} (epoch ${rung % epochs} of ${epochs}), just after its model was re-initialised`,
    {
      where: 'pruner',
      hint:
        `Steps count epochs over the folds (${epochs} per fold): put every rung inside the first fold (<= ${epochs}) or at a fold's end ` +
        `(a multiple of ${epochs}), e.g. minResource ${Math.min(2, epochs)} with reductionFactor 3 and maxResource ${epochs * 3}.`,
    },
  );
}

/**
 * Each stored record's frozen form, made once: a record is replaced, never changed, when its trial
 * changes, and every ask and prune decision reads the whole history, so re-freezing every record
 * (reports included) each time made the coordinator's work per trial grow with the study
 * (bench:coordinator, issue 14).
 */
const frozen = new WeakMap<StoredTrial, { readonly direction: Direction; readonly trial: FrozenTrial }>();

function frozenFor(t: StoredTrial, direction: Direction): FrozenTrial {
  const hit = frozen.get(t);
  if (hit && hit.direction === direction) return hit.trial;
  const trial = freezeForSearch(t, direction);
  frozen.set(t, { direction, trial });
  return trial;
}

/** Stored trials, in number order, as the search sees them (larger is better). */
export function searchHistory(trials: Iterable<StoredTrial>, direction: Direction): FrozenTrial[] {
  return [...trials].sort((a, b) => a.number - b.number).map((t) => frozenFor(t, direction));
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
