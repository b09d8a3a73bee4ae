/**
 * How a recipe's final model is trained and judged, fixed from its cross-validation before the
 * sealed holdout is seen: the decision threshold (tuned on all folds' pooled out-of-fold
 * predictions) and the number of epochs (the folds' median early-stopping epoch, or the spec's
 * epochs without early stopping), each with where it came from. `skewer export` writes it into the
 * exported trial spec (`final`) from the winning trial's stored result; `skewer retrain` uses it,
 * or computes it by running the cross-validation first.
 */
import { z } from 'zod';
import type { TrialResult } from './result.ts';

export const FinalPlanSchema = z.strictObject({
  /** Minority-probability threshold: predict the minority when its probability is >= this. */
  threshold: z.number().min(0).max(1),
  /** Epochs to train the final model for. */
  epochs: z.number().int().min(1),
  /** Where each came from, in words (carried into retrain's report). */
  from: z.strictObject({ threshold: z.string().min(1), epochs: z.string().min(1) }),
});
export type FinalPlan = z.infer<typeof FinalPlanSchema>;

/** The median of whole numbers, rounded half up (an even count takes the upper of the two middles' mean). */
export function medianEpoch(epochs: readonly number[]): number {
  if (epochs.length === 0) throw new RangeError('the median epoch needs at least one fold');
  const sorted = [...epochs].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return Math.round(median);
}

/**
 * The final plan a stored trial result implies (pure: no I/O, no training). `trial` names the
 * result's origin in the explanations (e.g. `study demo trial 12`).
 */
export function finalPlanOf(result: TrialResult, trial = 'the cross-validation'): FinalPlan {
  const { finalThreshold, folds } = result;
  if (folds.length === 0) throw new RangeError('a final plan needs a result with folds');
  const counted = folds.map((fold) => fold.epochs.counted);
  const earlyStopped = folds.every((fold) => fold.epochs.rule === 'early-stopping on inner split');
  return {
    threshold: finalThreshold.threshold,
    epochs: medianEpoch(counted),
    from: {
      threshold:
        `out-of-fold: tuned for ${finalThreshold.criterion} on the ${finalThreshold.predictions} pooled validation ` +
        `predictions of ${folds.length} folds (${trial})`,
      epochs: earlyStopped
        ? `median of the folds' early-stopping epochs (${counted.join(', ')}) (${trial})`
        : `last epoch: every fold trained ${counted.join(', ')} epochs without early stopping (${trial})`,
    },
  };
}
