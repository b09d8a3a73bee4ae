/**
 * What one trial produces, shared by training (which computes it), the coordinator (which stores
 * it), the transport (which carries it), the UI (which ranks by it) and export. Each shape is one
 * zod schema with its type derived from it, so the wire, the store and the code cannot drift.
 * Classes are identified by name, never by index.
 *
 * Honest figures: the threshold that scores a fold is chosen without that fold (`outOfFold`); the
 * in-fold optimum is kept only as `oracle`, labelled, never ranked on; `epochs` says which epoch's
 * predictions were scored and why.
 */
import { z } from 'zod';
import { MetricSchema } from './metric.ts';

/**
 * A figure that may be undefined (NaN: an AUC without a minority image, a mean over no folds).
 * JSON writes NaN as null, so null reads back as NaN; the type stays `number`.
 */
const figure = z.union([z.number(), z.nan(), z.null().transform(() => Number.NaN)]);

/** Mean, standard deviation (sample, n-1) and a 95% t-interval across folds (clipped to the metric's range). */
export const SummarySchema = z.object({
  mean: figure,
  std: figure,
  ci95: z.tuple([figure, figure]),
  n: z.number().int(),
});
export type Summary = z.infer<typeof SummarySchema>;

export const BinaryScoresSchema = z.object({ precision: figure, recall: figure, f1: figure });
export type BinaryScores = z.infer<typeof BinaryScoresSchema>;

/** Metrics of one decision rule on one evaluation set. */
export const RuleMetricsSchema = z.object({
  /** Mean per-class recall. */
  balancedAccuracy: figure,
  /** Recall (per-class accuracy) by class name. */
  perClassRecall: z.record(z.string(), figure),
  /** confusion[i][j]: images of class classNames[i] predicted as classNames[j]. */
  confusion: z.array(z.array(z.number())),
  /** Precision / recall / F1 of the minority class. */
  minority: BinaryScoresSchema,
});
export type RuleMetrics = z.infer<typeof RuleMetricsSchema>;

/** What a minority-probability threshold is tuned to maximise. */
export const THRESHOLD_CRITERIA = ['balancedAccuracy', 'minorityF1'] as const;
export type ThresholdCriterion = (typeof THRESHOLD_CRITERIA)[number];

/**
 * How a threshold was chosen:
 * - `out-of-fold`: on the pooled validation predictions of the OTHER folds (never the scored one);
 * - `oracle`: on the very fold it scores (optimistic, shown for comparison only);
 * - `prior-corrected`: from the training prior (no data looked at).
 */
export const THRESHOLD_RULES = ['out-of-fold', 'oracle', 'prior-corrected'] as const;
export type ThresholdRuleName = (typeof THRESHOLD_RULES)[number];

/** A threshold rule's metrics, with its threshold and how that threshold was chosen. */
export const ThresholdMetricsSchema = RuleMetricsSchema.extend({
  threshold: figure,
  rule: z.enum(THRESHOLD_RULES),
  criterion: z.enum(THRESHOLD_CRITERIA),
});
export type ThresholdMetrics = z.infer<typeof ThresholdMetricsSchema>;

/** Which epoch's predictions a fold was scored on. */
export const EPOCH_RULES = ['early-stopping on inner split', 'last epoch'] as const;
export type EpochRule = (typeof EPOCH_RULES)[number];

export const FoldEpochsSchema = z.object({
  /** The epoch whose predictions were scored (1-based: the number of epochs its weights had trained). */
  counted: z.number().int().min(1),
  /** Epochs trained before stopping (>= counted). */
  ran: z.number().int().min(1),
  rule: z.enum(EPOCH_RULES),
  /** Images of the fold's training part held out to monitor early stopping (0 without it). */
  innerValidationCount: z.number().int().min(0),
});
export type FoldEpochs = z.infer<typeof FoldEpochsSchema>;

