/**
 * The baseline row of bench:recipes: a class-weighted logistic regression on raw pixels, in tfjs,
 * over the SAME folds as the CNN recipes (the trial spec's seed gives prepareTrial's split), judged
 * by the same out-of-fold threshold rule (judgeFolds). Pixels are decoded exactly as the CNN sees
 * them (spec resolution and fit, one grey channel), standardised with the training fold's mean and
 * standard deviation; class weights n / (2 n_c) balance the loss; L2 penalty `l2`; full-batch Adam
 * from zero weights (deterministic: nothing random).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrialSpec } from '../src/config/trial.ts';
import { decodeImageBytes, type ImageItem } from '../src/data/index.ts';
import { judgeFolds, type FoldRun } from '../src/training/judge.ts';
import type { Predictions } from '../src/training/metrics.ts';
import { prepareTrial } from '../src/training/prepare.ts';
import { summarizeFolds } from '../src/training/summary.ts';

export interface LogRegOptions {
  steps: number;
  learningRate: number;
  l2: number;
}

export const LOGREG_DEFAULTS: LogRegOptions = { steps: 300, learningRate: 0.01, l2: 1e-3 };

async function pixels(items: readonly ImageItem[], spec: TrialSpec): Promise<Float32Array[]> {
  return Promise.all(
    items.map(async (item) => {
      const rgb = await decodeImageBytes(item.path, { resolution: spec.resolution, fit: spec.fit });
      const grey = new Float32Array(rgb.length / 3);
      for (let p = 0; p < grey.length; p++) grey[p] = rgb[3 * p]! / 255;
      return grey;
    }),
  );
}

/** Fits on `train`, returns the validation predictions (probabilities in `classNames` order). */
function fitPredict(train: Float32Array[], trainLabels: number[], validation: Float32Array[], validationLabels: number[], minority: number, classNames: readonly string[], minorityClass: string, options: LogRegOptions): Predictions {
  const d = train[0]!.length;
  const probabilities = tf.tidy(() => {
    const x = tf.tensor2d(train.map((row) => Array.from(row)), [train.length, d]);
    const mean = x.mean(0);
    const std = x.sub(mean).square().mean(0).sqrt().add(1e-3);
    const xs = x.sub(mean).div(std);
    const y = tf.tensor1d(trainLabels.map((l) => (l === minority ? 1 : 0)));
    const positives = trainLabels.filter((l) => l === minority).length;
    const n = trainLabels.length;
    const weights = tf.tensor1d(trainLabels.map((l) => (l === minority ? n / (2 * positives) : n / (2 * (n - positives)))));
    const w = tf.variable(tf.zeros([d, 1]));
    const b = tf.variable(tf.scalar(0));
    const optimizer = tf.train.adam(options.learningRate);
    for (let step = 0; step < options.steps; step++) {
      optimizer.minimize(() => {
        const logits = xs.matMul(w).reshape([n]).add(b);
        const loss = tf.losses.sigmoidCrossEntropy(y, logits, weights, undefined, tf.Reduction.MEAN);
        return loss.add(w.square().sum().mul(options.l2)) as tf.Scalar;
      });
    }
    const xv = tf.tensor2d(validation.map((row) => Array.from(row)), [validation.length, d]).sub(mean).div(std);
    const p = tf.sigmoid(xv.matMul(w).reshape([validation.length]).add(b)).arraySync() as number[];
    optimizer.dispose();
    w.dispose();
    b.dispose();
    return p;
  });
  return {
    classNames,
    minorityClass,
    labels: validationLabels,
    probabilities: probabilities.map((p) => classNames.map((_, c) => (c === minority ? p : 1 - p))),
  };
}

/** The baseline's out-of-fold judged result over the spec's folds. */
export async function logisticRegressionTrial(spec: TrialSpec, options: LogRegOptions = LOGREG_DEFAULTS) {
  const started = performance.now();
  const trial = await prepareTrial(spec);
  const { classNames, minorityClass } = trial;
  const minority = classNames.indexOf(minorityClass);
  const runs: FoldRun[] = [];
  for (const [fold, { train, validation }] of trial.splits.folds.entries()) {
    const labelOf = (item: ImageItem) => classNames.indexOf(item.label);
    const predictions = fitPredict(await pixels(train, spec), train.map(labelOf), await pixels(validation, spec), validation.map(labelOf), minority, classNames, minorityClass, options);
    runs.push({ fold, predictions, epochs: { counted: options.steps, ran: options.steps, rule: 'last epoch', innerValidationCount: 0 }, trainCount: train.length });
  }
  const { folds } = judgeFolds(runs, spec.metric);
  return { ...summarizeFolds(folds, classNames), durationMs: Math.round(performance.now() - started) };
}
