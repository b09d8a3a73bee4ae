/**
 * The linear evaluation protocol of SimCLR (Chen et al. 2020): the pretrained encoder frozen, a
 * logistic (softmax) head trained on its features over the trial's own CV folds and judged like a
 * trial (out-of-fold thresholds included). Features are computed once, without augmentation, and
 * standardised with the fold's training statistics; the head trains full-batch with Adam and
 * class-balanced weights (n / (k n_c)), seeded.
 */
import * as tf from '@tensorflow/tfjs';
import type { Summary } from '../core/result.ts';
import { createRng } from '../core/rng.ts';
import { batchStream, type ImageItem, type PlannedImage } from '../data/index.ts';
import { leanAdam } from './adam.ts';
import { throwIfAborted } from './fit.ts';
import { judgeFolds } from './judge.ts';
import type { Predictions } from './metrics.ts';
import type { PreparedTrial } from './prepare.ts';
import { buildEncoder } from './simclr.ts';
import { summarizeFolds } from './summary.ts';

export interface LinearEvaluation {
  readonly objective: Summary;
  readonly balancedAccuracy: Summary;
  readonly outOfFoldBalancedAccuracy: Summary;
}

const STEPS = 300;
const LEARNING_RATE = 0.05;

export async function linearEvaluation(trial: PreparedTrial, encoderPath: string, signal?: AbortSignal): Promise<LinearEvaluation> {
  const { spec, classNames, minorityClass } = trial;
  const built = await buildEncoder(trial, spec.seed, encoderPath);
  const items = trial.splits.nonHoldout;
  const features: number[][] = [];
  try {
    const batches: PlannedImage[][] = [];
    for (let i = 0; i < items.length; i += spec.batchSize) batches.push(items.slice(i, i + spec.batchSize).map((item) => ({ item, augment: false })));
    const stream = batchStream(batches, { cache: trial.cache, resolution: spec.resolution, fit: spec.fit, classNames, augmentations: [], rng: createRng(spec.seed).fork('linear-eval') });
    for await (const batch of stream) {
      try {
        throwIfAborted(signal);
        const out = tf.tidy(() => built.encoder.apply(batch.x, { training: false }) as tf.Tensor2D);
        features.push(...(out.arraySync() as number[][]));
        out.dispose();
      } finally {
        tf.dispose([batch.x, batch.y]);
      }
    }
  } finally {
    built.dispose();
  }
  const row = new Map(items.map((item, i) => [item.path, features[i]!]));
  const runs = trial.splits.folds.map((fold, index) => {
    const predictions = fitHead(fold.train, fold.validation, row, classNames, minorityClass, spec.seed + index);
    return { fold: index, predictions, epochs: { counted: 1, ran: 1, rule: 'last epoch' as const, innerValidationCount: 0 }, trainCount: fold.train.length };
  });
  const { folds } = judgeFolds(runs, spec.metric, spec.folds);
  const summary = summarizeFolds(folds, classNames, spec.folds);
  return { objective: summary.objective, balancedAccuracy: summary.balancedAccuracy, outOfFoldBalancedAccuracy: summary.outOfFoldBalancedAccuracy };
}

function fitHead(train: readonly ImageItem[], validation: readonly ImageItem[], row: Map<string, number[]>, classNames: readonly string[], minorityClass: string, seed: number): Predictions {
  const label = (item: ImageItem): number => classNames.indexOf(item.label);
  let probabilities: number[][] = [];
  tf.tidy(() => {
    const xTrain = tf.tensor2d(train.map((item) => row.get(item.path)!));
    const mean = tf.mean(xTrain, 0);
    const std = tf.add(tf.sqrt(tf.mean(tf.square(tf.sub(xTrain, mean)), 0)), 1e-6);
    const standardise = (x: tf.Tensor2D): tf.Tensor2D => tf.div(tf.sub(x, mean), std);
    const x = standardise(xTrain);
    const y = tf.oneHot(tf.tensor1d(train.map(label), 'int32'), classNames.length);
    const counts = classNames.map((_, c) => train.filter((item) => label(item) === c).length);
    const weights = tf.tensor1d(counts.map((n) => (n > 0 ? train.length / (classNames.length * n) : 0)));
    const rowWeights = tf.sum(tf.mul(y, weights), 1);
    const kernel = tf.variable(tf.initializers.glorotUniform({ seed }).apply([x.shape[1], classNames.length]) as tf.Tensor2D);
    const bias = tf.variable(tf.zeros([classNames.length]));
    const optimizer = leanAdam(LEARNING_RATE);
    for (let step = 0; step < STEPS; step++) {
      optimizer.minimize(() => {
        const logits = tf.add(tf.matMul(x, kernel), bias);
        const perRow = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1));
        return tf.add(tf.div(tf.sum(tf.mul(perRow, rowWeights)), tf.sum(rowWeights)), tf.mul(1e-3, tf.sum(tf.square(kernel)))) as tf.Scalar;
      });
    }
    const xValidation = standardise(tf.tensor2d(validation.map((item) => row.get(item.path)!)));
    probabilities = tf.softmax(tf.add(tf.matMul(xValidation, kernel), bias)).arraySync() as number[][];
    optimizer.dispose();
    kernel.dispose();
    bias.dispose();
  });
  return { classNames, minorityClass, labels: validation.map(label), probabilities };
}
