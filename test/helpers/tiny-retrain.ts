/**
 * A real `skewer retrain` on tiny patch images (32 px, the small CNN on wasm) with its plan given,
 * so it trains at once (no cross-validation): writes DIR/data, DIR/spec.yaml and DIR/model and
 * returns the retrain's report. Also `skewer(args)`, the CLI run as a child process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { FinalReport } from '../../src/training/index.ts';
import { writePatchDataset } from './patch-dataset.ts';

export function skewer(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { encoding: 'utf8' });
}

export interface TinyRetrain {
  /** Images per class written under DIR/data. */
  readonly perClass: number;
  readonly holdout: number;
  /** Epochs of the search and of the plan alike. */
  readonly epochs: number;
  /** The plan's decision threshold. */
  readonly threshold: number;
  /** Seeds the patch images. */
  readonly label: string;
}

export async function tinyRetrain(dir: string, options: TinyRetrain): Promise<FinalReport> {
  await writePatchDataset(path.join(dir, 'data'), 32, { defect: options.perClass, ok: options.perClass }, options.label);
  const spec = {
    dataset: { path: path.join(dir, 'data'), minorityClass: 'defect' }, seed: 4, folds: 2, holdout: options.holdout,
    backbone: 'small-cnn', resolution: 32, batchSize: 8, epochs: options.epochs, learningRate: 0.003, backend: 'wasm',
    final: { threshold: options.threshold, epochs: options.epochs, from: { threshold: 'fixed by the test', epochs: 'fixed by the test' } },
  };
  await writeFile(path.join(dir, 'spec.yaml'), stringify(spec));
  const run = skewer(['retrain', path.join(dir, 'spec.yaml'), '--out', path.join(dir, 'model'), '--json']);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as FinalReport;
}
