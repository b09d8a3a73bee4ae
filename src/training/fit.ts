/**
 * The training loop of one model: a custom loop over planned batches (so the loss sees soft
 * labels, class weights and AugMix views), and prediction over a list of images. Stops promptly on
 * an AbortSignal (checked between batches, with the event loop let through), fails with a
 * DivergenceError when the run diverged (src/training/divergence.ts: a non-finite loss, one grown
 * ×1e3 over its start, non-finite predictions), and disposes every tensor it makes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng.ts';
import { batchStream, type AugmentationName, type AugmentationOptions, type Fit, type ImageCache, type ImageItem, type PlannedImage } from '../data/index.ts';
import { leanAdam } from './adam.ts';
import { checkFinitePredictions, LossWatch } from './divergence.ts';
import { afterStep, type StepConstraints } from './head.ts';
import { trainingLoss, type LossSettings } from './losses.ts';
import type { Predictions } from './metrics.ts';

/** Name of the dense softmax layer every classifier built by src/models ends in. */
const HEAD_LAYER = 'head_dense';

/**
 * A classifier seen as `body` (image -> head input) and the head's kernel and bias, so training
 * works on logits (the model itself outputs softmax probabilities, which is what gets saved).
 */
export interface Classifier {
  readonly model: tf.LayersModel;
  readonly body: tf.LayersModel;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | undefined;
  /** The trainable variables (frozen layers excluded). */
  readonly variables: tf.Variable[];
}

export function asClassifier(model: tf.LayersModel): Classifier {
  const head = model.getLayer(HEAD_LAYER);
  const [kernel, bias] = head.weights.map((w) => w.read() as tf.Variable);
  if (!kernel) throw new Error(`model ${model.name}: layer ${HEAD_LAYER} has no kernel`);
  const body = tf.model({ inputs: model.inputs, outputs: head.input as tf.SymbolicTensor, name: `${model.name}-body` });
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return { model, body, kernel, bias, variables };
}

/** Logits of the classifier on `x`; `training` turns on dropout and batch statistics. */
export function logitsOf(classifier: Classifier, x: tf.Tensor4D, training: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    const features = classifier.body.apply(x, { training }) as tf.Tensor2D;
    const logits = tf.matMul(features, classifier.kernel);
    return (classifier.bias ? tf.add(logits, classifier.bias) : logits) as tf.Tensor2D;
  });
}

/**
 * Shortens the batch-norm moving averages to about one epoch of steps when the model's momentum
 * (Keras' 0.99: ~100 steps) would lag behind a short training: on a few hundred images the
 * inference-mode statistics would otherwise still be near their initial values when the fold is
 * judged. Only ever lowers the momentum; returns how many layers changed.
 */
export function fitBatchNormMomentum(model: tf.LayersModel, stepsPerEpoch: number): number {
  const wanted = Math.max(0.5, 1 - 1 / Math.max(1, stepsPerEpoch));
  let changed = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    // tfjs-layers reads `momentum` on every training call; it has no public setter.
    const settings = layer as unknown as { momentum: number };
    if (settings.momentum > wanted) {
      settings.momentum = wanted;
      changed++;
    }
  }
  return changed;
}

export function createOptimizer(name: 'adam' | 'sgd' | 'rmsprop', learningRate: number): tf.Optimizer {
  if (name === 'adam') return leanAdam(learningRate);
  if (name === 'rmsprop') return tf.train.rmsprop(learningRate);
  return tf.train.sgd(learningRate);
}

/** Throws an AbortError when `signal` has fired (its reason kept as the message). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') throw reason;
  throw new DOMException(`trial aborted${reason === undefined ? '' : `: ${reason instanceof Error ? reason.message : String(reason)}`}`, 'AbortError');
}

/** Lets timers and messages (an abort, a lease renewal) run between batches. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What the data stream needs, shared by training and prediction. */
export interface StreamSettings {
  readonly cache: ImageCache;
  readonly resolution: number;
  readonly fit: Fit;
  readonly classNames: readonly string[];
}

