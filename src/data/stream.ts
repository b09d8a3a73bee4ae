/**
 * Planned batches -> tensors, streamed from disk through the bounded image cache with `prefetch`
 * batches decoded and augmented ahead (as host arrays; see host-batch.ts). Tensors are created only
 * when a batch is handed out, so stopping early leaks nothing. Augmentation draws come from
 * `rng.fork(batchIndex)`, so the batches are the same whatever the prefetch depth or cache budget.
 */
import { DatasetError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/rng.ts';
import { augmentHostBatch, checkAugmentations, type AugmentedHostBatch } from './augment-host.ts';
import { sharedAugmentPool } from './augment-pool.ts';
import { toTensors, type AugmentedBatch } from './augment.ts';
import type { ImageCache } from './cache.ts';
import { bytesToFloats } from './decode.ts';
import type { AugmentationName, AugmentationOptions, Fit, PlannedImage } from './types.ts';

export interface BatchStreamOptions {
  cache: ImageCache;
  resolution: number;
  fit: Fit;
  /** One-hot columns follow this order. */
  classNames: readonly string[];
  /** Batches decoded ahead of the consumer (default 2). */
  prefetch?: number;
  /**
   * Worker threads for augmentation (default 0: augment on this thread). With 1 or more, batches
   * are augmented off the training thread; the batches are identical either way.
   */
  augmentWorkers?: number;
  augmentations?: readonly AugmentationName[];
  augmentationOptions?: AugmentationOptions;
  /** For cutpaste: the class whose images get a pasted patch. */
  minorityClass?: string;
  /** For Remix: images per class of the epoch, in `classNames` order. */
  classCounts?: readonly number[];
  rng: Rng;
}

/** Yields `{ x, y, augmixViews? }` per planned batch; the caller disposes every tensor it receives. */
export async function* batchStream(batches: PlannedImage[][], options: BatchStreamOptions): AsyncGenerator<AugmentedBatch> {
  checkAugmentations(options.augmentations ?? []);
  const prefetch = Math.max(0, Math.floor(options.prefetch ?? 2));
  const ahead: Array<Promise<AugmentedHostBatch>> = [];
  let next = 0;
  const fill = (): void => {
    while (next < batches.length && ahead.length <= prefetch) {
      const prepared = prepare(batches[next]!, next, options);
      // A failure surfaces when this batch is awaited; until then it must not count as unhandled.
      prepared.catch(() => undefined);
      ahead.push(prepared);
      next++;
    }
  };
  for (let index = 0; index < batches.length; index++) {
    fill();
    const batch = await ahead.shift()!;
    fill();
    yield toTensors(batch);
  }
}

async function prepare(rows: PlannedImage[], index: number, options: BatchStreamOptions): Promise<AugmentedHostBatch> {
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
      bytesToFloats(await cache.loadBytes(row.item.path, { resolution, fit }), pixels, i * imageSize);
    }),
  );
  const batch = { pixels, labels, batch: rows.length, height: resolution, width: resolution, classes: classNames.length };
  const augmentations = options.augmentations ?? [];
  const repeats = rows.map((r) => r.augment && (r.repeat ?? 0) > 0);
  if (augmentations.length === 0 && !repeats.some(Boolean)) return batch;
  // A numeric seed per batch, so a worker thread can rebuild the very same Rng.
  const seed = options.rng.fork(index).seed32();
  const mask = rows.map((r) => r.augment);
  const minorityColumn = options.minorityClass === undefined ? -1 : classNames.indexOf(options.minorityClass);
  const extras = {
    forceTransform: repeats,
    ...(minorityColumn >= 0 && { minorityColumn }),
    ...(options.classCounts && { classCounts: options.classCounts }),
  };
  const workers = options.augmentWorkers ?? 0;
  if (workers > 0) {
    const job = { batch, augmentations, seed, mask, extras, ...(options.augmentationOptions && { options: options.augmentationOptions }) };
    return sharedAugmentPool(workers).run(job);
  }
  return augmentHostBatch(batch, augmentations, createRng(seed), options.augmentationOptions, mask, extras);
}
