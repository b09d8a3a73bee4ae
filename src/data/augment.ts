/**
 * Seeded augmentations of a batch. Order: per-image symmetries (hflip, vflip, rot90) and the
 * optional random crop on the rows the mask allows; forced symmetries for oversampled repeats;
 * then the two AugMix views; then CutMix or MixUp on the whole batch (one of the two per batch
 * when both are listed, as timm does), applied identically to the AugMix views.
 *
 * Random cropping is never on unless asked for: it can cut a defect out and so invert the label.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { augmixView } from './augmix.ts';
import { applyDihedral, composeDihedral, randomCrop, type Dihedral } from './geometry.ts';
import { drawCutMix, drawMixUp, mixImages, mixLabels } from './mixing.ts';
import { AUGMENTATIONS, type AugmentationName, type AugmentationOptions } from './types.ts';

export interface AugmentedBatch {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  /** Two AugMix views aligned with `x` (present when 'augmix' is listed), for the JSD term. */
  augmixViews?: [tf.Tensor4D, tf.Tensor4D];
}

export interface AugmentExtras {
  /** Rows that must change (oversampled repeats): each gets a random non-identity symmetry on top. */
  forceTransform?: readonly boolean[];
}

/**
 * Returns new tensors (the caller still owns and disposes `x` and `y`). `y` holds one-hot or soft
 * labels with columns in class-name order. `augmentMask[i] === false` exempts row i from the
 * per-image augmentations (flips, turns, crop, AugMix); CutMix and MixUp apply to every row.
 */
export function augmentBatch(
  x: tf.Tensor4D,
  y: tf.Tensor2D,
  augmentations: readonly AugmentationName[],
  rng: Rng,
  options: AugmentationOptions = {},
  augmentMask?: readonly boolean[],
  extras: AugmentExtras = {},
): AugmentedBatch {
  checkAugmentations(augmentations);
  const batch = x.shape[0];
  if (y.shape[0] !== batch) throw new RangeError(`augmentBatch: ${batch} images but ${y.shape[0]} labels`);
  const mask = augmentMask ?? new Array<boolean>(batch).fill(true);
  const has = (name: AugmentationName): boolean => augmentations.includes(name);

  const codes: Dihedral[] = mask.map((allowed, i) => {
    let code = 0;
    if (allowed && has('hflip') && rng.next() < 0.5) code = composeDihedral(code, 'hflip');
    if (allowed && has('vflip') && rng.next() < 0.5) code = composeDihedral(code, 'vflip');
    if (allowed && has('rot90')) for (let t = rng.int(0, 3); t > 0; t--) code = composeDihedral(code, 'rot90');
    if (extras.forceTransform?.[i] && code === 0) code = rng.int(1, 7);
    return code;
  });
  let images = applyDihedral(x, codes);
  if (has('crop')) {
    const cropped = randomCrop(images, options.cropMinArea ?? 0.9, () => rng.next(), mask).x;
    images.dispose();
    images = cropped;
  }

  let views: [tf.Tensor4D, tf.Tensor4D] | undefined;
  if (has('augmix')) {
    const settings = {
      width: options.augmixWidth ?? 3,
      depth: options.augmixDepth ?? -1,
      alpha: options.augmixAlpha ?? 1,
      severity: options.augmixSeverity ?? 3,
    };
    views = [augmixView(images, rng.fork('augmix/1'), settings, mask), augmixView(images, rng.fork('augmix/2'), settings, mask)];
  }

  let labels = y.clone();
  const mixers = (['cutmix', 'mixup'] as const).filter(has);
  if (mixers.length > 0) {
    const [, height, width] = images.shape;
    const mixer = mixers.length === 1 ? mixers[0]! : rng.pick(mixers);
    const mixing =
      mixer === 'cutmix' ? drawCutMix(batch, height, width, options.cutmixAlpha ?? 1, rng) : drawMixUp(batch, options.mixupAlpha ?? 0.2, rng);
    const mixed = mixImages(images, mixing);
    images.dispose();
    images = mixed;
    const mixedLabels = mixLabels(labels, mixing);
    labels.dispose();
    labels = mixedLabels;
    if (views) {
      const mixedViews: [tf.Tensor4D, tf.Tensor4D] = [mixImages(views[0], mixing), mixImages(views[1], mixing)];
      views.forEach((v) => v.dispose());
      views = mixedViews;
    }
  }
  return views ? { x: images, y: labels, augmixViews: views } : { x: images, y: labels };
}

export function checkAugmentations(augmentations: readonly string[]): asserts augmentations is readonly AugmentationName[] {
  for (const name of augmentations) {
    if (!AUGMENTATIONS.includes(name as AugmentationName)) {
      throw new UserError(`unknown augmentation '${name}'`, { where: 'augmentations', hint: `use any of: ${AUGMENTATIONS.join(', ')}` });
    }
  }
}
