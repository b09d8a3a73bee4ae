/**
 * What an image trial's value is: one named metric, averaged over the folds. Every image metric
 * here is a score where larger is better, so an image study always maximises and its direction
 * is owned by the metric, never written by the user. Benchmark objective functions carry their
 * own direction (src/objectives); the sign is applied once, at the edge (src/core/direction.ts).
 */
import { z } from 'zod';

export const METRIC_NAMES = ['balancedAccuracy', 'minorityF1', 'prAuc', 'rocAuc', 'minorityRecallAtPrecision'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** A metric as the trial spec and the study config name it: `balancedAccuracy`, or an object for one that takes a parameter. */
export const MetricSchema = z
  .union([
    z.enum(['balancedAccuracy', 'minorityF1', 'prAuc', 'rocAuc']),
    z.strictObject({ name: z.enum(['balancedAccuracy', 'minorityF1', 'prAuc', 'rocAuc']) }),
    z.strictObject({
      name: z.literal('minorityRecallAtPrecision'),
      /** The precision floor: the minority recall at the best threshold whose minority precision is at least this. */
      precision: z.number().gt(0).lt(1),
    }),
    z.literal('minorityRecallAtPrecision'),
  ], {
    error: () =>
      `use one of ${METRIC_NAMES.join(', ')}; minorityRecallAtPrecision takes a floor: { name: minorityRecallAtPrecision, precision: 0.9 }`,
  })
  .superRefine((value, ctx) => {
    if (value === 'minorityRecallAtPrecision') {
      ctx.addIssue({
        code: 'custom',
        message: 'minorityRecallAtPrecision needs a precision floor: write { name: minorityRecallAtPrecision, precision: 0.9 }',
      });
    }
  })
  .transform((value): Metric => (typeof value === 'string' ? { name: value as Exclude<MetricName, 'minorityRecallAtPrecision'> } : value));

export type Metric =
  | { readonly name: Exclude<MetricName, 'minorityRecallAtPrecision'> }
  | { readonly name: 'minorityRecallAtPrecision'; readonly precision: number };
export type MetricInput = z.input<typeof MetricSchema>;

export const DEFAULT_METRIC: Metric = { name: 'balancedAccuracy' };

/** What each metric measures, for help texts and reports. All of them are maximised. */
export const METRIC_DESCRIPTIONS: Readonly<Record<MetricName, string>> = {
  balancedAccuracy: 'mean per-class recall of the argmax rule',
  minorityF1: 'F1 of the minority class under the argmax rule',
  prAuc: 'area under the precision-recall curve of the minority score (average precision)',
  rocAuc: 'area under the ROC curve of the minority score',
  minorityRecallAtPrecision: 'minority recall at the best threshold whose minority precision reaches the floor',
};

/** A short column label: `bal.acc`, `min.F1`, `PR AUC`, `ROC AUC`, `rec@P0.9`. */
export function metricLabel(metric: Metric): string {
  switch (metric.name) {
    case 'balancedAccuracy':
      return 'bal.acc';
    case 'minorityF1':
      return 'min.F1';
    case 'prAuc':
      return 'PR AUC';
    case 'rocAuc':
      return 'ROC AUC';
    case 'minorityRecallAtPrecision':
      return `rec@P${metric.precision}`;
  }
}

/** `balancedAccuracy`, `minorityRecallAtPrecision(0.9)`: a stable name for logs and JSON. */
export function metricId(metric: Metric): string {
  return metric.name === 'minorityRecallAtPrecision' ? `${metric.name}(${metric.precision})` : metric.name;
}

/** Balanced accuracy of a confusion matrix (rows: true class): the mean recall over the classes present. */
export function balancedAccuracyOf(confusion: readonly (readonly number[])[]): number {
  const recalls = confusion.flatMap((row, c) => {
    const support = row.reduce((a, b) => a + b, 0);
    return support > 0 ? [row[c]! / support] : [];
  });
  return recalls.length ? recalls.reduce((a, b) => a + b, 0) / recalls.length : Number.NaN;
}
