/**
 * CutPaste-style defect synthesis (Li et al. 2021): a rectangular patch of an image is copied and
 * pasted at another place of the SAME image, making a local, structure-breaking artefact like a
 * real defect. Used on minority (defect) images only, so labels never change. Defect-safe: the
 * source region is left as it is, and the pasted patch covers at most `maxArea` of the image
 * (default 0.1), so at most that share of an existing defect can be painted over.
 */
import type { Rng } from '../core/rng.ts';
import { CHANNELS } from './host-batch.ts';

/** A patch of `height` x `width` pixels copied from (fromTop, fromLeft) to (toTop, toLeft). */
export interface CutPastePatch {
  readonly height: number;
  readonly width: number;
  readonly fromTop: number;
  readonly fromLeft: number;
  readonly toTop: number;
  readonly toLeft: number;
}

/** Area uniform in [maxArea / 5, maxArea] of the image, aspect ratio log-uniform in [1/3, 3]. */
export function drawCutPaste(imageHeight: number, imageWidth: number, maxArea: number, rng: Rng): CutPastePatch {
  if (!(maxArea > 0 && maxArea <= 1)) throw new RangeError(`cutpaste maxArea ${maxArea} must lie in (0, 1]`);
  const area = rng.uniform(maxArea / 5, maxArea) * imageHeight * imageWidth;
  const aspect = Math.exp(rng.uniform(Math.log(1 / 3), Math.log(3)));
  const fits = (size: number, limit: number): number => Math.max(1, Math.min(limit, Math.floor(size)));
  const height = fits(Math.sqrt(area * aspect), imageHeight);
  // Floor of the area / height keeps the patch within maxArea after rounding.
  const width = fits(Math.min(Math.sqrt(area / aspect), (maxArea * imageHeight * imageWidth) / height), imageWidth);
  const fromTop = rng.int(0, imageHeight - height);
  const fromLeft = rng.int(0, imageWidth - width);
  let toTop = rng.int(0, imageHeight - height);
  let toLeft = rng.int(0, imageWidth - width);
  // Pasting onto itself would change nothing: move it when there is room.
  if (toTop === fromTop && toLeft === fromLeft) {
    if (imageWidth > width) toLeft = (fromLeft + 1 + rng.int(0, imageWidth - width - 1)) % (imageWidth - width + 1);
    else if (imageHeight > height) toTop = (fromTop + 1 + rng.int(0, imageHeight - height - 1)) % (imageHeight - height + 1);
  }
  return { height, width, fromTop, fromLeft, toTop, toLeft };
}

/** Writes `image` with `patch` applied into `out` (the two must not overlap in memory). */
export function cutPasteImage(image: Float32Array, out: Float32Array, imageWidth: number, patch: CutPastePatch): void {
  out.set(image);
  const rowLength = patch.width * CHANNELS;
  for (let r = 0; r < patch.height; r++) {
    const from = ((patch.fromTop + r) * imageWidth + patch.fromLeft) * CHANNELS;
    const to = ((patch.toTop + r) * imageWidth + patch.toLeft) * CHANNELS;
    out.set(image.subarray(from, from + rowLength), to);
  }
}
