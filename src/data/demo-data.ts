/** The demo's embedded default: a synthetic defect dataset made once under `data/demo`. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeSyntheticDataset } from './synth.ts';

/** The settings `npm run demo` uses (the same as `skewer synth` defaults). */
export const DEMO_DATASET = { images: 600, minorityFraction: 0.1, size: 64, seed: 1 } as const;

/**
 * Makes the demo dataset in `dir` unless it already holds class folders. Returns whether it was
 * created, so the caller can say so.
 */
export async function ensureDemoDataset(dir = path.resolve('data/demo')): Promise<{ dir: string; created: boolean }> {
  if (existsSync(path.join(dir, 'defect')) && existsSync(path.join(dir, 'ok'))) return { dir, created: false };
  await writeSyntheticDataset({ out: dir, ...DEMO_DATASET });
  return { dir, created: true };
}