export const FoldMetricsSchema = z.object({
  /** The fold's index over all repeats (repeat * folds + fold within the repeat). */
  fold: z.number().int(),
  /** With repeated k-fold (spec.repeats > 1): which draw of the folds this one belongs to (from 0); absent with one. */
  repeat: z.number().int().min(0).optional(),
  /** The trial's metric (`TrialResult.metric`) on this fold: what the objective averages. */
  objective: figure,
  /** Plain argmax rule. */
  argmax: RuleMetricsSchema,
  /** The threshold tuned on the other folds' validation predictions, applied to this fold: the honest threshold score. */
  outOfFold: ThresholdMetricsSchema,
  /** The threshold tuned on this very fold: an optimistic upper bound, never ranked on. */
  oracle: ThresholdMetricsSchema,
  rocAuc: figure,
  prAuc: figure,
  epochs: FoldEpochsSchema,
  /** Images the model was fitted on (the fold's training part, less any inner validation split). */
  trainCount: z.number().int(),
  validationCount: z.number().int(),
});
export type FoldMetrics = z.infer<typeof FoldMetricsSchema>;

/** The threshold a final model uses: tuned on all folds' pooled out-of-fold predictions. */
export const FinalThresholdSchema = z.object({
  threshold: figure,
  rule: z.literal('out-of-fold'),
  criterion: z.enum(THRESHOLD_CRITERIA),
  /** How many pooled validation predictions it was tuned on. */
  predictions: z.number().int().min(0),
});
export type FinalThreshold = z.infer<typeof FinalThresholdSchema>;

/**
 * The pooled out-of-fold predictions of a cross-validation: every validation image of every fold
 * once, as scored at the epoch that counted (columns of equal length, one entry per image). What
 * curves and threshold sweeps of a trial are drawn from (ROC, PR, balanced accuracy vs threshold).
 */
/**
 * A column of one number per image, checked in one plain loop: these columns hold every
 * validation image of a trial, and zod's per-element checks made decoding a study of 1,000
 * trials cost over half a second (`skewer status` decodes every record it reads).
 */
function column(rule: string, holds: (value: number) => boolean) {
  return z.custom<number[]>((value) => {
    if (!Array.isArray(value)) return false;
    for (const item of value) if (typeof item !== 'number' || !holds(item)) return false;
    return true;
  }, `must be an array of ${rule}`);
}
const classIndexColumn = () => column('integers ≥ 0 (class indices)', (v) => Number.isInteger(v) && v >= 0);

export const OutOfFoldPredictionsSchema = z
  .object({
    /** True class of each image: an index into `classNames`. */
    labels: classIndexColumn(),
    /** The minority-class probability of each image (rounded to 6 decimals). */
    scores: column('probabilities in [0, 1]', (v) => v >= 0 && v <= 1),
    /** The fold whose validation part the image was in (over all repeats: with repeated k-fold each image appears once per repeat). */
    folds: column('integers ≥ 0 (fold indices)', (v) => Number.isInteger(v) && v >= 0),
    /** With more than two classes: what the threshold rule predicts below threshold (the most probable other class). */
    otherwise: classIndexColumn().optional(),
  })
  .refine((p) => p.scores.length === p.labels.length && p.folds.length === p.labels.length && (!p.otherwise || p.otherwise.length === p.labels.length), {
    message: 'labels, scores, folds (and otherwise) must have one entry per image',
  });
export type OutOfFoldPredictions = z.infer<typeof OutOfFoldPredictionsSchema>;

export const TrialResultSchema = z.object({
  classNames: z.array(z.string()),
  minorityClass: z.string(),
  folds: z.array(FoldMetricsSchema),
  /** What the trial is judged by (all metrics are maximised). */
  metric: MetricSchema,
  /** The value the search maximises: `metric` per fold, across folds. */
  objective: SummarySchema,
  /** Balanced accuracy of the argmax rule. */
  balancedAccuracy: SummarySchema,
  /** Balanced accuracy with each fold's out-of-fold threshold. */
  outOfFoldBalancedAccuracy: SummarySchema,
  /** Balanced accuracy with each fold's in-fold optimal threshold: optimistic, never ranked on. */
  oracleBalancedAccuracy: SummarySchema,
  perClassRecall: z.record(z.string(), SummarySchema),
  rocAuc: SummarySchema,
  prAuc: SummarySchema,
  finalThreshold: FinalThresholdSchema,
  /** The pooled out-of-fold predictions (absent in results written before they were kept). */
  outOfFoldPredictions: OutOfFoldPredictionsSchema.optional(),
  /** SimCLR pretraining of the encoder the folds started from (absent without pretraining and in older results). */
  pretraining: z
    .object({
      method: z.literal('simclr'),
      /** The encoder cache key (sha256 of dataset hash, holdout, backbone, resolution, settings). */
      key: z.string(),
      /** Pretrained by this trial, or read from this machine's disk or the object store. */
      source: z.enum(['pretrained', 'disk', 'store']),
      /** Mean NT-Xent per pretraining epoch (when this trial pretrained). */
      losses: z.array(figure).optional(),
      /** The linear evaluation protocol: the encoder frozen, a logistic head over the same folds. */
      linearEvaluation: z.object({ objective: SummarySchema, balancedAccuracy: SummarySchema, outOfFoldBalancedAccuracy: SummarySchema }).optional(),
    })
    .optional(),
  /** Which tfjs backend ran it (`tensorflow` for tfjs-node(-gpu), `wasm`, `cpu`). */
  backend: z.string(),
  durationMs: z.number(),
});
export type TrialResult = z.infer<typeof TrialResultSchema>;

