// A real retrain for report tests, as fast as one gets: 48 tiny patch images (32 px), the small CNN
// for five epochs on wasm, the plan given (no cross-validation), six holdout images per class. The
// net learns the patches (its maps mean something) but the plan's strict threshold, 0.99, still
// misses a few defects, so the holdout has errors for Grad-CAM to show. (Fewer epochs: the net calls
// everything ok and its maps are blank; at 0.5 it gets all twelve right.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { FinalReport } from '../../src/training/index.ts';
import { writePatchDataset } from '../helpers/patch-dataset.ts';

export function skewer(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { encoding: 'utf8' });
}

/** Writes DIR/data and retrains into DIR/model; returns the retrain's report. */
export async function tinyRetrain(dir: string): Promise<FinalReport> {
  await writePatchDataset(path.join(dir, 'data'), 32, { defect: 24, ok: 24 }, 'report-gradcam');
  const spec = {
    dataset: { path: path.join(dir, 'data'), minorityClass: 'defect' }, seed: 4, folds: 2, holdout: 6,
    backbone: 'small-cnn', resolution: 32, batchSize: 8, epochs: 5, learningRate: 0.003, backend: 'wasm',
    final: { threshold: 0.99, epochs: 5, from: { threshold: 'fixed by the test', epochs: 'fixed by the test' } },
  };
  await writeFile(path.join(dir, 'spec.yaml'), stringify(spec));
  const run = skewer(['retrain', path.join(dir, 'spec.yaml'), '--out', path.join(dir, 'model'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as FinalReport;
}
