/**
 * The data side of a trial: scan a dataset, split it (sealed balanced holdout + stratified folds),
 * plan each epoch's batches by sampling strategy, stream them from disk through a bounded cache,
 * augment them; plus the synthetic defect dataset generator.
 */
export * from './types.ts';
export { scanDataset, IMAGE_EXTENSIONS, type ScanOptions } from './scan.ts';
export { defaultScanCacheDir } from './scan-cache.ts';
export { splitDataset, holdoutPerClass, stratifiedHoldOut, type SplitOptions } from './split.ts';
export { planEpoch, type PlanOptions } from './sampling.ts';
export { ImageCache, type ImageCacheStats } from './cache.ts';
export { decodeImage, decodeImageBytes, checkDecodeOptions, type DecodeOptions } from './decode.ts';
export { augmentBatch, augmentHostBatch, toTensors, checkAugmentations, type AugmentedBatch, type AugmentedHostBatch, type AugmentExtras } from './augment.ts';
export type { HostBatch } from './host-batch.ts';
export { AugmentPool, sharedAugmentPool } from './augment-pool.ts';
export { batchStream, type BatchStreamOptions } from './stream.ts';
export { writeSyntheticDataset, syntheticImage, type SyntheticDatasetOptions } from './synth.ts';
export { describeDataset, type DatasetSummary } from './describe.ts';
export { ensureDemoDataset, DEMO_DATASET } from './demo-data.ts';
export { simclrViews, jitterColour, type ViewSettings } from './views.ts';
export { parseIdx, readIdxImages, readIdxLabels, encodeIdx, type IdxArray, type IdxImages } from './idx.ts';
export {
  writeOneVsOneTask,
  readIdxSet,
  chooseIndices,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIR,
  FASHION_MNIST_FILES,
  FASHION_MNIST_TASKS,
  type OneVsOneTask,
  type OneVsOneOptions,
  type OneVsOneDataset,
} from './one-vs-one.ts';
