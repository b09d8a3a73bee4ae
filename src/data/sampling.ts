/**
 * Sampling strategies: each a named policy that turns a training fold into one epoch of batches.
 *
 * - `none`: every image once, shuffled.
 * - `undersample`: the larger classes cut down to the minority count once (the same subset every epoch).
 * - `undersample-per-epoch`: a fresh random subset of the larger classes every epoch.
 * - `oversample`: the minority repeated (evenly, each image at most one more time than another)
 *   until minority:majority reaches `oversampleRatio` (default 1); repeats carry `repeat > 0`.
 * - `balanced-batch`: every batch holds equal class shares (minority drawn with repetition), with
 *   as many images per epoch as the fold has.
 * - `class-power`: as many images per epoch as the fold has, class c's share ~ n_c^(1 - q)
 *   (`samplingQ` q: 0 natural, 0.5 square-root, 1 balanced; Kang et al. 2020's exponent is 1 - q);
 *   shares rounded by largest remainder, each class drawn from a shuffled cycle (repeats marked).
 *
 * Every row is marked `augment: true` (training rows take the trial's augmentations); repeats are
 * additionally transformed by the batch stream so that no two copies are identical.
 */
import { UserError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/rng.ts';
import { byPath, compareText } from './order.ts';
import { SAMPLING_STRATEGIES, type ImageItem, type PlannedImage, type SamplingStrategy } from './types.ts';

export interface PlanOptions {
  epoch: number;
  batchSize: number;
  seed: number | string;
  minorityClass: string;
  /** Oversampling target, minority : majority (default 1 = equal). */
  oversampleRatio?: number;
  /** `class-power` exponent in [0, 1] (default 0.5). */
  samplingQ?: number;
}

export function planEpoch(strategy: SamplingStrategy, train: readonly ImageItem[], options: PlanOptions): PlannedImage[][] {
  const { epoch, batchSize, seed, minorityClass } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UserError(`batch size ${batchSize} must be a whole number >= 1`, { where: 'batchSize' });
  }
  if (!Number.isInteger(epoch) || epoch < 0) throw new UserError(`epoch ${epoch} must be a whole number >= 0`, { where: 'epoch' });
  const byClass = groupSorted(train);
  if (!byClass.has(minorityClass)) {
    throw new UserError(`minority class '${minorityClass}' has no images in this training fold`, {
      where: 'minorityClass',
      hint: `classes present: ${[...byClass.keys()].join(', ') || 'none'}`,
    });
  }
  const root = createRng(seed).fork(`sampling/${strategy}`);
  const epochRng = root.fork(`epoch/${epoch}`);
  switch (strategy) {
    case 'none':
      return chunk(epochRng.shuffle(train.map(fresh)), batchSize);
    case 'undersample':
      return chunk(epochRng.shuffle(undersample(byClass, root.fork('subset')).map(fresh)), batchSize);
    case 'undersample-per-epoch':
      return chunk(epochRng.shuffle(undersample(byClass, epochRng.fork('subset')).map(fresh)), batchSize);
    case 'oversample':
      return chunk(epochRng.shuffle(oversample(byClass, minorityClass, options.oversampleRatio ?? 1, epochRng.fork('repeats'))), batchSize);
    case 'balanced-batch':
      return balancedBatches(byClass, train.length, batchSize, epochRng);
    case 'class-power':
      return chunk(epochRng.shuffle(classPower(byClass, train.length, options.samplingQ ?? 0.5, epochRng)), batchSize);
    default:
      throw new UserError(`unknown sampling strategy '${String(strategy)}'`, {
        where: 'sampling',
        hint: `use one of: ${SAMPLING_STRATEGIES.join(', ')}`,
      });
  }
}

function fresh(item: ImageItem): PlannedImage {
  return { item, augment: true, repeat: 0 };
}

/** Every class cut down to the smallest class's count. */
function undersample(byClass: Map<string, ImageItem[]>, rng: Rng): ImageItem[] {
  const smallest = Math.min(...[...byClass.values()].map((m) => m.length));
  return [...byClass.entries()].flatMap(([name, members]) => rng.fork(name).shuffle(members).slice(0, smallest));
}