/** Progress of a running trial, reported per epoch and per fold (always on the validation fold). */
export const TrialProgressSchema = z.strictObject({
  /** `pretrain`: a SimCLR pretraining epoch (fold 0 of 1, epochs = pretraining epochs, no validation value); absent: a fold's epoch. */
  phase: z.literal('pretrain').optional(),
  fold: z.number().int().min(0),
  folds: z.number().int().min(1),
  epoch: z.number().int().min(0),
  epochs: z.number().int().min(1),
  /**
   * What pruners see as the resource used: epochs trained over the folds so far, 1-based
   * (fold * epochs + epoch + 1), so a fold ends at a multiple of `epochs`. A fold that stops early
   * uses up its budget: one more report at its boundary, (fold + 1) * epochs.
   */
  step: z.number().int().min(0),
  loss: figure,
  /** The trial's metric on the validation fold after this epoch. */
  validationValue: figure,
  /**
   * What pruners compare (like with like): the mean over the folds so far of each fold's value,
   * a finished fold's at the epoch that counted, the current fold's at this epoch. At a fold's end it
   * is the cross-validated estimate so far; rungs sit inside the first fold or at fold ends.
   */
  pruningValue: figure.optional(),
  /** Validation balanced accuracy (argmax) after this epoch. */
  validationBalancedAccuracy: figure,
});
export type TrialProgress = z.infer<typeof TrialProgressSchema>;

/**
 * Where a trial is inside an epoch: `batch` of `batches` trained (1-based) in epoch `epoch` (from 0)
 * of fold `fold` (from 0). Sent throttled on the bus and shown live; never stored (one per batch
 * would bloat the journal), so it is lost on a restart and the next epoch report takes over.
 *
 * `stage` says which training it is: absent for the supervised epochs; `pretrain` for SimCLR
 * pretraining before the folds (fold 0 of 1; `epochs` are the pretraining's); `crt` for the
 * classifier re-training after fold `fold`'s epochs (`epochs` are cRT's). A trial runs them in the
 * order pretrain, then per fold its epochs and its cRT (see batchOrder).
 */
export const BatchProgressSchema = z.strictObject({
  stage: z.enum(['pretrain', 'crt']).optional(),
  fold: z.number().int().min(0),
  folds: z.number().int().min(1),
  epoch: z.number().int().min(0),
  epochs: z.number().int().min(1),
  batch: z.number().int().min(1),
  batches: z.number().int().min(1),
});
export type BatchProgress = z.infer<typeof BatchProgressSchema>;

/**
 * Where a batch, or the epoch an epoch report closes, sits in a trial's run, as a tuple to compare
 * in order: [fold (pretraining is -1), stage within the fold (epochs 0, cRT 1), epoch, batch].
 */
export function batchOrder(at: { readonly stage?: 'pretrain' | 'crt' | undefined; readonly fold: number; readonly epoch: number; readonly batch?: number }): readonly number[] {
  return [at.stage === 'pretrain' ? -1 : at.fold, at.stage === 'crt' ? 1 : 0, at.epoch, at.batch ?? Number.POSITIVE_INFINITY];
}

/** Lexicographic comparison of two batchOrder tuples: negative when a comes first. */
export function compareBatchOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

/** The value a pruner compares for this report (older agents sent only the fold's own value). */
export function pruningValueOf(progress: TrialProgress): number {
  return progress.pruningValue ?? progress.validationValue;
}
