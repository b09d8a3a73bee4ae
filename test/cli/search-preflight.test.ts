// An embedded study that cannot run one trial is refused before anything is stored (issue 11):
// a missing dataset, a space parameter that is no trial spec field, a grid over a float range.
// Each used to fail every trial (or fail after "started"), exit 0 and use the study name up.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { writeSyntheticDataset } from '../../src/data/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

function search(dir: string, study: Record<string, unknown>) {
  const file = path.join(dir, `${String(study.name)}.yaml`);
  writeFileSync(file, stringify(study));
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/run.ts'), 'search', file, '--no-tui', '--agents', '1', '--dir', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { ...run, journal: path.join(dir, '.skewer', String(study.name), 'journal.jsonl') };
}

async function imageStudy(dir: string, name: string, overrides: Record<string, unknown>): Promise<Record<string, unknown>> {
  const data = path.join(dir, 'data');
  if (!existsSync(data)) await writeSyntheticDataset({ out: data, images: 24, minorityFraction: 0.25, size: 16, seed: 1 });
  return {
    name,
    seed: 3,
    sampler: 'random',
    trials: 2,
    base: { dataset: { path: data }, backbone: 'small-cnn', resolution: 32, epochs: 1, folds: 2, holdout: 0.25 },
    space: { learningRate: { type: 'float', low: 1e-3, high: 1e-2, log: true } },
    ...overrides,
  };
}

test('a missing dataset is refused before the study is stored, naming the path and the field', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-preflight-'));
  const study = await imageStudy(dir, 'nodata', {});
  (study.base as Record<string, unknown>).dataset = { path: path.join(dir, 'no-such-folder') };
  const run = search(dir, study);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /dataset not found: .*no-such-folder/);
  assert.match(run.stderr, /base\.dataset\.path/);
  assert.equal(existsSync(run.journal), false, 'nothing stored: the name stays free');
});

test('a space parameter that is no trial field is refused before the study is stored, with its path', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-preflight-'));
  const run = search(dir, await imageStudy(dir, 'badparam', { space: { learningRat: { type: 'float', low: 1e-3, high: 1e-2 } } }));
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /unknown search parameter 'learningRat'/);
  assert.match(run.stderr, /params\.learningRat/);
  assert.equal(existsSync(run.journal), false);
});

test('a grid over a float range is refused before the study is stored', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-preflight-'));
  const run = search(dir, await imageStudy(dir, 'floatgrid', { sampler: 'grid' }));
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /grid search cannot enumerate the float range/);
  assert.equal(existsSync(run.journal), false);
});

test('a finished embedded search that completed no trial exits 1 with the first failure', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-nocomplete-'));
  // sgd at lr 9-10 diverges on every draw: each trial fails at once (divergence is never retried).
  const study = await imageStudy(dir, 'allfail', { space: { learningRate: { type: 'float', low: 9, high: 10 } } });
  study.base = { ...(study.base as Record<string, unknown>), batchSize: 8, optimizer: 'sgd', backend: 'wasm' };
  const run = search(dir, study);
  assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stderr, /no trial completed; trial #\d+ failed: .*diverged/);
  assert.match(run.stdout, /finished: 2 failed/);
});
