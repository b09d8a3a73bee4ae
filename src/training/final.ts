/**
 * The final model of a recipe: trained on ALL non-holdout data, then evaluated ONCE on the sealed,
 * balanced holdout. Writes to `outDir` the tfjs model (model.json + weights.bin, stock layers only,
 * so plain `@tensorflow/tfjs` loads it), preprocessing.json (what a consumer must repeat: input
 * size, fit, [0, 1] RGB scaling, class order, decision threshold) and report.json.
 * The holdout result is for the person who exported the recipe; it is never fed back to search.
 *
 * Its decision threshold and epochs are fixed before the holdout is seen (`FinalPlan`): taken from
 * the spec's `final` (written by `skewer export` from the winning trial's cross-validation), or, when
 * the spec has none, from a k-fold cross-validation of the spec run here first (`runTrial`, then
 * `finalPlanOf`): the threshold tuned on all folds' pooled out-of-fold predictions, the epochs the
 * folds' median early-stopping epoch (or `spec.epochs` without early stopping). The prior-corrected
 * threshold is reported beside it as a labelled extra, never chosen on the holdout.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { crossValidationLabel, type TrialSpec } from '../config/trial.ts';
import { finalPlanOf, type FinalPlan } from '../core/final-plan.ts';
import type { Metric } from '../core/metric.ts';
import type { Summary, ThresholdMetrics, TrialProgress } from '../core/result.ts';
import { saveLayersModel, toStockModel } from '../models/index.ts';
import { PREPROCESSING_FILE, preprocessingOf } from './preprocessing.ts';
import { evaluatePredictions, priorCorrectedThreshold, thresholdCriterionFor, thresholdMetrics, type EvaluationMetrics } from './decision.ts';
import { throwIfAborted } from './fit.ts';
import { metricValue } from './judge.ts';
import type { Predictions } from './metrics.ts';
import { obtainEncoder } from './encoder-cache.ts';
import { prepareTrial, startTraining } from './prepare.ts';
import { runTrial } from './run-trial.ts';

export interface FinalReport {
  readonly kind: 'skewer-final-report';
  readonly createdAt: string;
  /** The recipe, as `skewer train` / `skewer retrain` accept it, with the plan it used as `final`. */
  readonly spec: TrialSpec;
  readonly backend: string;
  readonly dataset: {
    readonly root: string;
    readonly hash: string;
    readonly classNames: readonly string[];
    readonly minorityClass: string;
    readonly counts: Readonly<Record<string, number>>;
  };
  /** The threshold and epochs, fixed before the holdout was seen, and where they came from. */
  readonly plan: FinalPlan & { readonly source: 'spec' | 'cross-validation' };
  /** When the plan came from a cross-validation run here: its figures. */
  readonly crossValidation?: {
    readonly metric: Metric;
    readonly objective: Summary;
    readonly outOfFoldBalancedAccuracy: Summary;
    readonly durationMs: number;
  };
  readonly training: {
    readonly images: number;
    readonly epochs: number;
    readonly minorityWeight: number;
    /** Images per class of one planned epoch (after sampling). */
    readonly plannedPerEpoch: Readonly<Record<string, number>>;
    readonly finalLoss: number;
    readonly durationMs: number;
  };
  readonly holdout: EvaluationMetrics & {
    readonly metric: Metric;
    /** The trial's metric on the holdout. */
    readonly objective: number;
    /** The plan's threshold (chosen out-of-fold, before the holdout): the holdout result of the recipe. */
    readonly threshold: ThresholdMetrics;
    /** The prior-corrected threshold: a labelled extra, for comparison. */
    readonly priorCorrected: ThresholdMetrics;
    readonly images: number;
    readonly perClass: Readonly<Record<string, number>>;
    /** The holdout images (paths relative to the dataset root), so anyone can re-check the figures. */
    readonly items: ReadonlyArray<{ readonly path: string; readonly label: string }>;
  };
  /** Files written, relative to the output directory. */
  readonly files: { readonly model: string; readonly weights: string; readonly report: string; readonly preprocessing: string };
}

