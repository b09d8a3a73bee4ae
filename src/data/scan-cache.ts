/**
 * Remembered scan verdicts, so that a dataset is decoded in full once, not once per trial: every
 * trial process scans its dataset, and decoding each image to find the unreadable ones is the
 * slow part (about 100 images/s for 600 px PNGs on one core). A verdict is keyed by the sha256 of
 * the file's bytes, which the scan computes anyway for the dataset hash, so a changed file is
 * simply decoded again. One JSON file per dataset folder and check mode; writes are atomic
 * (temp file + rename), so concurrent trial processes never leave a torn one.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ImageCheck } from './decode.ts';

/** Bumped when what a verdict means changes (e.g. the decoder learns a format). */
const FORMAT = 2;

export function defaultScanCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'skewer', 'scans');
}

export type Verdicts = Map<string, ImageCheck>;

function fileFor(dir: string, root: string, mode: string): string {
  return path.join(dir, `${createHash('sha256').update(`${root}\0${mode}`).digest('hex').slice(0, 32)}.json`);
}

/** The verdicts remembered for this dataset folder and mode; empty when none (or unreadable). */
export async function loadVerdicts(dir: string, root: string, mode: string): Promise<Verdicts> {
  let text: string;
  try {
    text = await readFile(fileFor(dir, root, mode), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  try {
    const stored = JSON.parse(text) as { format?: number; verdicts?: Record<string, ImageCheck> };
    return stored.format === FORMAT && stored.verdicts ? new Map(Object.entries(stored.verdicts)) : new Map();
  } catch {
    return new Map(); // a cache file from elsewhere or damaged: decode again, it is rewritten below
  }
}

/**
 * Keeps exactly the verdicts of this scan. A cache that cannot be written (read-only home, full
 * disk) costs speed, not correctness, so those errors are swallowed; any other is not.
 */
export async function saveVerdicts(dir: string, root: string, mode: string, verdicts: Verdicts): Promise<void> {
  const file = fileFor(dir, root, mode);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, JSON.stringify({ format: FORMAT, root, mode, verdicts: Object.fromEntries(verdicts) }));
    await rename(temp, file);
  } catch (error) {
    if (['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException).code ?? '')) return;
    throw error;
  }
}
