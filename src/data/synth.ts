/**
 * `writeSyntheticDataset`: a real imbalanced image task without downloading anything. Writes
 * `out/<majority>/NNNN.png` textured surfaces and `out/<minority>/NNNN.png` surfaces carrying one or
 * two small defects. Texture families and their parameters are drawn the same way for both classes,
 * so only the defect tells them apart. Deterministic by seed.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { UserError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/rng.ts';
import { mapLimit } from './scan.ts';
import { DEFECT_KINDS, TEXTURE_FAMILIES, addBlotches, addDefect, texture, toRgbBytes } from './synth-pixels.ts';

export interface SyntheticDatasetOptions {
  out: string;
  images: number;
  /** Fraction of images in the minority (defect) class, in (0, 1). */
  minorityFraction: number;
  /** Pixels per side. */
  size: number;
  seed: number | string;
  minorityClass?: string;
  majorityClass?: string;
}

export async function writeSyntheticDataset(options: SyntheticDatasetOptions): Promise<{ counts: Record<string, number> }> {
  const { out, images, minorityFraction, size, seed } = options;
  const minorityClass = options.minorityClass ?? 'defect';
  const majorityClass = options.majorityClass ?? 'ok';
  if (!Number.isInteger(images) || images < 2) {
    throw new UserError(`images is ${images}, but must be a whole number >= 2`, { where: '--images' });
  }
  if (!(minorityFraction > 0 && minorityFraction < 1)) {
    throw new UserError(`minority fraction ${minorityFraction} must be between 0 and 1 (exclusive)`, { where: '--minority-fraction', hint: 'e.g. 0.1 for 1 defect in 10' });
  }
  if (!Number.isInteger(size) || size < 16 || size > 2048) {
    throw new UserError(`size ${size} must be a whole number of pixels from 16 to 2048`, { where: '--size' });
  }
  if (minorityClass === majorityClass) {
    throw new UserError(`minority and majority class are both named '${minorityClass}'`, { where: 'minorityClass' });
  }
  const minorityCount = Math.min(images - 1, Math.max(1, Math.round(images * minorityFraction)));
  const counts = { [majorityClass]: images - minorityCount, [minorityClass]: minorityCount };
  await mkdir(path.join(out, minorityClass), { recursive: true });
  await mkdir(path.join(out, majorityClass), { recursive: true });

  const root = createRng(seed).fork('synth');
  const jobs = [
    ...Array.from({ length: counts[majorityClass]! }, (_, i) => ({ label: majorityClass, index: i, defective: false })),
    ...Array.from({ length: minorityCount }, (_, i) => ({ label: minorityClass, index: i, defective: true })),
  ];
  const digits = String(images).length;
  await mapLimit(jobs, 4, async (job) => {
    const rgb = syntheticImage(size, job.defective, root.fork(`${job.label}/${job.index}`));
    const file = path.join(out, job.label, `${String(job.index).padStart(Math.max(4, digits), '0')}.png`);
    await sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
  });
  return { counts };
}

/**
 * One image's RGB bytes; `defective` adds one defect (sometimes two). The same `rng` with and
 * without `defective` gives the same surface, so the difference is exactly the defect.
 */
export function syntheticImage(size: number, defective: boolean, rng: Rng): Buffer {
  const surface = texture(size, rng.pick(TEXTURE_FAMILIES), rng.fork('texture'));
  addBlotches(surface, size, rng.fork('blotches'));
  if (defective) {
    const defects = rng.next() < 0.2 ? 2 : 1;
    for (let d = 0; d < defects; d++) addDefect(surface, size, rng.pick(DEFECT_KINDS), rng.fork(`defect/${d}`));
  }
  return toRgbBytes(surface, rng.fork('finish'));
}
