import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { stringify } from 'yaml';
import { createRng } from '../../src/core/rng.ts';
import { ImageCache } from '../../src/data/index.ts';
import { loadLayersModel } from '../../src/models/index.ts';
import { evaluatePredictions, predictItems, type FinalReport } from '../../src/training/index.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

let data: string;

before(async () => {
  data = await tinyDataset();
});

function skewer(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('skewer retrain saves a model whose holdout predictions reproduce the report', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'skewer-retrain-'));
  const specFile = path.join(dir, 'best.yaml');
  const { dataset, ...rest } = tinySpec(data, { epochs: 2, minorityWeight: 3 });
  await writeFile(specFile, stringify({ ...rest, dataset: { ...dataset, path: path.relative(dir, dataset.path) } }));
  const outDir = path.join(dir, 'final');
  const run = skewer(['retrain', specFile, '--out', outDir, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as FinalReport;
  assert.deepEqual(JSON.parse(await readFile(path.join(outDir, 'report.json'), 'utf8')), report);
  assert.equal(report.backend, 'wasm');
  assert.equal(report.dataset.root, data);
  // The sealed holdout: balanced (3 per class) and disjoint from the 58 training images.
  assert.deepEqual(report.holdout.perClass, { defect: 3, ok: 3 });
  assert.equal(report.training.images, 58);
  assert.equal(report.holdout.items.length, 6);
  assert.equal(report.spec.minorityWeight, 3);

  const model = await loadLayersModel(outDir);
  const items = report.holdout.items.map((item) => ({ path: path.join(data, item.path), label: item.label }));
  const predictions = await predictItems(model, items, {
    cache: new ImageCache({ budgetBytes: 1 << 20 }),
    resolution: report.spec.resolution,
    fit: report.spec.fit,
    classNames: report.dataset.classNames,
    minorityClass: report.dataset.minorityClass,
    batchSize: 4,
    rng: createRng(0),
  });
  model.dispose();
  const again = evaluatePredictions(predictions, report.holdout.tuned.threshold);
  assert.deepEqual(again.argmax.confusion, report.holdout.argmax.confusion);
  assert.deepEqual(again.tuned.confusion, report.holdout.tuned.confusion);
  assert.equal(again.argmax.balancedAccuracy, report.holdout.argmax.balancedAccuracy);
  assert.ok(Math.abs(again.rocAuc - report.holdout.rocAuc) < 1e-9);
  assert.ok(Math.abs(again.prAuc - report.holdout.prAuc) < 1e-9);

  const text = skewer(['retrain', specFile, '--out', path.join(dir, 'again')]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /sealed holdout: 6 images \(defect 3, ok 3\), evaluated once/);
  assert.match(text.stdout, new RegExp(`argmax\\s+${report.holdout.argmax.balancedAccuracy.toFixed(3)}`), 'same seed, same figures');
});

test('skewer train prints the table or one JSON document, and bad specs fail without a stack trace', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'skewer-train-'));
  const specFile = path.join(dir, 'trial.yaml');
  await writeFile(specFile, stringify(tinySpec(data)));
  const json = skewer(['train', specFile, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const { spec, result } = JSON.parse(json.stdout);
  assert.equal(spec.folds, 2);
  assert.equal(result.folds.length, 2);
  assert.match(json.stderr, /fold 2\/2 {2}epoch 1\/1 {2}loss \d/);
  const table = skewer(['train', specFile, '--backend', 'wasm']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /balanced accuracy \(argmax\)\s+\d\.\d{3} ± \d\.\d{3}\s+\[/);
  assert.match(table.stdout, /recall defect \(minority\)/);
  assert.equal(table.stdout.split('\n').filter((line) => /^[12] /.test(line)).length, 2, 'one row per fold');

  await writeFile(specFile, stringify({ ...tinySpec(data), minorityWeight: 0.2 }));
  const bad = skewer(['train', specFile]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /minorityWeight: must be >= 1/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/);
  const missing = skewer(['train', specFile.replace('trial', 'nope')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read config file/);
});
