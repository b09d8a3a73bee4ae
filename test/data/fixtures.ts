// Tiny real datasets for the data tests: synthetic PNGs written to a temp dir, decoded by sharp.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeSyntheticDataset } from '../../src/data/index.ts';
import type { ImageItem } from '../../src/data/index.ts';

/** A fresh temp dir, removed when the test process exits (a `before` hook's `after` would run too early). */
export function tempDir(prefix = 'skewer-data-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (made.length === 0) process.once('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  made.push(dir);
  return dir;
}
const made: string[] = [];

/** Writes a synthetic dataset (default 60 images, 20% defect, 16 px) into a new temp dir. */
export async function tinyDataset(options: { images?: number; minorityFraction?: number; size?: number; seed?: number } = {}): Promise<string> {
  const dir = tempDir();
  await writeSyntheticDataset({
    out: dir,
    images: options.images ?? 60,
    minorityFraction: options.minorityFraction ?? 0.2,
    size: options.size ?? 16,
    seed: options.seed ?? 1,
  });
  return dir;
}

/** In-memory items (no files) for the pure policies: `minority` defect and `majority` ok images. */
export function fakeItems(minority: number, majority: number): ImageItem[] {
  return [
    ...Array.from({ length: minority }, (_, i) => ({ path: `/d/defect/${String(i).padStart(4, '0')}.png`, label: 'defect' })),
    ...Array.from({ length: majority }, (_, i) => ({ path: `/d/ok/${String(i).padStart(4, '0')}.png`, label: 'ok' })),
  ];
}

export function countBy<T>(rows: readonly T[], key: (row: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) out[key(row)] = (out[key(row)] ?? 0) + 1;
  return out;
}
