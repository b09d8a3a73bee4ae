/**
 * Seeded augmentations of a batch held in host arrays (see host-batch.ts). Order: per-image
 * symmetries (hflip, vflip, rot90) and the optional random crop on the rows the mask allows, a
 * forced symmetry for oversampled repeats; then two AugMix views; then CutMix or MixUp over the
 * whole batch (one of the two per batch when both are listed, as timm does), applied identically
 * to the AugMix views so they stay aligned.
 *
 * Random cropping is never on unless listed: it can cut a defect out and so invert the label;
 * when listed it keeps at least `cropMinArea` (default 0.9) of every image, whatever its class.
 * No tfjs here, so worker threads can run it cheaply.
 */
import { UserError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { augmixImage } from './augmix.ts';
import { cutPasteImage, drawCutPaste } from './cutpaste.ts';
import { applyDihedral, composeDihedral, cropResize, drawCropBox, type Dihedral } from './geometry.ts';
import { imageAt, imageLength, type HostBatch } from './host-batch.ts';
import { drawCutMix, drawMixUp, mixImages, mixLabels, remixLabels } from './mixing.ts';
import { AUGMENTATIONS, type AugmentationName, type AugmentationOptions } from './types.ts';

export interface AugmentedHostBatch extends HostBatch {
  augmixViews?: [Float32Array, Float32Array];
}

export interface AugmentExtras {
  /** Rows that must change (oversampled repeats): each gets a random non-identity symmetry on top. */
  forceTransform?: readonly boolean[];
  /** The minority's label column: `cutpaste` changes the rows of that class (required by it). */
  minorityColumn?: number;
  /** Images per class, in label-column order: Remix (`remixKappa`) needs them. */
  classCounts?: readonly number[];
}

/** The same augmentations on host arrays; `input` is left unchanged. */
export function augmentHostBatch(
  input: HostBatch,
  augmentations: readonly AugmentationName[],
  rng: Rng,
  options: AugmentationOptions = {},
  augmentMask?: readonly boolean[],
  extras: AugmentExtras = {},
): AugmentedHostBatch {
  checkAugmentations(augmentations);
  const { batch, height, width } = input;
  const mask = augmentMask ?? new Array<boolean>(batch).fill(true);
  const has = (name: AugmentationName): boolean => augmentations.includes(name);
  const geometric = has('hflip') || has('vflip') || has('rot90') || has('crop') || (extras.forceTransform?.some(Boolean) ?? false);
  if ((has('rot90') || extras.forceTransform?.some(Boolean)) && height !== width) {
    throw new RangeError(`quarter turns need square images, got ${height}x${width}`);
  }

  let pixels = input.pixels;
  if (geometric) {
    pixels = new Float32Array(input.pixels.length);
    const scratch = new Float32Array(imageLength(input));
    for (let i = 0; i < batch; i++) {
      let code: Dihedral = 0;
      if (mask[i] && has('hflip') && rng.next() < 0.5) code = composeDihedral(code, 'hflip');
      if (mask[i] && has('vflip') && rng.next() < 0.5) code = composeDihedral(code, 'vflip');
      if (mask[i] && has('rot90')) for (let t = rng.int(0, 3); t > 0; t--) code = composeDihedral(code, 'rot90');
      if (extras.forceTransform?.[i] && code === 0) code = rng.int(1, 7);
      const dst = imageAt({ ...input, pixels }, i);
      if (mask[i] && has('crop')) {
        applyDihedral(imageAt(input, i), scratch, height, code);
        cropResize(scratch, dst, height, width, drawCropBox(options.cropMinArea ?? 0.9, () => rng.next()));
      } else {
        applyDihedral(imageAt(input, i), dst, height, code);
      }
    }
  }

  if (has('cutpaste')) pixels = cutPasteMinority({ ...input, pixels }, mask, extras.minorityColumn, options.cutpasteMaxArea ?? 0.1, rng.fork('cutpaste'));

  let views: [Float32Array, Float32Array] | undefined;
  if (has('augmix')) {
    const settings = {
      width: options.augmixWidth ?? 3,
      depth: options.augmixDepth ?? -1,
      alpha: options.augmixAlpha ?? 1,
      severity: options.augmixSeverity ?? 3,
    };
    views = [0, 1].map((v) => {
      const out = pixels.slice();
      const viewRng = rng.fork(`augmix/${v}`);
      for (let i = 0; i < batch; i++) {
        if (mask[i]) augmixImage(imageAt({ ...input, pixels }, i), imageAt({ ...input, pixels: out }, i), height, viewRng, settings);
      }
      return out;
    }) as [Float32Array, Float32Array];
  }

  let labels = input.labels;
  const mixers = (['cutmix', 'mixup'] as const).filter(has);
  if (mixers.length > 0) {
    const mixer = mixers.length === 1 ? mixers[0]! : rng.pick(mixers);
    const mixing = mixer === 'cutmix' ? drawCutMix(batch, height, width, options.cutmixAlpha ?? 1, rng) : drawMixUp(batch, options.mixupAlpha ?? 0.2, rng);
    pixels = mixImages(pixels, height, width, mixing);
    if (options.remixKappa !== undefined) {
      if (!extras.classCounts) throw new UserError('Remix needs the images per class of the epoch', { where: 'augmentationOptions.remixKappa' });
      labels = remixLabels(labels, input.classes, mixing, extras.classCounts, options.remixKappa, options.remixTau ?? 0.5);
    } else {
      labels = mixLabels(labels, input.classes, mixing);
    }
    if (views) views = [mixImages(views[0], height, width, mixing), mixImages(views[1], height, width, mixing)];
  }
  const out: AugmentedHostBatch = { ...input, pixels: pixels === input.pixels ? pixels.slice() : pixels, labels: labels === input.labels ? labels.slice() : labels };
  if (views) out.augmixViews = views;
  return out;
}

/** One CutPaste patch on every augmentable row of the minority class; a new array. */
function cutPasteMinority(batch: HostBatch, mask: readonly boolean[], minorityColumn: number | undefined, maxArea: number, rng: Rng): Float32Array {
  if (minorityColumn === undefined) throw new UserError('cutpaste needs to know the minority class', { where: 'augmentations' });
  const out = batch.pixels.slice();
  for (let i = 0; i < batch.batch; i++) {
    if (!mask[i] || batch.labels[i * batch.classes + minorityColumn] !== 1) continue;
    cutPasteImage(imageAt(batch, i), imageAt({ ...batch, pixels: out }, i), batch.width, drawCutPaste(batch.height, batch.width, maxArea, rng));
  }
  return out;
}

export function checkAugmentations(augmentations: readonly string[]): asserts augmentations is readonly AugmentationName[] {
  for (const name of augmentations) {
    if (!AUGMENTATIONS.includes(name as AugmentationName)) {
      throw new UserError(`unknown augmentation '${name}'`, { where: 'augmentations', hint: `use any of: ${AUGMENTATIONS.join(', ')}` });
    }
  }
}
