/**
 * One trial: stratified k-fold cross-validation of one TrialSpec on the non-holdout data (the sealed
 * holdout is never touched here), drawn `spec.repeats` times (repeated k-fold: the folds of every
 * repeat run one after another, and `fold` counts over all of them, repeat * folds + fold within
 * it; progress says `folds` = folds x repeats). Per fold: a fresh model seeded from `spec.seed + fold`, trained
 * epoch by epoch, its validation fold predicted after every epoch (reported as TrialProgress with
 * step = fold * epochs + epoch + 1, the trial's metric as `validationValue`, and as `pruningValue`
 * the mean over the folds so far, so that pruners compare like with like). Deterministic by seed on
 * one backend.
 *
 * Which epoch counts: without early stopping, the last. With it, the fold's training part is split
 * (stratified, seeded) into a fitting part and an inner validation split; the metric on the inner
 * split picks the epoch, and the validation fold is scored on the predictions it got at that epoch.
 * Those predictions are snapshotted each time the inner split improves rather than the weights
 * restored: the validation fold is predicted every epoch anyway (for the progress reports), so the
 * snapshot is exactly what restored weights would predict, at no extra memory or prediction cost.
 *
 * Thresholds are chosen once all folds are done (src/training/judge.ts): each fold's from the other
 * folds' predictions, so no figure is scored on data that chose it.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrialSpec } from '../config/trial.ts';
import type { BatchProgress, FoldEpochs, TrialProgress, TrialResult } from '../core/result.ts';
import { BatchThrottle, type StageBatchCallback } from './batch-throttle.ts';
import { stratifiedHoldOut } from '../data/index.ts';
import { evaluatePredictions } from './decision.ts';
import { checkFiniteFigure } from './divergence.ts';
import { throwIfAborted } from './fit.ts';
import { judgeFolds, metricValue, outOfFoldPredictionsOf, type FoldRun } from './judge.ts';
import type { Predictions } from './metrics.ts';
import { prepareTrial, startTraining, type PreparedTrial } from './prepare.ts';
import { summarizeFolds } from './summary.ts';
import { linearEvaluation } from './linear-eval.ts';
import { obtainEncoder, type EncoderStore, type ObtainedEncoder } from './encoder-cache.ts';

export interface TrialOptions {
  /** Called after every epoch of every fold. */
  onProgress?: (progress: TrialProgress) => void;
  /** Called inside an epoch of a fold, throttled by BatchThrottle (about once a second or 10 % of the epoch). */
  onBatch?: (progress: BatchProgress) => void;
  /** Aborts between batches with an AbortError. */
  signal?: AbortSignal;
  /** Human-readable lines (backend, dataset, fold summaries). */
  log?: (line: string) => void;
  /** Where pretrained encoders are cached on this machine (default: defaultEncoderCacheDir()). */
  encoderCacheDir?: string;
  /** Encoders beyond this machine (an agent's object store). */
  encoderStore?: EncoderStore;
}

