// `skewer export`: from a study journal to trial specs that the trainer accepts unchanged.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { TrialSpecSchema } from '../../src/config/trial.ts';
import { openStudyReader } from '../../src/coordinator/index.ts';
import { scanDataset } from '../../src/data/index.ts';
import { exportRecipes, skewerVersion } from '../../src/export/index.ts';
import { writeStudyJournal } from '../ui/fixtures/study-journal.ts';

const run = promisify(execFile);
const CLI = path.resolve('src/cli/run.ts');
const TSX = import.meta.resolve('tsx');
let root: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'skewer-export-'));
  await writeStudyJournal(root, 'tiny', [
    { params: { samplingStrategy: 'none', minorityWeight: 1 }, state: 'complete', recalls: [[0.5, 0.9], [0.5, 0.9]] },
    { params: { samplingStrategy: 'oversample', minorityWeight: 4.5 }, state: 'complete', recalls: [[0.8, 0.85], [0.9, 0.85]] },
    { params: { samplingStrategy: 'oversample', minorityWeight: 8 }, state: 'failed', error: 'diverged' },
    { params: { samplingStrategy: 'none', minorityWeight: 2 }, state: 'complete', recalls: [[0.7, 0.9], [0.6, 0.9]] },
  ]);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

function skewer(...args: string[]) {
  return run(process.execPath, ['--import', TSX, CLI, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
}

test('export writes the best recipe as a spec train accepts, and the trainer runs it (round trip)', async () => {
  const { stderr } = await skewer('export', 'tiny', '--out', 'best.yaml');
  assert.match(stderr, /wrote best\.yaml: trial #1, balancedAccuracy 0\.850; final threshold \d\.\d{3}, 2 epochs/);
  const text = await readFile(path.join(root, 'best.yaml'), 'utf8');
  // The schema accepts it as it is (strict: an unknown key would fail) …
  const spec = TrialSpecSchema.parse(parseYaml(text));
  assert.equal(spec.sampling, 'oversample');
  assert.equal(spec.minorityWeight, 4.5);
  assert.equal(spec.seed, 3);
  assert.equal(spec.epochs, 1);
  // … with its provenance in a separate field.
  const provenance = spec.provenance as Record<string, any>;
  assert.deepEqual(provenance.params, { samplingStrategy: 'oversample', minorityWeight: 4.5 });
  assert.equal(provenance.search.study, 'tiny');
  assert.deepEqual(provenance.search.sampler, { type: 'tpe', startupTrials: 2 });
  assert.equal(provenance.search.trialNumber, 1);
  assert.equal(provenance.search.seed, 11);
  assert.equal(provenance.seed, 3);
  assert.equal(provenance.skewerVersion, skewerVersion());
  assert.equal(provenance.backend, 'cpu');
  assert.equal(provenance.dataset.hash, (await scanDataset(path.join(root, 'data'))).hash);
  assert.equal(provenance.metrics.balancedAccuracy.mean, 0.85);
  assert.deepEqual(provenance.metrics.folds.map((f: { balancedAccuracy: number }) => f.balancedAccuracy), [0.825, 0.875]);
  assert.deepEqual(provenance.metrics.folds[0].confusion, [[16, 4], [12, 68]]);
  // The final plan retrain will use: the trial's out-of-fold threshold and the epochs that counted.
  const final = spec.final as { threshold: number; epochs: number; from: { threshold: string; epochs: string } };
  assert.equal(final.threshold, provenance.metrics.finalThreshold.threshold);
  assert.equal(final.epochs, 2, "the epochs its folds counted (the stored result says 2)");
  assert.match(final.from.threshold, /out-of-fold.*study tiny trial #1/);
  assert.match(final.from.epochs, /last epoch/);
  // `skewer train` takes the file unchanged and trains it (tiny: 2 folds, 1 epoch, 32 px, wasm).
  const { stdout } = await skewer('train', 'best.yaml', '--json');
  const trained = JSON.parse(stdout) as { spec: { sampling: string; minorityWeight: number }; result: { folds: unknown[]; balancedAccuracy: { mean: number }; classNames: string[] } };
  assert.equal(trained.spec.sampling, 'oversample');
  assert.equal(trained.spec.minorityWeight, 4.5);
  assert.equal(trained.result.folds.length, 2);
  assert.ok(trained.result.balancedAccuracy.mean >= 0 && trained.result.balancedAccuracy.mean <= 1);
  assert.deepEqual([...trained.result.classNames].sort(), ['defect', 'ok']);
});

test('--top K writes K ranked files; stdout JSON when no --out', async () => {
  const { stderr } = await skewer('export', 'tiny', '--top', '3', '--out', 'recipes/top.yaml');
  assert.match(stderr, /wrote recipes\/top-1\.yaml: trial #1/);
  assert.match(stderr, /wrote recipes\/top-2\.yaml: trial #3/);
  assert.match(stderr, /wrote recipes\/top-3\.yaml: trial #0/);
  for (const [rank, trial] of [[1, 1], [2, 3], [3, 0]] as const) {
    const spec = TrialSpecSchema.parse(parseYaml(await readFile(path.join(root, `recipes/top-${rank}.yaml`), 'utf8')));
    assert.equal((spec.provenance as { search: { trialNumber: number; rank: number } }).search.trialNumber, trial);
  }
  const { stdout } = await skewer('export', 'tiny', '--format', 'json');
  const spec = TrialSpecSchema.parse(JSON.parse(stdout));
  assert.equal((spec.provenance as { search: { trialNumber: number } }).search.trialNumber, 1);
});

test('export errors say what, where and what to do', async () => {
  await assert.rejects(skewer('export', 'nope'), (error: { stderr: string; code: number }) => {
    assert.equal(error.code, 1);
    assert.match(error.stderr, /no study named 'nope'/);
    assert.doesNotMatch(error.stderr, /at .*\.ts:\d+/);
    return true;
  });
  await assert.rejects(skewer('export', 'tiny', '--top', '0'), /--top is '0', but must be a whole number >= 1/);
  await assert.rejects(skewer('export', 'tiny', '--format', 'xml'), /format is 'xml', but must be yaml or json/);
});

test('a benchmark-function study has no recipe to export, and says so', async () => {
  const fnRoot = await mkdtemp(path.join(tmpdir(), 'skewer-export-fn-'));
  try {
    await writeStudyJournal(fnRoot, 'fn', [{ params: { samplingStrategy: 'none', minorityWeight: 1 }, state: 'complete', recalls: [[0.5, 0.5], [0.5, 0.5]] }], {
      base: undefined,
      objective: { function: 'branin' },
      space: { x: { type: 'float', low: -5, high: 10 } },
    });
    const reader = await openStudyReader({ study: 'fn', root: fnRoot });
    await assert.rejects(exportRecipes({ reader }), /optimises the benchmark function 'branin': it has no training recipe to export/);
  } finally {
    await rm(fnRoot, { recursive: true, force: true });
  }
});
