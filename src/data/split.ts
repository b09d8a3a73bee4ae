/**
 * Splits a dataset: first a sealed, balanced holdout (the same number of images per class), then
 * stratified k-fold over the rest, drawn `repeats` times from differently seeded shuffles (repeated
 * k-fold). Deterministic by seed; the holdout depends only on the seed and the class members, so
 * changing the fold count or the repeats never moves an image into or out of the holdout, and the
 * first repeat is the plain k-fold of the seed.
 */
import { DatasetError, UserError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import { byPath } from './order.ts';
import type { DatasetIndex, DatasetSplits, ImageItem } from './types.ts';

export interface SplitOptions {
  /** >= 1: images per class held out (an integer). In (0, 1): that fraction of the minority count, per class. 0: no holdout. */
  holdout: number;
  /** Number of stratified folds (>= 2). */
  folds: number;
  /** How many times the k folds are drawn (>= 1, default 1): `folds` holds folds x repeats entries, repeat by repeat. */
  repeats?: number;
  seed: number | string;
}

/** Images held out per class for `holdout` over a minority of `minorityCount` images. */
export function holdoutPerClass(holdout: number, minorityCount: number): number {
  if (!(holdout >= 0) || (holdout >= 1 && !Number.isInteger(holdout))) {
    throw new UserError(`holdout ${holdout} is neither a whole count (>= 1) nor a fraction in [0, 1)`, {
      where: 'holdout',
      hint: 'give images per class (e.g. 20) or a fraction of the minority class (e.g. 0.2)',
    });
  }
  if (holdout === 0) return 0;
  return holdout >= 1 ? holdout : Math.max(1, Math.round(holdout * minorityCount));
}

export function splitDataset(index: DatasetIndex, options: SplitOptions): DatasetSplits {
  const { folds, seed } = options;
  if (!Number.isInteger(folds) || folds < 2) {
    throw new UserError(`folds is ${folds}, but must be a whole number >= 2`, { where: 'folds', hint: 'use 3 (the default) or 5' });
  }
  const byClass = groupByClass(index);
  const counts = index.classNames.map((name) => `${name}=${byClass.get(name)!.length}`).join(', ');
  const smallest = Math.min(...index.classNames.map((name) => byClass.get(name)!.length));
  const perClass = holdoutPerClass(options.holdout, index.counts[index.minorityClass] ?? smallest);
  if (smallest - perClass < folds) {
    throw new DatasetError(
      `too few images for a holdout of ${perClass} per class and ${folds} folds (counts: ${counts}); ` +
        `every class needs at least ${perClass + folds}`,
      { where: index.root, hint: 'add minority images, lower the holdout, or use fewer folds' },
    );
  }

  const repeats = options.repeats ?? 1;
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new UserError(`repeats is ${repeats}, but must be a whole number >= 1`, { where: 'repeats', hint: 'use 1 (the default, plain k-fold) or 3' });
  }
  const rng = createRng(seed);
  const holdout: ImageItem[] = [];
  const members = new Map<string, ImageItem[]>();
  for (const name of index.classNames) {
    const shuffled = rng.fork(`holdout/${name}`).shuffle(byClass.get(name)!);
    holdout.push(...shuffled.slice(0, perClass));
    members.set(name, shuffled.slice(perClass));
  }
  const partitions = Array.from({ length: repeats }, (_, repeat) => {
    const foldValidation: ImageItem[][] = Array.from({ length: folds }, () => []);
    let offset = 0;
    for (const name of index.classNames) {
      // Repeat 0 keeps the plain k-fold's stream, so one repeat is exactly the k-fold of old.
      const rest = rng.fork(repeat === 0 ? `folds/${folds}/${name}` : `folds/${folds}/repeat${repeat}/${name}`).shuffle(members.get(name)!);
      // Deal each class round-robin; the starting fold rotates so that fold sizes stay within one.
      rest.forEach((item, i) => foldValidation[(offset + i) % folds]!.push(item));
      offset = (offset + rest.length) % folds;
    }
    return foldValidation;
  });
  return {
    holdout: sortByPath(holdout),
    nonHoldout: sortByPath(partitions[0]!.flat()),
    folds: partitions.flatMap((foldValidation) =>
      foldValidation.map((validation, k) => ({
        train: sortByPath(foldValidation.filter((_, j) => j !== k).flat()),
        validation: sortByPath(validation),
      })),
    ),
  };
}

/**
 * A stratified split of `items` into a fitting part and an inner validation part: from each class,
 * `fraction` of its images (rounded, at least one) go to validation, at least one stays for
 * fitting. Deterministic by seed; independent of the order `items` come in.
 */
export function stratifiedHoldOut(
  items: readonly ImageItem[],
  fraction: number,
  seed: number | string,
): { fit: ImageItem[]; validation: ImageItem[] } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`inner validation fraction must be in (0, 1), got ${fraction}`);
  const byClass = new Map<string, ImageItem[]>();
  for (const item of items) byClass.set(item.label, [...(byClass.get(item.label) ?? []), item]);
  const rng = createRng(seed);
  const fit: ImageItem[] = [];
  const validation: ImageItem[] = [];
  for (const [name, members] of [...byClass].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (members.length < 2) {
      throw new DatasetError(`class '${name}' has ${members.length} image in a fold's training part: too few to hold out an inner validation split`, {
        hint: 'add images, use fewer folds, or turn early stopping off',
      });
    }
    const shuffled = rng.fork(`inner/${name}`).shuffle(members.sort(byPath));
    const count = Math.min(members.length - 1, Math.max(1, Math.round(fraction * members.length)));
    validation.push(...shuffled.slice(0, count));
    fit.push(...shuffled.slice(count));
  }
  return { fit: sortByPath(fit), validation: sortByPath(validation) };
}

function groupByClass(index: DatasetIndex): Map<string, ImageItem[]> {
  const byClass = new Map<string, ImageItem[]>(index.classNames.map((name) => [name, []]));
  for (const item of index.items) {
    const members = byClass.get(item.label);
    if (!members) throw new DatasetError(`image has label '${item.label}', which is not among the classes`, { where: item.path });
    members.push(item);
  }
  // Shuffles start from a canonical order, so the split does not depend on the scan's order.
  for (const members of byClass.values()) members.sort(byPath);
  return byClass;
}

function sortByPath(items: ImageItem[]): ImageItem[] {
  return items.sort(byPath);
}
