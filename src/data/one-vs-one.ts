/**
 * Binary one-vs-one imbalanced tasks cut from a labelled IDX set (Fashion-MNIST for the real-data
 * benchmark): `majorityCount` images of one label and `minorityCount` of another, chosen by a
 * seeded shuffle of each label's images, written as folder-per-class grey PNGs (sharp encodes them)
 * at the IDX size: `out/<majority>/NNNN.png`, `out/<minority>/NNNN.png`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { DatasetError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import { readIdxImages, readIdxLabels, type IdxImages } from './idx.ts';

/** The ten Fashion-MNIST classes by label. */
export const FASHION_MNIST_CLASSES = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'] as const;

/** Where Debian's `dataset-fashion-mnist` puts the gzipped IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_FILES = { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' } as const;

export interface OneVsOneTask {
  /** Folder name of the task. */
  readonly name: string;
  readonly majorityLabel: number;
  readonly minorityLabel: number;
}

/** The benchmark's tasks: visually close pairs, the second one made rare (1:10). */
export const FASHION_MNIST_TASKS: readonly OneVsOneTask[] = [
  { name: 'pullover-vs-coat', majorityLabel: 2, minorityLabel: 4 },
  { name: 'sneaker-vs-ankle-boot', majorityLabel: 7, minorityLabel: 9 },
];

export interface OneVsOneOptions {
  readonly images: IdxImages;
  readonly labels: Uint8Array;
  readonly task: OneVsOneTask;
  /** Class folder names by label (default: the Fashion-MNIST names). */
  readonly classNames?: readonly string[];
  readonly majorityCount: number;
  readonly minorityCount: number;
  readonly seed: number;
  /** Task folder; replaced if it exists. */
  readonly out: string;
}

export interface OneVsOneDataset {
  readonly dir: string;
  readonly majorityClass: string;
  readonly minorityClass: string;
  readonly majorityCount: number;
  readonly minorityCount: number;
  /** The chosen IDX indices per class, in file order of the PNGs. */
  readonly indices: { readonly majority: readonly number[]; readonly minority: readonly number[] };
  readonly size: { readonly rows: number; readonly columns: number };
}

/** The indices of `count` images of `label`, chosen by a seeded shuffle; errors if too few exist. */
export function chooseIndices(labels: Uint8Array, label: number, count: number, seed: string): number[] {
  const all: number[] = [];
  labels.forEach((l, i) => {
    if (l === label) all.push(i);
  });
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`image count must be a whole number >= 1, got ${count}`);
  if (all.length < count) {
    throw new DatasetError(`label ${label} has ${all.length} images, ${count} were asked for`, { hint: 'Ask for fewer images, or give a larger IDX set.' });
  }
  return createRng(seed).shuffle(all).slice(0, count);
}

/** Cuts the task out of the IDX set and writes it; the same options write the same images. */
export async function writeOneVsOneTask(options: OneVsOneOptions): Promise<OneVsOneDataset> {
  const { images, labels, task, majorityCount, minorityCount, seed, out } = options;
  const names = options.classNames ?? FASHION_MNIST_CLASSES;
  if (labels.length !== images.count) {
    throw new DatasetError(`the labels file has ${labels.length} labels for ${images.count} images`, { hint: 'Pair the images file with its own labels file (train with train, t10k with t10k).' });
  }
  if (task.majorityLabel === task.minorityLabel) throw new RangeError(`task ${task.name}: majority and minority are both label ${task.majorityLabel}`);
  const majorityClass = names[task.majorityLabel];
  const minorityClass = names[task.minorityLabel];
  if (!majorityClass || !minorityClass) throw new RangeError(`task ${task.name}: labels ${task.majorityLabel}/${task.minorityLabel} have no class name (${names.length} names)`);
  const majority = chooseIndices(labels, task.majorityLabel, majorityCount, `${seed}/${task.name}/majority`);
  const minority = chooseIndices(labels, task.minorityLabel, minorityCount, `${seed}/${task.name}/minority`);
  await rm(out, { recursive: true, force: true });
  const { rows, columns } = images;
  const pixelsPerImage = rows * columns;
  for (const [className, indices] of [[majorityClass, majority], [minorityClass, minority]] as const) {
    const dir = path.join(out, className);
    await mkdir(dir, { recursive: true });
    for (const [n, index] of indices.entries()) {
      const grey = images.pixels.subarray(index * pixelsPerImage, (index + 1) * pixelsPerImage);
      const png = await sharp(Buffer.from(grey), { raw: { width: columns, height: rows, channels: 1 } }).toColourspace('b-w').png().toBuffer();
      await writeFile(path.join(dir, `${String(n).padStart(4, '0')}.png`), png);
    }
  }
  return { dir: out, majorityClass, minorityClass, majorityCount, minorityCount, indices: { majority, minority }, size: { rows, columns } };
}

/** Reads an IDX images + labels pair (e.g. Fashion-MNIST's training set) from `dir`. */
export async function readIdxSet(dir: string, files: { images: string; labels: string } = FASHION_MNIST_FILES): Promise<{ images: IdxImages; labels: Uint8Array }> {
  const [images, labels] = await Promise.all([readIdxImages(path.join(dir, files.images)), readIdxLabels(path.join(dir, files.labels))]);
  return { images, labels };
}
