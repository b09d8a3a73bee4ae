/**
 * ASHA (asynchronous successive halving, Li et al. 2020). Rungs sit at resources
 * minResource * reductionFactor^k below maxResource; a resource is the pruning step a trial reports
 * (epochs, folds, or the combined step fold * epochs + epoch). When a report first crosses a rung,
 * the trial continues only if its value there is in the top 1/reductionFactor of every trial that
 * has reached that rung so far (itself included); with fewer than reductionFactor trials at the
 * rung it continues (nothing to compare with yet, and a trial cannot be paused).
 *
 * All bookkeeping derives from stored reports: a trial's value at a rung is its first report at
 * or after the rung's resource, and a rung is judged only by the report that crosses it. A pruner
 * rebuilt from the stored trials therefore makes the same decisions.
 */
import type { FrozenTrial, IntermediateReport } from '../../core/trial.ts';
import type { PruneDecision, Pruner } from '../types.ts';

export interface AshaConfig {
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly maxResource: number;
}

export function ashaRungs(config: AshaConfig): number[] {
  const rungs: number[] = [];
  for (let r = config.minResource; r < config.maxResource; r *= config.reductionFactor) rungs.push(r);
  return rungs;
}

export function sortedReports(trial: FrozenTrial): IntermediateReport[] {
  return [...trial.reports].sort((a, b) => a.step - b.step);
}

/** The trial's value at a rung: its first report at or after `resource`, if it got that far. */
export function valueAtRung(reports: readonly IntermediateReport[], resource: number): number | undefined {
  return reports.find((r) => r.step >= resource)?.value;
}

export function createAshaPruner(config: AshaConfig): Pruner {
  const rungs = ashaRungs(config);
  return {
    name: 'asha',
    decide(trial, history): PruneDecision {
      const reports = sortedReports(trial);
      const latest = reports.at(-1);
      if (!latest) return 'continue';
      const previousStep = reports.length > 1 ? reports.at(-2)!.step : -Infinity;
      for (const rung of rungs) {
        if (!(previousStep < rung && rung <= latest.step)) continue;
        const own = valueAtRung(reports, rung)!;
        const competitors = [own];
        for (const other of history) {
          if (other.id === trial.id) continue;
          const value = valueAtRung(sortedReports(other), rung);
          if (value !== undefined) competitors.push(value);
        }
        const keep = Math.floor(competitors.length / config.reductionFactor);
        if (keep === 0) continue;
        competitors.sort((a, b) => b - a);
        if (own < competitors[keep - 1]!) return 'prune';
      }
      return 'continue';
    },
  };
}
