/**
 * Median stopping rule (Golovin et al. 2017, as in Optuna's MedianPruner): after `warmupSteps`,
 * prune a trial whose best value so far is below the median of the values that completed trials
 * reported at the same step, once at least `minTrials` completed trials reported there.
 */
import type { PruneDecision, Pruner } from '../types.ts';

export interface MedianConfig {
  readonly warmupSteps: number;
  readonly minTrials: number;
}

export function createMedianPruner(config: MedianConfig): Pruner {
  return {
    name: 'median',
    decide(trial, history): PruneDecision {
      if (trial.reports.length === 0) return 'continue';
      const step = Math.max(...trial.reports.map((r) => r.step));
      if (step < config.warmupSteps) return 'continue';
      const bestSoFar = Math.max(...trial.reports.map((r) => r.value));
      const others: number[] = [];
      for (const other of history) {
        if (other.id === trial.id || other.state !== 'complete') continue;
        const atStep = other.reports.find((r) => r.step === step);
        if (atStep) others.push(atStep.value);
      }
      if (others.length < Math.max(1, config.minTrials)) return 'continue';
      others.sort((a, b) => a - b);
      const mid = others.length / 2;
      const median = others.length % 2 ? others[Math.floor(mid)]! : (others[mid - 1]! + others[mid]!) / 2;
      return bestSoFar < median ? 'prune' : 'continue';
    },
  };
}
