/** The demo's embedded default: a synthetic defect dataset made once under `data/demo`. */
import { existsSync, readdirSync } from 'node:fs';
import { rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import { writeSyntheticDataset } from './synth.ts';

/** The settings `npm run demo` uses (the same as `skewer synth` defaults). */
export const DEMO_DATASET = { images: 600, minorityFraction: 0.1, size: 64, seed: 1 } as const;

/**
 * Makes the demo dataset in `dir` unless it already holds class folders. Returns whether it was
 * created, so the caller can say so.
 */
export async function ensureDemoDataset(dir = path.resolve('data/demo')): Promise<{ dir: string; created: boolean }> {
  if (existsSync(path.join(dir, 'defect')) && existsSync(path.join(dir, 'ok'))) return { dir, created: false };
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UserError('the demo dataset folder exists but holds no defect/ and ok/ folders', {
      where: dir,
      hint: 'move or delete it; the demo then makes its synthetic dataset there',
    });
  }
  // Written aside and renamed into place, so an interrupted run never leaves half a dataset behind.
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await writeSyntheticDataset({ out: partial, ...DEMO_DATASET });
  if (existsSync(dir)) await rmdir(dir);
  await rename(partial, dir);
  return { dir, created: true };
}
