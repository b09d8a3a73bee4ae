// The report's Grad-CAM overlays after a real (tiny) retrain: `skewer report --retrain` runs the
// saved model on the sealed holdout as `skewer predict` would, and the best-trial section holds one
// overlay per misclassified holdout image (counted from the retrain's own confusion matrix), each a
// PNG inlined as a data: URI that sharp decodes at the size the page states. Without the model the
// section says so and the report is still written.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { FEW_OVERLAYS, MAX_OVERLAYS, OVERLAY_SIDE } from '../../src/report/index.ts';
import type { FinalReport } from '../../src/training/index.ts';
import { writeReportStudy } from './fixture.ts';
import { skewer, tinyRetrain } from './retrain-fixture.ts';

let dir: string;
let retrain: FinalReport;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'skewer-report-gradcam-'));
  retrain = await tinyRetrain(dir);
  await writeReportStudy(dir, 'gradcam-study');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Overlay { kind: string; width: number; height: number; png: Buffer; caption: string }

function overlaysOf(html: string): Overlay[] {
  const found: Overlay[] = [];
  const pattern = /<figure class="overlay" data-kind="([^"]+)"><img src="data:image\/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)"[^>]*><figcaption>(.*?)<\/figcaption>/g;
  for (const m of html.matchAll(pattern)) found.push({ kind: m[1]!, png: Buffer.from(m[2]!, 'base64'), width: Number(m[3]), height: Number(m[4]), caption: m[5]! });
  return found;
}

/** The section's HTML: from its heading to the next section. */
function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<h2 id="${id}">`);
  assert.ok(start >= 0, `section ${id} is in the report`);
  return html.slice(start, html.indexOf('</section>', start));
}

test('the best-trial section shows one Grad-CAM overlay per misclassified holdout image, each a decodable PNG of its stated size', async () => {
  const out = path.join(dir, 'report.html');
  const run = skewer(['report', 'gradcam-study', '--dir', dir, '--out', out, '--retrain', path.join(dir, 'model'), '--backend', 'wasm']);
  assert.equal(run.status, 0, run.stderr);
  const confusion = retrain.holdout.threshold.confusion;
  const wrong = confusion.reduce((n, row, i) => n + row.reduce((m, v, j) => m + (i === j ? 0 : v), 0), 0);
  const holdoutImages = confusion.flat().reduce((a, b) => a + b, 0);
  assert.equal(holdoutImages, 12, 'six holdout images per class');
  assert.ok(wrong > 0 && wrong < holdoutImages, `the tiny retrain gets some holdout images wrong and some right (${wrong}/${holdoutImages}): the test needs both`);
  const html = readFileSync(out, 'utf8');
  const best = sectionOf(html, 'best');
  const overlays = overlaysOf(best);
  console.log(`holdout: ${wrong}/${holdoutImages} misclassified; ${overlays.length} overlays (${overlays.filter((o) => o.kind !== 'misclassified').length} found minority); report ${(html.length / 1024).toFixed(0)} KiB`);
  const misclassified = overlays.filter((o) => o.kind === 'misclassified');
  assert.equal(misclassified.length, Math.min(wrong, MAX_OVERLAYS), 'one overlay per misclassified holdout image');
  const foundMinority = overlays.filter((o) => o.kind === 'minority found');
  const minorityHits = confusion[retrain.dataset.classNames.indexOf('defect')]![retrain.dataset.classNames.indexOf('defect')]!;
  assert.equal(foundMinority.length, wrong < FEW_OVERLAYS ? Math.min(FEW_OVERLAYS - wrong, minorityHits) : 0, 'found minority images only when the errors are few');
  assert.match(run.stderr, new RegExp(`, ${overlays.length} Grad-CAM overlays,`));
  const holdoutPaths = new Set(retrain.holdout.items.map((i) => i.path));
  for (const o of overlays) {
    const meta = await sharp(o.png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', o.width, o.height], 'a PNG of the size the page states');
    assert.equal(Math.max(o.width, o.height), OVERLAY_SIDE, `${OVERLAY_SIDE} px on the longer side`);
    const [what, file, truth, probability] = o.caption.split('<br>').map((s) => s.replace(/<\/?span>/g, ''));
    assert.ok(holdoutPaths.has(file!), `captioned with its holdout path (${file})`);
    const label = retrain.holdout.items.find((i) => i.path === file)!.label;
    assert.equal(truth, `true class ${label}`);
    assert.match(probability!, /^P\(defect\) [01]\.\d{3} \(threshold 0\.990\)$/);
    const p = Number(probability!.slice('P(defect) '.length, 'P(defect) '.length + 5));
    if (o.kind === 'misclassified') {
      assert.equal(what, `misclassified as ${label === 'defect' ? 'ok' : 'defect'}`);
      assert.equal(p >= retrain.plan.threshold, label !== 'defect', 'a misclassified image lies on the wrong side of the threshold');
    } else assert.equal(label, 'defect');
  }
  assert.ok(!/src="(?!data:)/.test(html), 'every image is inlined');
  assert.ok(html.indexOf('id="holdout-gradcam"') > html.indexOf('<h2 id="best">') && html.indexOf('id="holdout-gradcam"') < html.indexOf('<h2 id="timeline">'), 'in the best-trial section');
});

test('without the model folder the section says so, and the report is still written', async () => {
  const lone = path.join(dir, 'report-only');
  mkdirSync(lone);
  copyFileSync(path.join(dir, 'model', 'report.json'), path.join(lone, 'report.json'));
  const out = path.join(dir, 'report-lone.html');
  const run = skewer(['report', 'gradcam-study', '--dir', dir, '--out', out, '--retrain', lone, '--backend', 'wasm']);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /, 0 Grad-CAM overlays,/);
  const best = sectionOf(readFileSync(out, 'utf8'), 'best');
  assert.match(best, /No Grad-CAM overlays: no model at .*report-only\/model\.json/);
  assert.equal(overlaysOf(best).length, 0);
  await writeFile(path.join(lone, 'model.json'), '{ not json');
  const broken = skewer(['report', 'gradcam-study', '--dir', dir, '--out', out, '--retrain', lone, '--backend', 'wasm']);
  assert.equal(broken.status, 0, broken.stderr);
  assert.match(sectionOf(readFileSync(out, 'utf8'), 'best'), /No Grad-CAM overlays: the model in .*report-only could not be run: /);
});
