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
import { applyThreshold, evaluatePredictions, predictItems, type FinalReport } from '../../src/training/index.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

let data: string;

before(async () => {
  data = await tinyDataset();
});

/**
 * A model consumer that imports nothing of skewer: plain @tensorflow/tfjs and sharp, reading
 * preprocessing.json and report.json's holdout list, printing the confusion of both rules.
 */
const STOCK_CONSUMER = `
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import path from 'node:path';
const [outDir, data] = process.argv.slice(1);
const pre = JSON.parse(readFileSync(path.join(outDir, 'preprocessing.json'), 'utf8'));
const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
const json = JSON.parse(readFileSync(path.join(outDir, pre.model), 'utf8'));
const bin = readFileSync(path.join(outDir, json.weightsManifest[0].paths[0]));
await tf.setBackend('cpu');
const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
  weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
const { width, height, sharp: how } = pre.resize;
const names = pre.output.classNames, m = pre.output.minorityIndex;
const argmax = names.map(() => names.map(() => 0)), threshold = names.map(() => names.map(() => 0));
for (const item of report.holdout.items) {
  const { data: px, info } = await sharp(path.join(data, item.path)).autoOrient().removeAlpha().toColourspace('srgb').resize(width, height, how).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const rgb = new Float32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = px[p * info.channels + (info.channels === 3 ? c : 0)] / 255;
  const probs = Array.from(model.predict(tf.tensor4d(rgb, [1, height, width, 3])).dataSync());
  const truth = names.indexOf(item.label);
  const best = probs.indexOf(Math.max(...probs));
  let chosen = m;
  if (probs[m] < pre.decision.threshold) { chosen = -1; for (let c = 0; c < probs.length; c++) if (c !== m && (chosen < 0 || probs[c] > probs[chosen])) chosen = c; }
  argmax[truth][best] += 1;
  threshold[truth][chosen] += 1;
}
process.stdout.write(JSON.stringify({ argmax, threshold }));
`;

function skewer(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('skewer retrain fixes threshold and epochs by cross-validation first, and its saved model reproduces the report', async () => {
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
  // No 'final' in the spec: the cross-validation ran first and chose the threshold and epochs.
  assert.equal(report.plan.source, 'cross-validation');
  assert.equal(report.plan.epochs, 2, 'no early stopping: the spec\'s epochs');
  assert.equal(report.training.epochs, 2);
  assert.match(report.plan.from.threshold, /out-of-fold.*58 pooled validation predictions of 2 folds/);
  assert.match(report.plan.from.epochs, /last epoch/);
  assert.ok(report.crossValidation && report.crossValidation.objective.n === 2);
  assert.equal(report.holdout.threshold.threshold, report.plan.threshold);
  assert.equal(report.holdout.threshold.rule, 'out-of-fold');
  assert.equal(report.holdout.priorCorrected.rule, 'prior-corrected');
  assert.deepEqual(report.spec.final, { threshold: report.plan.threshold, epochs: 2, from: report.plan.from });

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
  const again = evaluatePredictions(predictions);
  assert.deepEqual(again.argmax.confusion, report.holdout.argmax.confusion);
  assert.deepEqual(applyThreshold(predictions, report.plan.threshold).confusion, report.holdout.threshold.confusion);
  assert.equal(again.argmax.balancedAccuracy, report.holdout.argmax.balancedAccuracy);
  assert.ok(Math.abs(again.rocAuc - report.holdout.rocAuc) < 1e-9);
  assert.ok(Math.abs(again.prAuc - report.holdout.prAuc) < 1e-9);

  // A consumer with stock tfjs and sharp only, following preprocessing.json, gets the report's figures.
  const stock = spawnSync(process.execPath, ['--input-type=module', '-e', STOCK_CONSUMER, outDir, data], { encoding: 'utf8' });
  assert.equal(stock.status, 0, stock.stderr);
  const consumer = JSON.parse(stock.stdout) as { argmax: number[][]; threshold: number[][] };
  assert.deepEqual(consumer.argmax, report.holdout.argmax.confusion, 'argmax confusion as reported');
  assert.deepEqual(consumer.threshold, report.holdout.threshold.confusion, 'threshold-rule confusion as reported');

  // The report's spec carries the plan as 'final' (as export writes it): retrain then uses it and runs no CV.
  const planned = path.join(dir, 'planned.json');
  await writeFile(planned, JSON.stringify(report.spec));
  const text = skewer(['retrain', planned, '--out', path.join(dir, 'again')]);
  assert.equal(text.status, 0, text.stderr);
  assert.doesNotMatch(text.stderr, /cross-validation first/);
  assert.match(text.stdout, /sealed holdout: 6 images \(defect 3, ok 3\), evaluated once/);
  assert.match(text.stdout, new RegExp(`threshold ${report.plan.threshold.toFixed(3)}: out-of-fold`));
  assert.match(text.stdout, /epochs 2: last epoch/);
  assert.match(text.stdout, new RegExp(`argmax\\s+${report.holdout.argmax.balancedAccuracy.toFixed(3)}`), 'same seed, same figures');
  assert.match(text.stdout, new RegExp(`out-of-fold threshold @${report.plan.threshold.toFixed(3)}\\s+${report.holdout.threshold.balancedAccuracy.toFixed(3)}`));
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
  for (const fold of result.folds) {
    assert.equal(typeof fold.argmax.balancedAccuracy, 'number');
    assert.equal(fold.outOfFold.rule, 'out-of-fold');
    assert.equal(fold.oracle.rule, 'oracle');
    assert.equal(fold.epochs.rule, 'last epoch');
  }
  for (const summary of [result.objective, result.balancedAccuracy, result.outOfFoldBalancedAccuracy, result.rocAuc]) {
    assert.ok(summary.ci95[0] >= 0 && summary.ci95[1] <= 1, 'JSON intervals clipped to the metric range');
  }
  assert.match(json.stderr, /fold 2\/2 {2}epoch 1\/1 {2}loss \d/);
  const table = skewer(['train', specFile, '--backend', 'wasm']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /balanced accuracy \(argmax\)\s+\d\.\d{3} ± \d\.\d{3}\s+\[/);
  assert.match(table.stdout, /balanced accuracy \(out-of-fold threshold\)\s+\d\.\d{3}/);
  assert.match(table.stdout, /balanced accuracy \(oracle: in-fold threshold, optimistic\)\s+\d\.\d{3}/);
  assert.match(table.stdout, /fold +epoch +train\/val +obj bal\.acc +bal\.acc argmax +bal\.acc OOF @thr +bal\.acc oracle @thr/);
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
