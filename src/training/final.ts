/**
 * The final model of a recipe: trained on ALL non-holdout data, then evaluated ONCE on the sealed,
 * balanced holdout. Writes the tfjs model (model.json + weights.bin) and report.json to `outDir`.
 * The holdout result is for the person who exported the recipe; it is never fed back to search.
 *
 * There is no validation data here, so the threshold rule is the prior-corrected one (the
 * effective training prior, see `priorCorrectedThreshold`), and early stopping does not apply.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TrialSpec } from '../config/trial.ts';
import type { TrialProgress } from '../core/result.ts';
import { saveLayersModel } from '../models/index.ts';
import { evaluatePredictions, priorCorrectedThreshold, type EvaluationMetrics } from './decision.ts';
import { throwIfAborted } from './fit.ts';
import { prepareTrial, startTraining } from './prepare.ts';

export interface FinalReport {
  readonly kind: 'skewer-final-report';
  readonly createdAt: string;
  /** The recipe, as `skewer train` / `skewer retrain` accept it. */
  readonly spec: TrialSpec;
  readonly backend: string;
  readonly dataset: {
    readonly root: string;
    readonly hash: string;
    readonly classNames: readonly string[];
    readonly minorityClass: string;
    readonly counts: Readonly<Record<string, number>>;
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
    readonly images: number;
    readonly perClass: Readonly<Record<string, number>>;
    /** How `tuned.threshold` was chosen. */
    readonly thresholdRule: 'prior-corrected';
    /** The holdout images (paths relative to the dataset root), so anyone can re-check the figures. */
    readonly items: ReadonlyArray<{ readonly path: string; readonly label: string }>;
  };
  /** Files written, relative to the output directory. */
  readonly files: { readonly model: string; readonly weights: string; readonly report: string };
}

export interface FinalOptions {
  outDir: string;
  onProgress?: (progress: TrialProgress) => void;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export async function trainFinal(spec: TrialSpec, options: FinalOptions): Promise<FinalReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const trial = await prepareTrial(spec, log);
  const { classNames, minorityClass, splits, index } = trial;
  if (splits.holdout.length === 0) log('holdout is 0: the final model is trained but cannot be judged on unseen data');
  if (spec.earlyStopping) log('early stopping is ignored for the final model (no validation data); training runs all epochs');
  const training = await startTraining(trial, splits.nonHoldout, spec.seed, 'final');
  try {
    let loss = Number.NaN;
    for (let epoch = 0; epoch < spec.epochs; epoch++) {
      loss = await training.epoch(epoch, options.signal, `final model, epoch ${epoch + 1}/${spec.epochs}`);
      options.onProgress?.({ fold: 0, folds: 1, epoch, epochs: spec.epochs, step: epoch, loss, validationBalancedAccuracy: Number.NaN });
      log(`final model: epoch ${epoch + 1}/${spec.epochs} loss ${loss.toFixed(4)}`);
    }
    throwIfAborted(options.signal);
    const trainedCounts = classNames.map((name) => training.trainedCounts[name] ?? 0);
    const threshold = priorCorrectedThreshold(trainedCounts, training.loss.classWeights, classNames.indexOf(minorityClass), training.loss.logitAdjustment);
    const evaluation =
      splits.holdout.length > 0
        ? evaluatePredictions(await training.predict(splits.holdout, options.signal), threshold)
        : undefined;
    await mkdir(options.outDir, { recursive: true });
    await saveLayersModel(training.classifier.model, options.outDir);
    const report: FinalReport = {
      kind: 'skewer-final-report',
      createdAt: new Date().toISOString(),
      spec,
      backend: trial.backend.name,
      dataset: { root: index.root, hash: index.hash, classNames, minorityClass, counts: index.counts },
      training: {
        images: splits.nonHoldout.length,
        epochs: spec.epochs,
        minorityWeight: trial.minorityWeight,
        plannedPerEpoch: training.trainedCounts,
        finalLoss: loss,
        durationMs: Math.round(performance.now() - started),
      },
      holdout: {
        ...(evaluation ?? emptyEvaluation(classNames, threshold)),
        images: splits.holdout.length,
        perClass: Object.fromEntries(classNames.map((name) => [name, splits.holdout.filter((item) => item.label === name).length])),
        thresholdRule: 'prior-corrected',
        items: splits.holdout.map((item) => ({ path: path.relative(datasetBase(index.root), item.path), label: item.label })),
      },
      files: { model: 'model.json', weights: 'weights.bin', report: 'report.json' },
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

function emptyEvaluation(classNames: readonly string[], threshold: number): EvaluationMetrics {
  const empty = { balancedAccuracy: Number.NaN, perClassRecall: {}, confusion: classNames.map(() => classNames.map(() => 0)), minority: { precision: 0, recall: 0, f1: 0 } };
  return { argmax: empty, tuned: { ...empty, threshold }, rocAuc: Number.NaN, prAuc: Number.NaN };
}
