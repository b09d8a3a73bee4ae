/**
 * The shapes the data side of a trial passes around. Classes are always identified by name,
 * never by position; tensors are NHWC float32 RGB in [0, 1].
 */
import { AUGMENTATION_NAMES, FIT_NAMES, SAMPLING_NAMES } from '../config/trial.ts';

/** One image of the dataset: an absolute path and its class name. */
export interface ImageItem {
  readonly path: string;
  readonly label: string;
}

export interface ImageSizes {
  minWidth: number;
  maxWidth: number;
  minHeight: number;
  maxHeight: number;
}

/** What `scanDataset` found: the readable images, per-class counts, what it left out, and a content hash. */
export interface DatasetIndex {
  /** The folder-per-class directory, or the CSV manifest's path. */
  root: string;
  /** Sorted class names; one-hot label columns follow this order. */
  classNames: string[];
  /** The rare class: named by the caller or inferred as the class with the fewest images. */
  minorityClass: string;
  /** The class with the most images. */
  majorityClass: string;
  /** Readable images, sorted by path. */
  items: ImageItem[];
  counts: Record<string, number>;
  /** Files that looked like images but could not be decoded, with the reason; left out of `items`. */
  unreadable: Array<{ path: string; reason: string }>;
  /** sha256 over the sorted (relative path, label, file bytes) of `items`: identifies the dataset. */
  hash: string;
  /** Pixel sizes after EXIF orientation. */
  imageSizes: ImageSizes;
}

/** A sealed balanced holdout, and stratified folds over the rest. */
export interface DatasetSplits {
  holdout: ImageItem[];
  nonHoldout: ImageItem[];
  folds: Array<{ train: ImageItem[]; validation: ImageItem[] }>;
}

/** Spelled once, in the trial spec (src/config/trial.ts); data takes its names from there. */
export type SamplingStrategy = (typeof SAMPLING_NAMES)[number];
export const SAMPLING_STRATEGIES: readonly SamplingStrategy[] = SAMPLING_NAMES;

/**
 * One row of a planned batch. `augment` says whether the row receives the trial's per-image
 * augmentations (true for every training row; false for evaluation rows). `repeat` counts how many
 * times this image already appeared in the epoch (0 = first appearance); a repeat (> 0) is always
 * transformed, so oversampled copies are never pixel-identical.
 */
export interface PlannedImage {
  item: ImageItem;
  augment: boolean;
  repeat?: number;
}

/** How an image is brought to a square `resolution`: distort, pad (black), or crop the centre. */
export type Fit = (typeof FIT_NAMES)[number];
export const FITS: readonly Fit[] = FIT_NAMES;

export type AugmentationName = (typeof AUGMENTATION_NAMES)[number];
export const AUGMENTATIONS: readonly AugmentationName[] = AUGMENTATION_NAMES;

export interface AugmentationOptions {
  /** Beta(alpha, alpha) for the CutMix area; default 1. */
  cutmixAlpha?: number;
  /** Beta(alpha, alpha) for the MixUp weight; default 0.2. */
  mixupAlpha?: number;
  /** AugMix: chains mixed per image (default 3). */
  augmixWidth?: number;
  /** AugMix: ops per chain, 1..3 at random when omitted or -1 (the paper's default). */
  augmixDepth?: number;
  /** AugMix: Dirichlet/Beta concentration (default 1). */
  augmixAlpha?: number;
  /** AugMix: op strength 1..10 (default 3). */
  augmixSeverity?: number;
  /** Random crop: smallest kept fraction of the image area, the same for every class (default 0.9). */
  cropMinArea?: number;
  /** CutPaste: largest pasted patch, a fraction of the image area (default 0.1). */
  cutpasteMaxArea?: number;
  /** Remix (with cutmix / mixup): on when set; the class-count ratio kappa (Chou et al. use 3). */
  remixKappa?: number;
  /** Remix: own mix weight below which the label goes to the partner's rarer class (default 0.5). */
  remixTau?: number;
}

/** The smallest and largest square resolution a trial may use. */
export const MIN_RESOLUTION = 32;
export const MAX_RESOLUTION = 1024;
