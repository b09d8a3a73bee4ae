/**
 * Reads a dataset source (folder-per-class directory or `path,label` CSV manifest), decodes every
 * image once to find the unreadable ones, and hashes names + bytes into a dataset identity.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../core/errors.ts';
import { checkImage, type ImageCheck } from './decode.ts';
import { listClassFolders, type Candidate } from './folders.ts';
import { readManifest } from './manifest.ts';
import { compareText } from './order.ts';
import { loadVerdicts, saveVerdicts, type Verdicts } from './scan-cache.ts';
import type { DatasetIndex, ImageItem, ImageSizes } from './types.ts';

/** File extensions taken as images (case-insensitive). Other files are ignored. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff'];

const isImageName = (name: string): boolean => IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());

export interface ScanOptions {
  /** The rare class; inferred as the class with the fewest images when omitted. */
  minorityClass?: string;
  /** Files decoded at once while scanning (default 8). */
  concurrency?: number;
  /**
   * `decode` (default) decodes every image, so truncated files are caught here rather than in
   * the middle of training; `header` only reads headers: faster on large images, but a truncated
   * file then fails later, when a batch decodes it.
   */
  check?: 'decode' | 'header';
  /**
   * A folder of remembered verdicts (src/data/scan-cache.ts): an image whose bytes were checked
   * before is not decoded again. Off when omitted; trials use defaultScanCacheDir().
   */
  verdictCache?: string;
}

interface Checked extends Candidate {
  ok: boolean;
  reason?: string;
  width?: number;
  height?: number;
  /** sha256 of the bytes, for every file that could be read. */
  digest?: string;
  check?: ImageCheck;
}

export async function scanDataset(source: string, options: ScanOptions = {}): Promise<DatasetIndex> {
  const root = path.resolve(source);
  let sourceStat;
  try {
    sourceStat = await stat(root);
  } catch (error) {
    throw new DatasetError('dataset not found', {
      where: root,
      cause: error,
      hint: 'pass a folder with one sub-folder per class (e.g. data/defect, data/ok) or a path,label CSV manifest',
    });
  }
  const candidates = sourceStat.isDirectory() ? await listClassFolders(root, isImageName) : await readManifest(root);
  const mode = options.check ?? 'decode';
  const known = options.verdictCache ? await loadVerdicts(options.verdictCache, root, mode) : undefined;
  const checked = await mapLimit(candidates, options.concurrency ?? 8, (candidate) => checkCandidate(candidate, mode, known));
  if (options.verdictCache) {
    const verdicts: Verdicts = new Map();
    for (const c of checked) if (c.digest) verdicts.set(c.digest, c.check!);
    const changed = verdicts.size !== known!.size || [...verdicts.keys()].some((digest) => !known!.has(digest));
    if (changed) await saveVerdicts(options.verdictCache, root, mode, verdicts);
  }
  return buildIndex(root, checked, options.minorityClass);
}