/** Every class other than the largest repeated up to `ratio` x the largest class's count. */
function oversample(byClass: Map<string, ImageItem[]>, minorityClass: string, ratio: number, rng: Rng): PlannedImage[] {
  if (!(ratio > 0) || !Number.isFinite(ratio)) {
    throw new UserError(`oversampleRatio ${ratio} must be a positive number`, { where: 'oversampleRatio', hint: 'use 1 for equal classes, 0.5 for 1:2' });
  }
  const largest = Math.max(...[...byClass.values()].map((m) => m.length));
  const out: PlannedImage[] = [];
  for (const [name, members] of byClass) {
    const target = members.length === largest ? members.length : Math.max(members.length, Math.round(ratio * largest));
    if (name !== minorityClass && byClass.size === 2) {
      // Binary: only the named minority is oversampled.
      out.push(...members.map(fresh));
      continue;
    }
    out.push(...repeatEvenly(members, target, rng.fork(name)));
  }
  return out;
}

/** `target` rows cycling through a shuffled `members`; the n-th cycle's rows have `repeat = n`. */
function repeatEvenly(members: readonly ImageItem[], target: number, rng: Rng): PlannedImage[] {
  const out: PlannedImage[] = [];
  let order = rng.shuffle(members);
  for (let i = 0; i < target; i++) {
    const cycle = Math.floor(i / members.length);
    if (i > 0 && i % members.length === 0) order = rng.shuffle(members);
    out.push({ item: order[i % members.length]!, augment: true, repeat: cycle });
  }
  return out;
}

/**
 * `round(total / batchSize)` full batches (at least one), each with equal shares per class (the
 * remainder of an uneven batch size rotates between classes). Each class is drawn from a shuffled
 * cycle, so small classes repeat and large ones are spread across epochs.
 */
function balancedBatches(byClass: Map<string, ImageItem[]>, total: number, batchSize: number, rng: Rng): PlannedImage[][] {
  const names = [...byClass.keys()];
  const batches = Math.max(1, Math.round(total / batchSize));
  const streams = names.map((name) => cycleStream(byClass.get(name)!, rng.fork(`class/${name}`)));
  const out: PlannedImage[][] = [];
  for (let b = 0; b < batches; b++) {
    const batch: PlannedImage[] = [];
    for (let c = 0; c < names.length; c++) {
      const rotated = (((c - b) % names.length) + names.length) % names.length;
      const share = Math.floor(batchSize / names.length) + (rotated < batchSize % names.length ? 1 : 0);
      for (let i = 0; i < share; i++) batch.push(streams[c]!());
    }
    out.push(rng.shuffle(batch));
  }
  return out;
}

/** Images per class for a `total`-image epoch with shares ~ count^(1 - q), by largest remainder (sums to `total`). */
export function classPowerCounts(counts: readonly number[], total: number, q: number): number[] {
  if (!(q >= 0 && q <= 1)) throw new UserError(`samplingQ ${q} must lie in [0, 1]`, { where: 'samplingQ', hint: '0 natural, 0.5 square-root, 1 balanced' });
  const powers = counts.map((n) => n ** (1 - q));
  const sum = powers.reduce((a, b) => a + b, 0);
  const exact = powers.map((p) => (total * p) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    out[i]!++;
  }
  return out;
}

function classPower(byClass: Map<string, ImageItem[]>, total: number, q: number, rng: Rng): PlannedImage[] {
  const names = [...byClass.keys()];
  const targets = classPowerCounts(names.map((name) => byClass.get(name)!.length), total, q);
  return names.flatMap((name, c) => {
    const draw = cycleStream(byClass.get(name)!, rng.fork(`class/${name}`));
    return Array.from({ length: targets[c]! }, draw);
  });
}

function cycleStream(members: readonly ImageItem[], rng: Rng): () => PlannedImage {
  let order = rng.shuffle(members);
  let drawn = 0;
  return () => {
    const position = drawn % members.length;
    if (drawn > 0 && position === 0) order = rng.shuffle(members);
    const planned = { item: order[position]!, augment: true, repeat: Math.floor(drawn / members.length) };
    drawn++;
    return planned;
  };
}

function groupSorted(train: readonly ImageItem[]): Map<string, ImageItem[]> {
  const byClass = new Map<string, ImageItem[]>();
  for (const item of [...train].sort(byPath)) {
    const members = byClass.get(item.label) ?? [];
    members.push(item);
    byClass.set(item.label, members);
  }
  return new Map([...byClass.entries()].sort(([a], [b]) => compareText(a, b)));
}

function chunk<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
