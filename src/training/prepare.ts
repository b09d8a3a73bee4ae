/**
 * What runTrial and trainFinal share before any training: the backend, the scanned dataset and its
 * deterministic split (the sealed holdout is split off first and never handed to training), the
 * resolved class weights, the loss settings and the image cache.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrialSpec } from '../config/trial.ts';
import { UserError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import {
  defaultScanCacheDir,
  ImageCache,
  planEpoch,
  scanDataset,
  splitDataset,
  type AugmentationName,
  type DatasetIndex,
  type DatasetSplits,
  type Fit,
  type ImageItem,
  type PlannedImage,
  type SamplingStrategy,
} from '../data/index.ts';
import { assertFitsBackend, buildModel, gpuLimits, selectBackend, type BackendInfo } from '../models/index.ts';
import { asClassifier, createOptimizer, fitBatchNormMomentum, predictItems, trainEpoch, type Classifier, type EpochSettings } from './fit.ts';
import { LossWatch } from './divergence.ts';
import { changingVariables, WeightAverage } from './ema.ts';
import { applyHeadTauNorm } from './head.ts';
import { classWeights, logitAdjustment, resolveMinorityWeight, type LossSettings } from './losses.ts';
import type { Predictions } from './metrics.ts';
import type { StageBatchCallback } from './batch-throttle.ts';

// The spec's enums (src/config cannot import src/data) must stay the data side's enums.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const enumsAgree: [Same<TrialSpec['sampling'], SamplingStrategy>, Same<TrialSpec['augmentations'][number], AugmentationName>, Same<TrialSpec['fit'], Fit>] = [true, true, true];
void enumsAgree;

export interface PreparedTrial {
  readonly spec: TrialSpec;
  readonly backend: BackendInfo;
  readonly index: DatasetIndex;
  readonly splits: DatasetSplits;
  readonly classNames: readonly string[];
  readonly minorityClass: string;
  /** minorityWeight with `auto` resolved from the dataset counts. */
  readonly minorityWeight: number;
  readonly cache: ImageCache;
  /** A pretrained encoder (SimCLR) the models start from instead of `spec.weights`. */
  readonly encoderPath?: string;
}

export async function prepareTrial(spec: TrialSpec, log: (line: string) => void = () => {}): Promise<PreparedTrial> {
  const backend = await selectBackend(spec.backend);
  // Before touching the data: a recipe that cannot fit fails now, not mid-epoch. AugMix sends the
  // image and its two views through one forward pass, so the step holds three batches.
  const forwardBatch = spec.batchSize * (spec.augmentations.includes('augmix') ? 3 : 1);
  assertFitsBackend(spec.backbone, { resolution: spec.resolution, batchSize: forwardBatch, backend: backend.name, ...(backend.adapter && { gpu: gpuLimits(backend.adapter) }) });
  // Verdicts are remembered by file content: the first trial decodes every image, later ones only hash them.
  const index = await scanDataset(spec.dataset.path, {
    verdictCache: defaultScanCacheDir(),
    ...(spec.dataset.minorityClass !== undefined && { minorityClass: spec.dataset.minorityClass }),
  });
  if (index.unreadable.length > 0) log(`left out ${index.unreadable.length} unreadable image(s), e.g. ${index.unreadable[0]!.path}: ${index.unreadable[0]!.reason}`);
  const splits = splitDataset(index, { holdout: spec.holdout, folds: spec.folds, repeats: spec.repeats, seed: spec.seed });
  const minorityWeight = resolveMinorityWeight(spec.minorityWeight, index.counts, index.minorityClass, index.majorityClass);
  const counts = index.classNames.map((name) => `${name} ${index.counts[name]}`).join(', ');
  log(`backend ${backend.name} (${backend.reason}); dataset ${index.root}: ${counts}; minority '${index.minorityClass}', minorityWeight ${+minorityWeight.toFixed(3)}`);
  return {
    spec,
    backend,
    index,
    splits,
    classNames: index.classNames,
    minorityClass: index.minorityClass,
    minorityWeight,
    cache: new ImageCache({ budgetBytes: spec.cacheBytes }),
  };
}

/** Counts per class of the images one planned epoch trains on (after sampling). */
export function plannedCounts(batches: readonly PlannedImage[][], classNames: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(classNames.map((name) => [name, 0]));
  for (const batch of batches) for (const row of batch) counts[row.item.label] = (counts[row.item.label] ?? 0) + 1;
  return counts;
}

