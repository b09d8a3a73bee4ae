/**
 * A batch as plain arrays on the host: `pixels` NHWC float32 in [0, 1], `labels` row-major
 * (one column per class, in class-name order). Augmentations run on these in plain JS, before
 * tensors exist: on the cpu and wasm backends this is 100-1000x faster than the same work as tfjs
 * ops, and it keeps the accelerator free (the way torchvision transforms run in the data loader).
 */
export interface HostBatch {
  pixels: Float32Array;
  labels: Float32Array;
  batch: number;
  height: number;
  width: number;
  classes: number;
}

export const CHANNELS = 3;

export function imageLength(batch: Pick<HostBatch, 'height' | 'width'>): number {
  return batch.height * batch.width * CHANNELS;
}

/** A view of image `i` (shares memory with the batch). */
export function imageAt(batch: HostBatch, i: number): Float32Array {
  const length = imageLength(batch);
  return batch.pixels.subarray(i * length, (i + 1) * length);
}

export function cloneBatch(batch: HostBatch): HostBatch {
  return { ...batch, pixels: batch.pixels.slice(), labels: batch.labels.slice() };
}
