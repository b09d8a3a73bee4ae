// Tiny real datasets for trainer tests: synthetic defect PNGs written once per process.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTrialSpec, type TrialSpec, type TrialSpecInput } from '../../src/config/trial.ts';
import { writeSyntheticDataset } from '../../src/data/index.ts';

let dataset: Promise<string> | undefined;

/** 64 images (16 'defect', 48 'ok') of 32 px, shared by the tests of one file. */
export function tinyDataset(): Promise<string> {
  dataset ??= (async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'skewer-training-')), 'data');
    await writeSyntheticDataset({ out: dir, images: 64, minorityFraction: 0.25, size: 32, seed: 3 });
    return dir;
  })();
  return dataset;
}

/** A tiny, fast recipe on `datasetPath`: small-cnn at 32 px, 2 folds, 1 epoch, default backend. */
export function tinySpec(datasetPath: string, overrides: Partial<TrialSpecInput> = {}): TrialSpec {
  return parseTrialSpec({
    dataset: { path: datasetPath, minorityClass: 'defect' },
    seed: 11,
    folds: 2,
    holdout: 3,
    backbone: 'small-cnn',
    resolution: 32,
    batchSize: 8,
    epochs: 1,
    learningRate: 0.003,
    ...overrides,
  });
}
