/**
 * One trial: stratified k-fold cross-validation of one TrialSpec on the non-holdout data (the sealed
 * holdout is never touched here). Per fold: a fresh model seeded from `spec.seed + fold`, trained
 * epoch by epoch, judged on the validation fold after every epoch (reported as TrialProgress with
 * step = fold * epochs + epoch), with optional early stopping on validation balanced accuracy.
 * Deterministic by seed on one backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrialSpec } from '../config/trial.ts';
import type { FoldMetrics, TrialProgress, TrialResult } from '../core/result.ts';
import { evaluatePredictions, type EvaluationMetrics } from './decision.ts';
import { throwIfAborted } from './fit.ts';
import { prepareTrial, startTraining, type PreparedTrial } from './prepare.ts';
import { summarizeFolds } from './summary.ts';

export interface TrialOptions {
  /** Called after every epoch of every fold. */
  onProgress?: (progress: TrialProgress) => void;
  /** Aborts between batches with an AbortError. */
  signal?: AbortSignal;
  /** Human-readable lines (backend, dataset, fold summaries). */
  log?: (line: string) => void;
}

export async function runTrial(spec: TrialSpec, options: TrialOptions = {}): Promise<TrialResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const trial = await prepareTrial(spec, log);
  const folds: FoldMetrics[] = [];
  for (let fold = 0; fold < spec.folds; fold++) {
    throwIfAborted(options.signal);
    folds.push(await runFold(trial, fold, options));
  }
  return {
    classNames: trial.classNames,
    minorityClass: trial.minorityClass,
    folds,
    ...summarizeFolds(folds, trial.classNames),
    backend: trial.backend.name,
    durationMs: Math.round(performance.now() - started),
  };
}

/**
 * Trains and judges one fold. With early stopping, the fold is judged at its best epoch (as Keras'
 * `restore_best_weights` would); otherwise at its last.
 */
async function runFold(trial: PreparedTrial, fold: number, options: TrialOptions): Promise<FoldMetrics> {
  const { spec } = trial;
  const { train, validation } = trial.splits.folds[fold]!;
  const training = await startTraining(trial, train, spec.seed + fold, `fold${fold}`);
  try {
    let best: { evaluation: EvaluationMetrics; balancedAccuracy: number } | undefined;
    let sinceBest = 0;
    let epochsRun = 0;
    for (let epoch = 0; epoch < spec.epochs; epoch++) {
      const where = `fold ${fold + 1}/${spec.folds}, epoch ${epoch + 1}/${spec.epochs}`;
      const loss = await training.epoch(epoch, options.signal, where);
      const evaluation = evaluatePredictions(await training.predict(validation, options.signal));
      epochsRun = epoch + 1;
      const balancedAccuracy = evaluation.argmax.balancedAccuracy;
      options.onProgress?.({
        fold,
        folds: spec.folds,
        epoch,
        epochs: spec.epochs,
        step: fold * spec.epochs + epoch,
        loss,
        validationBalancedAccuracy: balancedAccuracy,
      });
      const stopping = spec.earlyStopping;
      if (!stopping) {
        best = { evaluation, balancedAccuracy };
        continue;
      }
      if (!best || balancedAccuracy > best.balancedAccuracy + stopping.minDelta) {
        best = { evaluation, balancedAccuracy };
        sinceBest = 0;
      } else if (++sinceBest >= stopping.patience) {
        options.log?.(`fold ${fold + 1}: early stop after epoch ${epoch + 1} (no gain over ${stopping.minDelta} for ${stopping.patience} epochs)`);
        break;
      }
    }
    const { evaluation } = best!;
    options.log?.(
      `fold ${fold + 1}/${spec.folds}: balanced accuracy ${evaluation.argmax.balancedAccuracy.toFixed(3)} (argmax), ` +
        `${evaluation.tuned.balancedAccuracy.toFixed(3)} (threshold ${evaluation.tuned.threshold.toFixed(3)}); tensors ${tf.memory().numTensors}`,
    );
    return { fold, ...evaluation, epochsRun, trainCount: train.length, validationCount: validation.length };
  } finally {
    training.dispose();
  }
}