export interface FinalOptions {
  outDir: string;
  onProgress?: (progress: TrialProgress) => void;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The spec's own plan, or one from a cross-validation of the spec (run now, before any holdout figure exists). */
async function planFor(spec: TrialSpec, options: FinalOptions): Promise<Pick<FinalReport, 'plan' | 'crossValidation'>> {
  if (spec.final) return { plan: { ...spec.final, source: 'spec' } };
  options.log?.(`the spec has no 'final' plan: running its ${crossValidationLabel(spec)} cross-validation first to fix the threshold and epochs`);
  const result = await runTrial(spec, { ...options, log: options.log ?? (() => {}) });
  const plan = finalPlanOf(result, `this spec's ${crossValidationLabel(spec)} cross-validation, run by retrain`);
  const { metric, objective, outOfFoldBalancedAccuracy, durationMs } = result;
  return { plan: { ...plan, source: 'cross-validation' }, crossValidation: { metric, objective, outOfFoldBalancedAccuracy, durationMs } };
}

export async function trainFinal(spec: TrialSpec, options: FinalOptions): Promise<FinalReport> {
  const { plan, crossValidation } = await planFor(spec, options);
  throwIfAborted(options.signal);
  const started = performance.now();
  const log = options.log ?? (() => {});
  const prepared = await prepareTrial(spec, log);
  // The same non-holdout images as the cross-validation: its cached encoder, or pretrained now.
  const encoder = spec.pretraining.method === 'simclr' ? await obtainEncoder(prepared, spec.pretraining, { log, ...(options.signal && { signal: options.signal }) }) : undefined;
  const trial = encoder ? { ...prepared, encoderPath: encoder.path } : prepared;
  const { classNames, minorityClass, splits, index } = trial;
  if (splits.holdout.length === 0) log('holdout is 0: the final model is trained but cannot be judged on unseen data');
  log(`final model: threshold ${plan.threshold.toFixed(3)} (${plan.from.threshold}); ${plan.epochs} epochs (${plan.from.epochs})`);
  const training = await startTraining(trial, splits.nonHoldout, spec.seed, 'final', plan.epochs);
  try {
    let loss = Number.NaN;
    for (let epoch = 0; epoch < plan.epochs; epoch++) {
      loss = await training.epoch(epoch, options.signal, `final model, epoch ${epoch + 1}/${plan.epochs}`);
      options.onProgress?.({ fold: 0, folds: 1, epoch, epochs: plan.epochs, step: epoch, loss, validationValue: Number.NaN, validationBalancedAccuracy: Number.NaN });
      log(`final model: epoch ${epoch + 1}/${plan.epochs} loss ${loss.toFixed(4)}`);
    }
    await training.finish(options.signal, 'final model');
    throwIfAborted(options.signal);
    const trainedCounts = classNames.map((name) => training.trainedCounts[name] ?? 0);
    const prior = priorCorrectedThreshold(trainedCounts, training.loss.classWeights, classNames.indexOf(minorityClass), training.loss.logitAdjustment);
    const predictions = splits.holdout.length > 0 ? await training.predict(splits.holdout, options.signal, 'the holdout') : emptyPredictions(classNames, minorityClass);
    await mkdir(options.outDir, { recursive: true });
    // Stock tfjs layers only, and the preprocessing written down: the model loads and runs anywhere.
    await saveLayersModel(toStockModel(training.classifier.model), options.outDir);
    const preprocessing = preprocessingOf({ resolution: spec.resolution, fit: spec.fit, classNames, minorityClass, plan, model: 'model.json' });
    await writeFile(path.join(options.outDir, PREPROCESSING_FILE), `${JSON.stringify(preprocessing, null, 2)}\n`);
    const criterion = thresholdCriterionFor(spec.metric);
    const evaluation = evaluatePredictions(predictions);
    const report: FinalReport = {
      kind: 'skewer-final-report',
      createdAt: new Date().toISOString(),
      spec: { ...spec, final: { threshold: plan.threshold, epochs: plan.epochs, from: plan.from } },
      backend: trial.backend.name,
      dataset: { root: index.root, hash: index.hash, classNames, minorityClass, counts: index.counts },
      plan,
      ...(crossValidation && { crossValidation }),
      training: {
        images: splits.nonHoldout.length,
        epochs: plan.epochs,
        minorityWeight: trial.minorityWeight,
        plannedPerEpoch: training.trainedCounts,
        finalLoss: loss,
        durationMs: Math.round(performance.now() - started),
      },
      holdout: {
        ...evaluation,
        metric: spec.metric,
        objective: metricValue(spec.metric, predictions, evaluation),
        threshold: thresholdMetrics(predictions, plan.threshold, 'out-of-fold', criterion),
        priorCorrected: thresholdMetrics(predictions, prior, 'prior-corrected', 'balancedAccuracy'),
        images: splits.holdout.length,
        perClass: Object.fromEntries(classNames.map((name) => [name, splits.holdout.filter((item) => item.label === name).length])),
        items: splits.holdout.map((item) => ({ path: path.relative(datasetBase(index.root), item.path), label: item.label })),
      },
      files: { model: 'model.json', weights: 'weights.bin', report: 'report.json', preprocessing: PREPROCESSING_FILE },
    };
    await writeFile(path.join(options.outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    training.dispose();
  }
}

/** The folder relative paths are given from: the dataset folder, or a CSV manifest's folder. */
function datasetBase(root: string): string {
  return path.extname(root).toLowerCase() === '.csv' ? path.dirname(root) : root;
}

function emptyPredictions(classNames: readonly string[], minorityClass: string): Predictions {
  return { classNames, minorityClass, labels: [], probabilities: [] };
}