async function checkCandidate(candidate: Candidate, mode: 'decode' | 'header', known: Verdicts | undefined): Promise<Checked> {
  if (candidate.missing) return { ...candidate, ok: false, reason: candidate.missing };
  let bytes: Buffer;
  try {
    bytes = await readFile(candidate.path);
  } catch (error) {
    return { ...candidate, ok: false, reason: `cannot read file (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const digest = createHash('sha256').update(bytes).digest('hex');
  const check = known?.get(digest) ?? (await checkImage(bytes, mode));
  if (!check.ok) return { ...candidate, ok: false, reason: check.reason ?? 'unreadable', digest, check };
  return { ...candidate, ok: true, width: check.width, height: check.height, digest, check };
}

function buildIndex(root: string, checked: Checked[], minorityOption: string | undefined): DatasetIndex {
  const classNames = [...new Set(checked.map((c) => c.label))].sort();
  const readable = checked.filter((c) => c.ok).sort((a, b) => compareText(a.relative, b.relative));
  const unreadable = checked
    .filter((c) => !c.ok && c.missing !== 'empty')
    .map((c) => ({ path: c.path, reason: c.reason ?? 'unreadable' }))
    .sort((a, b) => compareText(a.path, b.path));
  const counts: Record<string, number> = Object.fromEntries(classNames.map((name) => [name, 0]));
  for (const c of readable) counts[c.label] = (counts[c.label] ?? 0) + 1;
  const countText = classNames.map((n) => `${n}=${counts[n]}`).join(', ');

  const empty = classNames.filter((n) => counts[n] === 0);
  if (empty.length > 0) {
    throw new DatasetError(`class ${empty.map((n) => `'${n}'`).join(', ')} has no readable images (counts: ${countText}; ${unreadable.length} unreadable)`, {
      where: root,
      hint: 'every class needs images skewer can decode; add images or remove the empty class',
    });
  }
  if (classNames.length < 2) {
    throw new DatasetError(`only one class found (counts: ${countText || 'none'})`, {
      where: root,
      hint: 'classification needs at least two classes, e.g. DIR/defect and DIR/ok',
    });
  }
  const byCount = [...classNames].sort((a, b) => counts[a]! - counts[b]! || compareText(a, b));
  refuseStrayClasses(root, classNames, counts, readable, countText);
  if (minorityOption !== undefined && !classNames.includes(minorityOption)) {
    throw new DatasetError(`minority class '${minorityOption}' is not in the dataset (counts: ${countText})`, {
      where: root,
      hint: `name one of: ${classNames.join(', ')}`,
    });
  }
  const minorityClass = minorityOption ?? byCount[0]!;
  const majorityClass = [...byCount].reverse().find((n) => n !== minorityClass)!;

  const hash = createHash('sha256');
  for (const c of readable) hash.update(`${c.relative}\0${c.label}\0${c.digest}\n`);

  const items: ImageItem[] = readable.map((c) => ({ path: c.path, label: c.label }));
  return {
    root,
    classNames,
    minorityClass,
    majorityClass,
    items,
    counts,
    unreadable,
    hash: hash.digest('hex'),
    imageSizes: sizesOf(readable),
  };
}

function sizesOf(readable: Checked[]): ImageSizes {
  const sizes = { minWidth: Infinity, maxWidth: 0, minHeight: Infinity, maxHeight: 0 };
  for (const c of readable) {
    sizes.minWidth = Math.min(sizes.minWidth, c.width ?? 0);
    sizes.maxWidth = Math.max(sizes.maxWidth, c.width ?? 0);
    sizes.minHeight = Math.min(sizes.minHeight, c.height ?? 0);
    sizes.maxHeight = Math.max(sizes.maxHeight, c.height ?? 0);
  }
  return sizes;
}

/** Maps with at most `limit` promises in flight, keeping the input order. */
export async function mapLimit<T, R>(inputs: readonly T[], limit: number, fn: (input: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(inputs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      out[index] = await fn(inputs[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, inputs.length)) }, worker));
  return out;
}

/** A class this much smaller than the largest, with at most this many images, looks like a typo. */
const STRAY_MAX_IMAGES = 2;
const STRAY_RATIO = 10;

/**
 * With more than two classes, a class of one or two images beside classes ten times its size is
 * almost always a mistyped label (a CSV row saying `okk`, a stray folder): taken at face value it
 * becomes the minority class of the whole study. Refused, naming where its images come from.
 */
function refuseStrayClasses(root: string, classNames: string[], counts: Record<string, number>, readable: Checked[], countText: string): void {
  if (classNames.length <= 2) return;
  const largest = Math.max(...classNames.map((n) => counts[n]!));
  const stray = classNames.filter((n) => counts[n]! <= STRAY_MAX_IMAGES && largest >= STRAY_RATIO * counts[n]!);
  if (stray.length === 0) return;
  const described = stray.map((name) => {
    const where = readable
      .filter((c) => c.label === name)
      .map((c) => (c.line !== undefined ? `line ${c.line}` : c.relative))
      .join(', ');
    const n = counts[name]!;
    return `class '${name}' has ${n} image${n === 1 ? '' : 's'} (${where}) — a typo?`;
  });
  throw new DatasetError(`${described.join('; ')} (counts: ${countText})`, {
    where: root,
    hint: 'fix the label (a CSV row or a folder name) so it names one of the real classes, or remove the image; a real class needs more images than that to be judged by cross-validation',
  });
}
