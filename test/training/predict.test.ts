// skewer predict: the model retrain saved, on new images with its preprocessing and threshold; the
// rows match the images, unreadable files are listed and skipped, and the minority Grad-CAM map of a
// defect image peaks near the defect more often than not.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { FinalReport } from '../../src/training/index.ts';
import type { PredictOutcome } from '../../src/training/predict.ts';
import { writePatchDataset, type PatchImage } from '../helpers/patch-dataset.ts';
import { skewer, tinyRetrain } from '../helpers/tiny-retrain.ts';

let dir: string;
let report: FinalReport;
let fresh: PatchImage[];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skewer-predict-'));
  // The plan is given, so retrain trains at once (no cross-validation): 8 epochs, threshold 0.5.
  report = await tinyRetrain(dir, { perClass: 40, holdout: 4, epochs: 8, threshold: 0.5, label: 'predict-train' });
  fresh = await writePatchDataset(path.join(dir, 'new'), 32, { defect: 20, ok: 6 }, 'predict-new');
  await writeFile(path.join(dir, 'new', 'ok', 'broken.png'), Buffer.from('not a png at all'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('predict gives one row per readable image with the saved threshold, skips unreadable ones by name, and writes heat maps', async () => {
  const heat = path.join(dir, 'heat');
  const run = skewer(['predict', path.join(dir, 'model'), path.join(dir, 'new'), '--json', '--heatmaps', heat, '--backend', 'wasm']);
  assert.equal(run.status, 0, run.stderr);
  const outcome = JSON.parse(run.stdout) as PredictOutcome;
  assert.deepEqual(outcome.predictions.map((p) => p.path).sort(), fresh.map((f) => f.file).sort(), 'one row per readable image');
  assert.deepEqual(outcome.unreadable.map((u) => path.basename(u.path)), ['broken.png']);
  assert.match(run.stderr, /unreadable, skipped: .*broken\.png/);
  assert.equal(outcome.threshold, report.plan.threshold, 'the threshold retrain fixed');
  for (const p of outcome.predictions) {
    assert.equal(p.predicted, p.minorityProbability >= outcome.threshold ? 'defect' : 'ok', 'the saved rule');
    assert.ok(p.heatmap && existsSync(p.heatmap.file), `overlay for ${p.path}`);
  }
  const meta = await sharp(outcome.predictions[0]!.heatmap!.file).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 32, 32], 'an overlay the size of the original');
  const recall = outcome.predictions.filter((p) => p.path.includes(`${path.sep}defect${path.sep}`) && p.predicted === 'defect').length;
  assert.ok(recall >= 15, `the model learned the patches: ${recall}/20 defects found`);

  // Where the defect is known, the minority map should peak near it (within a quarter of the image).
  const byFile = new Map(fresh.map((f) => [f.file, f]));
  const defects = outcome.predictions.filter((p) => byFile.get(p.path)!.centre);
  const near = defects.filter((p) => {
    const c = byFile.get(p.path)!.centre!;
    return Math.hypot(p.heatmap!.peak.x - c.x, p.heatmap!.peak.y - c.y) <= 0.25;
  });
  console.log(`Grad-CAM peak within 0.25 of the defect: ${near.length}/${defects.length}`);
  assert.ok(near.length > defects.length / 2, `peaks near the defect more often than not: ${near.length}/${defects.length}`);

  const table = skewer(['predict', path.join(dir, 'model'), path.join(dir, 'new', 'defect', '000.png'), '--csv']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^path,minority_probability,predicted\n.*000\.png,0\.\d{6},(defect|ok)\n$/);
  assert.match(table.stderr, /1 images: defect \d, ok \d \(threshold 0\.500 on P\(defect\)\)/);
  const missing = skewer(['predict', path.join(dir, 'nowhere'), path.join(dir, 'new')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read preprocessing\.json/);
  assert.doesNotMatch(missing.stderr, /at .*\.ts:\d+/);
});

/** Raw RGB pixels of a PNG, for comparing overlays. */
async function pixels(file: string): Promise<Buffer> {
  return sharp(file).removeAlpha().raw().toBuffer();
}

function maxDifference(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let most = 0;
  for (let i = 0; i < a.length; i++) most = Math.max(most, Math.abs(a[i]! - b[i]!));
  return most;
}

test('--heatmaps: two folders holding a.png each get one overlay each, and the CSV row of each points at its own', async () => {
  // one/a.png is a copy of a defect image, two/a.png of an ok one; the originals run alongside, so
  // each copy's overlay must equal its original's (same model, same pixels) and not the other's.
  const defect = fresh.find((f) => f.centre)!.file;
  const ok = fresh.find((f) => !f.centre)!.file;
  const twins = path.join(dir, 'twins');
  for (const [folder, from] of [['one', defect], ['two', ok]] as const) {
    await mkdir(path.join(twins, folder), { recursive: true });
    await copyFile(from, path.join(twins, folder, 'a.png'));
  }
  const heat = path.join(dir, 'heat-twins');
  const run = skewer(['predict', path.join(dir, 'model'), path.join(twins, 'one'), path.join(twins, 'two'), defect, ok, '--csv', '--heatmaps', heat, '--backend', 'wasm']);
  assert.equal(run.status, 0, run.stderr);
  const [header, ...lines] = run.stdout.trim().split('\n');
  assert.equal(header, 'path,minority_probability,predicted,heatmap');
  const overlayOf = new Map(lines.map((line) => line.split(',')).map((cells) => [cells[0]!.replace(/^"|"$/g, ''), cells[3]!.replace(/^"|"$/g, '')]));
  const one = overlayOf.get(path.join(twins, 'one', 'a.png'));
  const two = overlayOf.get(path.join(twins, 'two', 'a.png'));
  assert.ok(one && two, run.stdout);
  assert.equal(overlayOf.size, 4, 'one row per image');
  assert.equal(new Set(overlayOf.values()).size, 4, `four distinct overlay files: ${[...overlayOf.values()].join(' ')}`);
  assert.ok([...overlayOf.values()].every((file) => file.startsWith(heat + path.sep) && existsSync(file)));
  // The input tree is mirrored from the folder the images share (the test's temp folder).
  assert.equal(one, path.join(heat, 'twins', 'one', 'a.gradcam.png'));
  assert.equal(two, path.join(heat, 'twins', 'two', 'a.gradcam.png'));
  const [oneAs, twoAs, defectAs, okAs] = await Promise.all([one, two, overlayOf.get(defect)!, overlayOf.get(ok)!].map(pixels));
  assert.ok(maxDifference(oneAs!, defectAs!) <= 2, 'one/a.png has the overlay of the defect image it copies');
  assert.ok(maxDifference(twoAs!, okAs!) <= 2, 'two/a.png has the overlay of the ok image it copies');
  assert.ok(maxDifference(oneAs!, twoAs!) > 20, 'the two a.png overlays differ (neither overwrote the other)');
});
