/**
 * SimCLR's two views of each image (Chen et al. 2020), made defect-safe: a random symmetry of the
 * square (flips and quarter turns: they move a defect, never remove it), a random crop that keeps
 * at least `cropMinArea` of the image (so a defect near a border is at most trimmed, the way the
 * supervised `crop` augmentation keeps its minimum area; 1 = no crop), and colour jitter
 * (brightness, contrast, saturation, each a factor in 1 +- `colorJitter`, in random order), values
 * clipped to [0, 1]. No blur and no cut-out: both can erase a small defect. Host arrays, seeded.
 */
import type { Rng } from '../core/rng.ts';
import { applyDihedral, cropResize, drawCropBox } from './geometry.ts';
import { CHANNELS, imageAt, imageLength, type HostBatch } from './host-batch.ts';

export interface ViewSettings {
  /** Smallest kept share of the image area, in [0.5, 1]; 1 = no crop. */
  readonly cropMinArea: number;
  /** Jitter strength in [0, 1]; 0 = no colour change. */
  readonly colorJitter: number;
}

/** Two independently transformed copies of every image of `batch` (pixels only; the batch is unchanged). */
export function simclrViews(batch: Pick<HostBatch, 'pixels' | 'batch' | 'height' | 'width'>, rng: Rng, settings: ViewSettings): [Float32Array, Float32Array] {
  const { height, width } = batch;
  if (height !== width) throw new RangeError(`SimCLR views need square images, got ${height}x${width}`);
  if (!(settings.cropMinArea >= 0.5 && settings.cropMinArea <= 1)) throw new RangeError(`cropMinArea must be in [0.5, 1], got ${settings.cropMinArea}`);
  if (!(settings.colorJitter >= 0 && settings.colorJitter <= 1)) throw new RangeError(`colorJitter must be in [0, 1], got ${settings.colorJitter}`);
  const whole = { ...batch, labels: new Float32Array(0), classes: 0 };
  return [0, 1].map((v) => {
    const out = new Float32Array(batch.pixels.length);
    const viewRng = rng.fork(`view${v}`);
    const scratch = new Float32Array(imageLength(batch));
    for (let i = 0; i < batch.batch; i++) {
      const dst = imageAt({ ...whole, pixels: out }, i);
      const code = viewRng.int(0, 7);
      if (settings.cropMinArea < 1) {
        applyDihedral(imageAt(whole, i), scratch, height, code);
        cropResize(scratch, dst, height, width, drawCropBox(settings.cropMinArea, () => viewRng.next()));
      } else {
        applyDihedral(imageAt(whole, i), dst, height, code);
      }
      if (settings.colorJitter > 0) jitterColour(dst, settings.colorJitter, viewRng);
    }
    return out;
  }) as [Float32Array, Float32Array];
}

/** Brightness, contrast and saturation factors in 1 +- strength, applied in a random order, in place. */
export function jitterColour(image: Float32Array, strength: number, rng: Rng): void {
  const factor = (): number => 1 + rng.uniform(-strength, strength);
  const ops = rng.shuffle(['brightness', 'contrast', 'saturation'] as const);
  for (const op of ops) {
    const f = factor();
    if (op === 'brightness') {
      for (let p = 0; p < image.length; p++) image[p] = image[p]! * f;
    } else if (op === 'contrast') {
      let sum = 0;
      for (let p = 0; p < image.length; p += CHANNELS) sum += luminance(image, p);
      const mean = sum / (image.length / CHANNELS);
      for (let p = 0; p < image.length; p++) image[p] = (image[p]! - mean) * f + mean;
    } else {
      for (let p = 0; p < image.length; p += CHANNELS) {
        const grey = luminance(image, p);
        for (let c = 0; c < CHANNELS; c++) image[p + c] = grey + (image[p + c]! - grey) * f;
      }
    }
    for (let p = 0; p < image.length; p++) image[p] = Math.min(1, Math.max(0, image[p]!));
  }
}

function luminance(image: Float32Array, p: number): number {
  return 0.299 * image[p]! + 0.587 * image[p + 1]! + 0.114 * image[p + 2]!;
}
