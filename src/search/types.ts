/**
 * The two seams of search, after Optuna's split: a Sampler says which parameters to try next, a
 * Pruner says whether a running trial should stop. Both see only immutable FrozenTrial snapshots
 * whose values are normalised so that larger is better, and neither owns any state that matters:
 * the same (space, history, rng) always gives the same proposal, the same reports the same decision.
 */
import type { Rng } from '../core/rng.ts';
import type { FrozenTrial, Params } from '../core/trial.ts';
import type { SearchSpace } from '../config/space.ts';

export type { FrozenTrial, Params } from '../core/trial.ts';
export type { SearchSpace } from '../config/space.ts';

export interface Sampler {
  readonly name: string;
  /**
   * Proposes the next point. `history` holds every trial so far in number order, including those
   * still waiting or running (they have no value), so parallel asks do not collide. Must be a pure
   * function of its arguments. Returns null when the space is exhausted (grid).
   */
  sample(space: SearchSpace, history: readonly FrozenTrial[], rng: Rng): Params | null;
}

export type PruneDecision = 'continue' | 'prune';

export interface Pruner {
  readonly name: string;
  /**
   * Decides from `trial.reports` (its latest report is the one being judged) and the stored reports
   * of `history`. A value, never an action; derived entirely from stored reports, so a restarted
   * coordinator reaches the same decisions.
   */
  decide(trial: FrozenTrial, history: readonly FrozenTrial[]): PruneDecision;
}