export async function runTrial(spec: TrialSpec, options: TrialOptions = {}): Promise<TrialResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const prepared = await prepareTrial(spec, log);
  let encoder: ObtainedEncoder | undefined;
  if (spec.pretraining.method === 'simclr') {
    const settings = spec.pretraining;
    // Pretraining shows like a fold: a `pretrain` phase of settings.epochs epochs.
    encoder = await obtainEncoder(prepared, settings, {
      log,
      ...(options.encoderCacheDir && { cacheDir: options.encoderCacheDir }),
      ...(options.encoderStore && { store: options.encoderStore }),
      ...(options.signal && { signal: options.signal }),
      onEpoch: (p) =>
        options.onProgress?.({ phase: 'pretrain', fold: 0, folds: 1, epoch: p.epoch, epochs: p.epochs, step: 0, loss: p.loss, validationValue: Number.NaN, validationBalancedAccuracy: Number.NaN }),
      ...(options.onBatch && { onBatch: batchReporter(options.onBatch, { stage: 'pretrain', fold: 0, folds: 1 }) }),
    });
  }
  const trial: PreparedTrial = encoder ? { ...prepared, encoderPath: encoder.path } : prepared;
  const linear = encoder ? await linearEvaluation(trial, encoder.path, options.signal) : undefined;
  if (linear) log(`linear evaluation (encoder frozen, logistic head): balanced accuracy ${linear.balancedAccuracy.mean.toFixed(3)} argmax, ${linear.outOfFoldBalancedAccuracy.mean.toFixed(3)} out-of-fold threshold`);
  const runs: FoldRun[] = [];
  // Each finished fold's value at the epoch that counted: the running estimate pruners compare.
  const finished: number[] = [];
  for (let fold = 0; fold < trial.splits.folds.length; fold++) {
    throwIfAborted(options.signal);
    const run = await runFold(trial, fold, options, finished);
    runs.push(run);
    finished.push(run.countedValue);
  }
  const { folds, finalThreshold } = judgeFolds(runs, spec.metric, spec.folds);
  // Finite predictions make finite thresholds; this is the last guard before a result is sealed.
  checkFiniteFigure('the final threshold', finalThreshold.threshold, 'judging the folds');
  for (const fold of folds) checkFiniteFigure(`the out-of-fold threshold of fold ${fold.fold + 1}`, fold.outOfFold.threshold, 'judging the folds');
  for (const fold of folds) {
    log(
      `fold ${fold.fold + 1}/${folds.length} (epoch ${fold.epochs.counted}, ${fold.epochs.rule}): balanced accuracy ` +
        `${fold.argmax.balancedAccuracy.toFixed(3)} argmax, ${fold.outOfFold.balancedAccuracy.toFixed(3)} out-of-fold threshold ` +
        `${fold.outOfFold.threshold.toFixed(3)}, ${fold.oracle.balancedAccuracy.toFixed(3)} oracle (in-fold, optimistic)`,
    );
  }
  return {
    classNames: [...trial.classNames],
    minorityClass: trial.minorityClass,
    folds,
    metric: spec.metric,
    ...summarizeFolds(folds, trial.classNames, spec.folds),
    finalThreshold,
    outOfFoldPredictions: outOfFoldPredictionsOf(runs),
    ...(encoder && { pretraining: { method: 'simclr' as const, key: encoder.key, source: encoder.source, ...(encoder.losses && { losses: [...encoder.losses] }), ...(linear && { linearEvaluation: linear }) } }),
    backend: trial.backend.name,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Trains one fold and returns its validation predictions at the epoch that counted. */
async function runFold(trial: PreparedTrial, fold: number, options: TrialOptions, finished: readonly number[]): Promise<FoldRun & { countedValue: number }> {
  const { spec } = trial;
  const { train, validation } = trial.splits.folds[fold]!;
  const total = trial.splits.folds.length;
  const stopping = spec.earlyStopping;
  const inner = stopping ? stratifiedHoldOut(train, stopping.validationFraction, `${spec.seed}/fold${fold}/inner`) : undefined;
  const fitItems = inner?.fit ?? train;
  const training = await startTraining(trial, fitItems, spec.seed + fold, `fold${fold}`);
  try {
    let counted: { epoch: number; predictions: Predictions; innerValue: number; value: number } | undefined;
    const running = (value: number): number => (finished.reduce((a, b) => a + b, 0) + value) / (finished.length + 1);
    let sinceBest = 0;
    let ran = 0;
    const report = options.onBatch && batchReporter(options.onBatch, { fold, folds: total });
    for (let epoch = 0; epoch < spec.epochs; epoch++) {
      const where = `fold ${fold + 1}/${total}, epoch ${epoch + 1}/${spec.epochs}`;
      const loss = await training.epoch(epoch, options.signal, where, report && ((batch, batches) => report(epoch, spec.epochs, batch, batches)));
      const predictions = await training.predict(validation, options.signal, `${where}, validation`);
      const evaluation = evaluatePredictions(predictions);
      const value = metricValue(spec.metric, predictions, evaluation);
      checkFiniteFigure(`the validation ${spec.metric.name}`, value, where);
      ran = epoch + 1;
      let stop = false;
      if (!stopping || !inner) {
        counted = { epoch, predictions, innerValue: Number.NaN, value };
      } else {
        const innerValue = metricValue(spec.metric, await training.predict(inner.validation, options.signal, `${where}, inner split`));
        if (!counted || innerValue > counted.innerValue + stopping.minDelta) {
          counted = { epoch, predictions, innerValue, value };
          sinceBest = 0;
        } else if (++sinceBest >= stopping.patience) {
          stop = true;
        }
      }
      const last = stop || epoch + 1 === spec.epochs;
      const progress = {
        fold,
        folds: total,
        epoch,
        epochs: spec.epochs,
        step: fold * spec.epochs + epoch + 1,
        loss,
        validationValue: value,
        validationBalancedAccuracy: evaluation.argmax.balancedAccuracy,
        // At the fold's end its value is the one that counted, so the running mean is the CV estimate so far.
        pruningValue: running(last ? counted!.value : value),
      };
      options.onProgress?.(progress);
      if (stop) {
        options.log?.(
          `fold ${fold + 1}: early stop after epoch ${epoch + 1} (inner split: no gain over ${stopping!.minDelta} for ${stopping!.patience} epochs); ` +
            `epoch ${counted!.epoch + 1} counts`,
        );
        // The fold's budget is used up: pruners see it end at its boundary, with the value that counted.
        if (epoch + 1 < spec.epochs) options.onProgress?.({ ...progress, step: (fold + 1) * spec.epochs });
        break;
      }
    }
    if (spec.classifierRetrain || spec.headTauNorm > 0) {
      // The second stage changes the model after its last epoch (the schema refuses it with early
      // stopping), so the fold is scored on what the finished model predicts.
      await training.finish(options.signal, `fold ${fold + 1}/${total}`, options.onBatch && batchReporter(options.onBatch, { stage: 'crt', fold, folds: total }));
      const predictions = await training.predict(validation, options.signal, `fold ${fold + 1}/${total}, after the second stage`);
      counted = { ...counted!, predictions, value: metricValue(spec.metric, predictions) };
      options.log?.(`fold ${fold + 1}: after ${spec.classifierRetrain ? `cRT (${spec.classifierRetrain.epochs} epochs)` : ''}${spec.headTauNorm > 0 ? ` tau-norm ${spec.headTauNorm}` : ''}: ${counted.value.toFixed(3)}`);
    }
    options.log?.(`fold ${fold + 1}/${total} trained; tensors ${tf.memory().numTensors}`);
    const epochs: FoldEpochs = {
      counted: counted!.epoch + 1,
      ran,
      rule: stopping ? 'early-stopping on inner split' : 'last epoch',
      innerValidationCount: inner?.validation.length ?? 0,
    };
    return { fold, predictions: counted!.predictions, epochs, trainCount: fitItems.length, countedValue: counted!.value };
  } finally {
    training.dispose();
  }
}

/**
 * Throttled batch reports for one stage of a trial (the supervised epochs of a fold, its cRT, or
 * pretraining): one throttle per stage, so each epoch's first batch shows at once.
 */
function batchReporter(onBatch: (progress: BatchProgress) => void, at: Pick<BatchProgress, 'stage' | 'fold' | 'folds'>): StageBatchCallback {
  const throttle = new BatchThrottle();
  return (epoch, epochs, batch, batches) => {
    if (throttle.shouldReport(batch, batches)) onBatch({ ...at, epoch, epochs, batch, batches });
  };
}