/** `reweighted: false` trains with unit class weights (the deferred phase of DRW). */
export function lossSettingsFor(trial: PreparedTrial, trainedCounts: Readonly<Record<string, number>>, reweighted = true): LossSettings {
  const { spec, classNames, minorityClass, minorityWeight } = trial;
  return {
    kind: spec.loss,
    classWeights: classWeights(classNames, minorityClass, reweighted ? minorityWeight : 1),
    focalGamma: spec.focalGamma,
    ...(spec.loss === 'logit-adjusted' && { logitAdjustment: logitAdjustment(classNames, trainedCounts, spec.logitTau) }),
    augmixJsdWeight: spec.augmixJsdWeight,
    ...(spec.labelSmoothing > 0 && { labelSmoothing: spec.labelSmoothing }),
  };
}

/**
 * Which sampling and weights epoch `epoch` of `epochs` trains with: before `rebalanceFrom` x
 * epochs (rounded) the natural data and unit weights (DRS / DRW), from then on the spec's own.
 */
export function epochRecipe(spec: Pick<TrialSpec, 'rebalanceFrom' | 'sampling'>, epoch: number, epochs: number): { sampling: SamplingStrategy; reweighted: boolean } {
  const from = spec.rebalanceFrom === null ? 0 : Math.round(spec.rebalanceFrom * epochs);
  return epoch < from ? { sampling: 'none', reweighted: false } : { sampling: spec.sampling, reweighted: true };
}

/** One model under training, with its optimizer and how its epochs are planned. */
export interface Training {
  readonly classifier: Classifier;
  readonly optimizer: tf.Optimizer;
  /** The loss of the last epoch (after `rebalanceFrom` has switched, when set). */
  readonly loss: LossSettings;
  /** Per class, the images of the last planned epoch (what the loss's prior sees). */
  readonly trainedCounts: Record<string, number>;
  /** Trains one epoch; returns the mean loss. */
  epoch(epoch: number, signal: AbortSignal | undefined, where: string, onBatch?: EpochSettings['onBatch']): Promise<number>;
  /** After the epochs: the averaged weights (`weightEma`) committed, then the cRT stage (`classifierRetrain`) and the head's tau-normalisation, when on. */
  finish(signal: AbortSignal | undefined, where: string, onBatch?: StageBatchCallback): Promise<void>;
  /** Class probabilities on `items`; non-finite ones throw a DivergenceError naming `where`. */
  predict(items: readonly ImageItem[], signal?: AbortSignal, where?: string): Promise<Predictions>;
  dispose(): void;
}

/**
 * Builds the model (seeded by `modelSeed`) and the optimizer for training on `train` for `epochs`
 * epochs (where `rebalanceFrom` switches); `label` keys the data seeds.
 */
