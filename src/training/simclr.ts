/**
 * SimCLR pretraining of a trial's backbone (Chen et al. 2020): the non-holdout images only, no
 * labels. Each step takes a batch of images, makes two defect-safe views of each (src/data/views.ts),
 * encodes both with the backbone, projects them through a two-layer MLP head (d -> d ReLU -> p) and
 * minimises NT-Xent. The projection head is discarded afterwards; what is kept is the encoder: the
 * backbone's weights (batch-norm statistics included), which the supervised recipe then starts from.
 * Seeded by the trial seed: the same spec gives the same encoder on one backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { SimclrSettings } from '../config/trial.ts';
import { DivergenceError, UserError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import { batchStream, simclrViews, type ImageItem, type PlannedImage } from '../data/index.ts';
import { buildModel } from '../models/index.ts';
import { leanAdam } from './adam.ts';
import { fitBatchNormMomentum, throwIfAborted } from './fit.ts';
import { ntXentLoss } from './nt-xent.ts';
import type { PreparedTrial } from './prepare.ts';
import type { StageBatchCallback } from './batch-throttle.ts';

/** The layer every classifier's head starts with: its input is the backbone's feature vector. */
const FEATURES_INPUT_LAYER = 'head_dropout';

export interface PretrainProgress {
  readonly epoch: number;
  readonly epochs: number;
  /** Mean NT-Xent over the epoch's batches. */
  readonly loss: number;
}

export interface PretrainOptions {
  readonly signal?: AbortSignal;
  readonly onEpoch?: (progress: PretrainProgress) => void;
  /** After each batch (1-based) of epoch `epoch` (from 0). */
  readonly onBatch?: StageBatchCallback;
}

/** A classifier model and its encoder (the backbone up to the features; shares the model's layers). */
export interface EncoderModel {
  readonly model: tf.LayersModel;
  readonly encoder: tf.LayersModel;
  dispose(): void;
}

/** The trial's backbone as an encoder, seeded by `seed`, from `weightsPath` when given. */
export async function buildEncoder(trial: PreparedTrial, seed: number, weightsPath?: string): Promise<EncoderModel> {
  const { spec } = trial;
  const weights = weightsPath ? { path: weightsPath } : spec.weights;
  const model = await buildModel(spec.backbone, { resolution: spec.resolution, numClasses: trial.classNames.length, dropout: spec.dropout, seed, weights });
  const encoder = tf.model({ inputs: model.inputs, outputs: model.getLayer(FEATURES_INPUT_LAYER).input as tf.SymbolicTensor, name: `${model.name}-encoder` });
  return { model, encoder, dispose: () => model.dispose() };
}

/** Batches of `batchSize` images in a seeded order; a last batch of one joins the one before (NT-Xent needs 2). */
export function pretrainBatches(items: readonly ImageItem[], batchSize: number, seed: string): PlannedImage[][] {
  const order = createRng(seed).shuffle(items);
  const batches: PlannedImage[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize).map((item) => ({ item, augment: false })));
  if (batches.length > 1 && batches.at(-1)!.length < 2) batches.at(-2)!.push(...batches.pop()!);
  return batches;
}

/** Pretrains a fresh encoder on the trial's non-holdout images; the caller saves and disposes it. */
export async function pretrainSimclr(trial: PreparedTrial, settings: SimclrSettings, options: PretrainOptions = {}): Promise<EncoderModel & { losses: number[] }> {
  const { spec, cache, classNames } = trial;
  const items = trial.splits.nonHoldout;
  if (items.length < 2) {
    throw new UserError(`SimCLR needs at least 2 non-holdout images, got ${items.length}`, { where: 'pretraining', hint: 'Use a larger dataset or set pretraining: none.' });
  }
  const built = await buildEncoder(trial, spec.seed);
  const variables: tf.Variable[] = [];
  const optimizer = leanAdam(settings.learningRate);
  try {
    const features = built.encoder.outputs[0]!.shape[1]!;
    const rng = createRng(spec.seed).fork('simclr');
    const init = (shape: [number, number], label: string): tf.Variable =>
      tf.variable(tf.initializers.glorotUniform({ seed: rng.fork(label).seed32() }).apply(shape) as tf.Tensor2D, true, `simclr_${label}`);
    const w1 = init([features, features], 'projection1');
    const b1 = tf.variable(tf.zeros([features]), true, 'simclr_projection1_bias');
    const w2 = init([features, settings.projectionDim], 'projection2');
    variables.push(w1, b1, w2);
    const trained = [...built.encoder.trainableWeights.map((w) => w.read() as tf.Variable), ...variables];
    const project = (h: tf.Tensor2D): tf.Tensor2D => tf.matMul(tf.relu(tf.add(tf.matMul(h, w1), b1)), w2);
    const stream = { cache, resolution: spec.resolution, fit: spec.fit, classNames };
    const losses: number[] = [];
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      throwIfAborted(options.signal);
      const batches = pretrainBatches(items, settings.batchSize, `${spec.seed}/simclr/epoch${epoch}`);
      if (epoch === 0) fitBatchNormMomentum(built.model, batches.length);
      const epochRng = rng.fork(`epoch${epoch}`);
      let total = 0;
      let index = 0;
      for await (const batch of batchStream(batches, { ...stream, augmentations: [], rng: epochRng, prefetch: 2 })) {
        try {
          throwIfAborted(options.signal);
          const [n, height, width] = batch.x.shape;
          const views = simclrViews({ pixels: Float32Array.from(batch.x.dataSync()), batch: n, height, width }, epochRng.fork(index), settings);
          const loss = optimizer.minimize(
            () =>
              tf.tidy(() => {
                const x = tf.concat([tf.tensor4d(views[0], batch.x.shape), tf.tensor4d(views[1], batch.x.shape)]);
                const z = project(built.encoder.apply(x, { training: true }) as tf.Tensor2D);
                const [z1, z2] = tf.split(z, 2) as [tf.Tensor2D, tf.Tensor2D];
                return ntXentLoss(z1, z2, settings.temperature);
              }),
            true,
            trained,
          )!;
          const value = (await loss.data())[0]!;
          loss.dispose();
          if (!Number.isFinite(value)) {
            throw new DivergenceError(`SimCLR pretraining diverged: the loss became ${value} at epoch ${epoch + 1}, batch ${index + 1}`, {
              where: 'pretraining',
              hint: 'Lower pretraining.learningRate or raise pretraining.temperature.',
            });
          }
          total += value;
          index++;
          options.onBatch?.(epoch, settings.epochs, index, batches.length);
        } finally {
          tf.dispose([batch.x, batch.y]);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      losses.push(total / Math.max(1, index));
      options.onEpoch?.({ epoch, epochs: settings.epochs, loss: losses.at(-1)! });
    }
    return { ...built, losses };
  } catch (error) {
    built.dispose();
    throw error;
  } finally {
    // The projection head is discarded: only the encoder's weights are kept.
    tf.dispose(variables);
    optimizer.dispose();
  }
}
