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
import { classWeights, logitAdjustment, resolveMinorityWeight, type LossSettings } from './losses.ts';
import type { Predictions } from './metrics.ts';

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
  const splits = splitDataset(index, { holdout: spec.holdout, folds: spec.folds, seed: spec.seed });
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

export function lossSettingsFor(trial: PreparedTrial, trainedCounts: Readonly<Record<string, number>>): LossSettings {
  const { spec, classNames, minorityClass, minorityWeight } = trial;
  return {
    kind: spec.loss,
    classWeights: classWeights(classNames, minorityClass, minorityWeight),
    focalGamma: spec.focalGamma,
    ...(spec.loss === 'logit-adjusted' && { logitAdjustment: logitAdjustment(classNames, trainedCounts, spec.logitTau) }),
    augmixJsdWeight: spec.augmixJsdWeight,
  };
}

/** One model under training, with its optimizer and how its epochs are planned. */
export interface Training {
  readonly classifier: Classifier;
  readonly optimizer: tf.Optimizer;
  readonly loss: LossSettings;
  /** Per class, the images of one planned epoch (what the loss's prior sees). */
  readonly trainedCounts: Record<string, number>;
  /** Trains one epoch; returns the mean loss. */
  epoch(epoch: number, signal: AbortSignal | undefined, where: string): Promise<number>;
  predict(items: readonly ImageItem[], signal?: AbortSignal): Promise<Predictions>;
  dispose(): void;
}

/** Builds the model (seeded by `modelSeed`) and the optimizer for training on `train`; `label` keys the data seeds. */
export async function startTraining(trial: PreparedTrial, train: readonly ImageItem[], modelSeed: number, label: string): Promise<Training> {
  const { spec, classNames, minorityClass, cache } = trial;
  if (!train.some((item) => item.label === minorityClass)) {
    throw new UserError(`no '${minorityClass}' image to train on (${label})`, { where: spec.dataset.path, hint: 'Add minority images or lower folds / holdout.' });
  }
  const plan = (epoch: number): PlannedImage[][] =>
    planEpoch(spec.sampling, train, {
      epoch,
      batchSize: spec.batchSize,
      seed: `${spec.seed}/${label}`,
      minorityClass,
      ...(spec.oversampleRatio !== undefined && { oversampleRatio: spec.oversampleRatio }),
    });
  const firstEpoch = plan(0);
  const trainedCounts = plannedCounts(firstEpoch, classNames);
  const loss = lossSettingsFor(trial, trainedCounts);
  const model = await buildModel(spec.backbone, {
    resolution: spec.resolution,
    numClasses: classNames.length,
    dropout: spec.dropout,
    seed: modelSeed,
    weights: spec.weights,
    freeze: spec.freeze,
  });
  fitBatchNormMomentum(model, firstEpoch.length);
  const classifier = asClassifier(model);
  const optimizer = createOptimizer(spec.optimizer, spec.learningRate);
  const stream = { cache, resolution: spec.resolution, fit: spec.fit, classNames };
  const dataRng = createRng(spec.seed).fork(label);
  return {
    classifier,
    optimizer,
    loss,
    trainedCounts,
    epoch: (epoch, signal, where) => {
      const settings: EpochSettings = {
        ...stream,
        loss,
        augmentations: spec.augmentations,
        augmentationOptions: spec.augmentationOptions,
        rng: dataRng.fork(`epoch${epoch}`),
        where,
        ...(signal && { signal }),
      };
      return trainEpoch(classifier, optimizer, plan(epoch), settings);
    },
    predict: (items, signal) =>
      predictItems(model, items, { ...stream, batchSize: spec.batchSize, minorityClass, rng: dataRng.fork('predict'), ...(signal && { signal }) }),
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}