export async function startTraining(trial: PreparedTrial, train: readonly ImageItem[], modelSeed: number, label: string, epochs = trial.spec.epochs): Promise<Training> {
  const { spec, classNames, minorityClass, cache } = trial;
  if (!train.some((item) => item.label === minorityClass)) {
    throw new UserError(`no '${minorityClass}' image to train on (${label})`, { where: spec.dataset.path, hint: 'Add minority images or lower folds / holdout.' });
  }
  const planWith = (sampling: SamplingStrategy, epoch: number, seed = `${spec.seed}/${label}`): PlannedImage[][] =>
    planEpoch(sampling, train, {
      epoch,
      batchSize: spec.batchSize,
      seed,
      minorityClass,
      samplingQ: spec.samplingQ,
      ...(spec.oversampleRatio !== undefined && { oversampleRatio: spec.oversampleRatio }),
    });
  const plan = (epoch: number): PlannedImage[][] => planWith(epochRecipe(spec, epoch, epochs).sampling, epoch);
  const firstEpoch = plan(0);
  // The loss of each phase sees the class counts that phase trains on (the prior of logit adjustment).
  const losses = new Map<string, LossSettings>();
  const lossOf = (epoch: number, batches: readonly PlannedImage[][]): LossSettings => {
    const recipe = epochRecipe(spec, epoch, epochs);
    const key = `${recipe.sampling}/${recipe.reweighted}`;
    if (!losses.has(key)) losses.set(key, lossSettingsFor(trial, plannedCounts(batches, classNames), recipe.reweighted));
    return losses.get(key)!;
  };
  lossOf(0, firstEpoch);
  // What the finished model was last trained on (the prior and weights that final.ts corrects for).
  const lastEpoch = epochs > 1 ? plan(epochs - 1) : firstEpoch;
  const trainedCounts = plannedCounts(lastEpoch, classNames);
  const loss = lossOf(epochs - 1, lastEpoch);
  const model = await buildModel(spec.backbone, {
    resolution: spec.resolution,
    numClasses: classNames.length,
    dropout: spec.dropout,
    seed: modelSeed,
    weights: trial.encoderPath ? { path: trial.encoderPath } : spec.weights,
    freeze: spec.freeze,
  });
  fitBatchNormMomentum(model, firstEpoch.length);
  const classifier = asClassifier(model);
  const optimizer = createOptimizer(spec.optimizer, spec.learningRate);
  // Averaged weights (weightEma): predictions use them until finish() commits them to the model.
  const average = spec.weightEma > 0 ? new WeightAverage(changingVariables(model), spec.weightEma) : undefined;
  const stream = { cache, resolution: spec.resolution, fit: spec.fit, classNames };
  const dataRng = createRng(spec.seed).fork(label);
  const trainCounts = classNames.map((name) => train.filter((item) => item.label === name).length);
  // The divergence rule's start loss: the first batch of the main stage (cRT has its own below).
  const watch = new LossWatch();
  const epochSettings = (lossSettings: LossSettings, rng: EpochSettings['rng'], where: string, signal: AbortSignal | undefined): EpochSettings => ({
    ...stream,
    loss: lossSettings,
    augmentations: spec.augmentations,
    augmentationOptions: spec.augmentationOptions,
    rng,
    where,
    constraints: { learningRate: spec.learningRate, weightDecay: spec.weightDecay, headMaxNorm: spec.headMaxNorm },
    minorityClass,
    classCounts: trainCounts,
    ...(signal && { signal }),
  });
  return {
    classifier,
    optimizer,
    loss,
    trainedCounts,
    epoch: (epoch, signal, where, onBatch) => {
      const batches = epoch === 0 ? firstEpoch : plan(epoch);
      return trainEpoch(classifier, optimizer, batches, {
        ...epochSettings(lossOf(epoch, batches), dataRng.fork(`epoch${epoch}`), where, signal),
        watch,
        ...(onBatch && { onBatch }),
        ...(average && { onStep: () => average.update() }),
      });
    },
    finish: async (signal, where, onBatch) => {
      if (average && !average.committed) average.commit();
      if (spec.classifierRetrain) {
        // cRT: the head alone, plain cross-entropy on class-balanced batches, with its own optimizer.
        const headOptimizer = createOptimizer(spec.optimizer, spec.learningRate);
        const plainLoss: LossSettings = { kind: 'ce', classWeights: classNames.map(() => 1), focalGamma: 0, augmixJsdWeight: spec.augmixJsdWeight };
        const headWatch = new LossWatch();
        try {
          for (let e = 0; e < spec.classifierRetrain.epochs; e++) {
            const batches = planWith('balanced-batch', e, `${spec.seed}/${label}/crt`);
            const stage = `${where}, classifier re-training epoch ${e + 1}/${spec.classifierRetrain.epochs}`;
            const epochs = spec.classifierRetrain.epochs;
            await trainEpoch(classifier, headOptimizer, batches, {
              ...epochSettings(plainLoss, dataRng.fork(`crt${e}`), stage, signal),
              stage: 'head',
              watch: headWatch,
              ...(onBatch && { onBatch: (batch: number, count: number) => onBatch(e, epochs, batch, count) }),
            });
          }
        } finally {
          headOptimizer.dispose();
        }
      }
      applyHeadTauNorm(classifier.kernel, spec.headTauNorm);
    },
    predict: (items, signal, where) => {
      const run = () => predictItems(model, items, { ...stream, batchSize: spec.batchSize, minorityClass, rng: dataRng.fork('predict'), ...(signal && { signal }), ...(where && { where }) });
      return average && !average.committed ? average.withAveraged(run) : run();
    },
    dispose: () => {
      average?.dispose();
      optimizer.dispose();
      model.dispose();
    },
  };
}
