/**
 * Planned batches -> tensors, streamed from disk through the bounded image cache with `prefetch`
 * batches decoding ahead. Pixels are prepared ahead as plain arrays; tensors are created only when
 * a batch is handed out, so stopping early leaks nothing. Augmentation draws come from
 * `rng.fork(batchIndex)`, so the batches are the same whatever the prefetch depth or cache budget.
 */
import * as tf from '@tensorflow/tfjs';
import { DatasetError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { augmentBatch, checkAugmentations, type AugmentedBatch } from './augment.ts';
import type { ImageCache } from './cache.ts';
import type { AugmentationName, AugmentationOptions, Fit, PlannedImage } from './types.ts';

export interface BatchStreamOptions {
  cache: ImageCache;
  resolution: number;
  fit: Fit;
  /** One-hot columns follow this order. */
  classNames: readonly string[];
  /** Batches decoded ahead of the consumer (default 2). */
  prefetch?: number;
  augmentations?: readonly AugmentationName[];
  augmentationOptions?: AugmentationOptions;
  rng: Rng;
}

interface PreparedBatch {
  pixels: Float32Array;
  labels: Float32Array;
  rows: PlannedImage[];
}

/** Yields `{ x, y, augmixViews? }` per planned batch; the caller disposes every tensor it receives. */
export async function* batchStream(batches: PlannedImage[][], options: BatchStreamOptions): AsyncGenerator<AugmentedBatch> {
  const { resolution, classNames } = options;
  const augmentations = options.augmentations ?? [];
  checkAugmentations(augmentations);
  const prefetch = Math.max(0, Math.floor(options.prefetch ?? 2));
  const ahead: Array<Promise<PreparedBatch>> = [];
  let next = 0;
  const fill = (): void => {
    while (next < batches.length && ahead.length <= prefetch) {
      const prepared = prepare(batches[next]!, options);
      // Rejections are handled when the batch is awaited; don't let an early one go unobserved.
      prepared.catch(() => undefined);
      ahead.push(prepared);
      next++;
    }
  };
  for (let index = 0; index < batches.length; index++) {
    fill();
    const { pixels, labels, rows } = await ahead.shift()!;
    fill();
    const size = rows.length;
    const x = tf.tensor4d(pixels, [size, resolution, resolution, 3]);
    const y = tf.tensor2d(labels, [size, classNames.length]);
    const needsWork = augmentations.length > 0 || rows.some((r) => (r.repeat ?? 0) > 0);
    if (!needsWork) {
      yield { x, y };
      continue;
    }
    const out = augmentBatch(
      x,
      y,
      augmentations,
      options.rng.fork(index),
      options.augmentationOptions,
      rows.map((r) => r.augment),
      { forceTransform: rows.map((r) => r.augment && (r.repeat ?? 0) > 0) },
    );
    x.dispose();
    y.dispose();
    yield out;
  }
}

async function prepare(rows: PlannedImage[], options: BatchStreamOptions): Promise<PreparedBatch> {
  const { cache, resolution, fit, classNames } = options;
  const imageSize = resolution * resolution * 3;
  const pixels = new Float32Array(rows.length * imageSize);
  const labels = new Float32Array(rows.length * classNames.length);
  await Promise.all(
    rows.map(async (row, i) => {
      const column = classNames.indexOf(row.item.label);
      if (column < 0) {
        throw new DatasetError(`image has label '${row.item.label}', not one of ${classNames.join(', ')}`, { where: row.item.path });
      }
      labels[i * classNames.length + column] = 1;
      pixels.set(await cache.load(row.item.path, { resolution, fit }), i * imageSize);
    }),
  );
  return { pixels, labels, rows };
}
