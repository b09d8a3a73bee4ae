/**
 * What a study's trials are judged by, and so which way is better: an image study's metric (always
 * maximised, src/core/metric.ts) or a benchmark objective function (its own direction). The study's
 * direction is derived here, never written by the user.
 */
import type { Direction } from '../core/direction.ts';
import { DEFAULT_METRIC, metricId, metricLabel, type Metric } from '../core/metric.ts';
import type { StudyConfig } from '../config/study.ts';
import { objectiveFunction } from './functions.ts';

export { OBJECTIVE_FUNCTIONS, OBJECTIVE_NAMES, evaluateObjective, objectiveFunction, type ObjectiveFunction } from './functions.ts';

/** The direction of a study's values: a benchmark function's own, or maximise for an image metric. */
export function directionOf(config: Pick<StudyConfig, 'objective'>): Direction {
  return config.objective ? objectiveFunction(config.objective.function).direction : 'maximize';
}

/** The metric an image study ranks by (undefined for a benchmark objective study). */
export function studyMetricOf(config: Pick<StudyConfig, 'objective' | 'metric'>): Metric | undefined {
  return config.objective ? undefined : (config.metric ?? DEFAULT_METRIC);
}

/** What a study's value is, for events and column headers: `{ id: 'balancedAccuracy', label: 'bal.acc' }`. */
export function valueNameOf(config: StudyConfig): { readonly id: string; readonly label: string } {
  const metric = studyMetricOf(config);
  if (!metric) return { id: `objective:${config.objective!.function}`, label: 'value' };
  return { id: metricId(metric), label: metricLabel(metric) };
}