export interface EpochSettings extends StreamSettings {
  readonly loss: LossSettings;
  readonly augmentations: readonly AugmentationName[];
  readonly augmentationOptions: AugmentationOptions;
  /** Augmentation draws for this epoch. */
  readonly rng: Rng;
  readonly signal?: AbortSignal;
  /** Where, for a divergence message (`fold 2 epoch 3`). */
  readonly where: string;
  /** Weight decay and head max-norm after each step (none when absent). */
  readonly constraints?: StepConstraints;
  /** Called after every optimizer step (and its constraints): the weight average's update. */
  readonly onStep?: () => void;
  /** `head`: only the head's kernel and bias train, the body runs in inference mode (cRT); default `all`. */
  readonly stage?: 'all' | 'head';
  /** For cutpaste and Remix: the minority's label column and the images per class of this epoch. */
  readonly minorityClass?: string;
  readonly classCounts?: readonly number[];
  /** The divergence rule's memory across the epochs of one stage; default: one for this epoch. */
  readonly watch?: LossWatch;
  /** Called after every batch with how many of the epoch's batches are trained (1-based). */
  readonly onBatch?: (batch: number, batches: number) => void;
}

/** One pass over `batches`; returns the mean training loss per image. */
export async function trainEpoch(classifier: Classifier, optimizer: tf.Optimizer, batches: PlannedImage[][], settings: EpochSettings): Promise<number> {
  throwIfAborted(settings.signal);
  let total = 0;
  let images = 0;
  let batchIndex = 0;
  const headOnly = settings.stage === 'head';
  const watch = settings.watch ?? new LossWatch();
  const trained = headOnly ? [classifier.kernel, ...(classifier.bias ? [classifier.bias] : [])] : classifier.variables;
  const stream = batchStream(batches, { ...settings, rng: settings.rng, prefetch: 2 });
  for await (const batch of stream) {
    try {
      throwIfAborted(settings.signal);
      const size = batch.x.shape[0];
      const lossTensor = optimizer.minimize(
        () => {
          if (!batch.augmixViews) return trainingLoss(settings.loss, logitsOf(classifier, batch.x, !headOnly), batch.y);
          // The image and its two AugMix views go through one forward pass (shared batch statistics).
          const all = logitsOf(classifier, tf.concat([batch.x, ...batch.augmixViews]), !headOnly);
          const [clean, view1, view2] = tf.split(all, 3) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
          return trainingLoss(settings.loss, clean, batch.y, [view1, view2]);
        },
        true,
        trained,
      );
      if (settings.constraints) afterStep(trained, classifier.kernel, settings.constraints);
      settings.onStep?.();
      const value = (await lossTensor!.data())[0]!;
      lossTensor!.dispose();
      watch.check(value, settings.where, batchIndex + 1);
      total += value * size;
      images += size;
      batchIndex++;
      settings.onBatch?.(batchIndex, batches.length);
    } finally {
      tf.dispose([batch.x, batch.y, ...(batch.augmixViews ?? [])]);
    }
    await yieldToEventLoop();
  }
  throwIfAborted(settings.signal);
  return images ? total / images : Number.NaN;
}

/** The model's class probabilities on `items` (no augmentation, inference mode). */
export async function predictItems(
  model: tf.LayersModel,
  items: readonly ImageItem[],
  settings: StreamSettings & { readonly batchSize: number; readonly minorityClass: string; readonly signal?: AbortSignal; readonly rng: Rng; readonly where?: string },
): Promise<Predictions> {
  const batches: PlannedImage[][] = [];
  for (let start = 0; start < items.length; start += settings.batchSize) {
    batches.push(items.slice(start, start + settings.batchSize).map((item) => ({ item, augment: false })));
  }
  const probabilities: number[][] = [];
  const stream = batchStream(batches, { ...settings, augmentations: [], prefetch: 2 });
  for await (const batch of stream) {
    try {
      throwIfAborted(settings.signal);
      const output = tf.tidy(() => model.apply(batch.x, { training: false }) as tf.Tensor2D);
      const values = await output.data();
      output.dispose();
      const classes = settings.classNames.length;
      for (let row = 0; row < batch.x.shape[0]; row++) probabilities.push(Array.from(values.subarray(row * classes, (row + 1) * classes)));
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
    await yieldToEventLoop();
  }
  checkFinitePredictions(probabilities, `${settings.where ?? 'prediction'}`);
  return {
    classNames: settings.classNames,
    minorityClass: settings.minorityClass,
    labels: items.map((item) => settings.classNames.indexOf(item.label)),
    probabilities,
  };
}
