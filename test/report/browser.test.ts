// The report as a person opens it: `skewer report` on a stored embedded study (with a retrain),
// then Debian's Chromium (headless, through playwright-core) loads the file with the network
// refused; every chart is there, nothing is fetched and the console stays clean. A screenshot is
// left in test-output/ for a person to look at.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { writeReportStudy } from './fixture.ts';
import { skewer, tinyRetrain } from './retrain-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const EXPECTED = ['history', 'intermediate', 'parallel', 'slice-learningRate', 'slice-focalGamma', 'importance', 'recall', 'best-confusion', 'best-roc', 'best-pr', 'best-threshold', 'timeline', 'retrain-confusion'];

test('skewer report writes a page that Chromium shows with every chart, no request and no console error', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
  const root = mkdtempSync(path.join(tmpdir(), 'skewer-report-browser-'));
  await writeReportStudy(root, 'browser-study');
  // A real tiny retrain: its sealed-holdout section, and Grad-CAM overlays of its misclassified images in the best-trial section.
  const report = await tinyRetrain(root);
  const retrain = path.join(root, 'model');
  const out = path.join(root, 'report.html');
  const cli = skewer(['report', 'browser-study', '--dir', root, '--out', out, '--retrain', retrain, '--backend', 'wasm']);
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, /wrote .*report\.html: 16 charts, 24 trials/);

  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    const requests: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${out}`);
    const ids = await page.$$eval('figure.chart', (figures) => figures.map((f) => [f.getAttribute('data-chart'), f.querySelector('svg')?.getBoundingClientRect().width ?? 0] as const));
    for (const id of EXPECTED) {
      const found = ids.find(([name]) => name === id);
      assert.ok(found, `chart ${id} is on the page`);
      assert.ok(found[1] > 100, `chart ${id} is drawn (${found[1]}px wide)`);
    }
    // The overlays are drawn: as many as the holdout's errors (at most 12), each image decoded by the browser at its stated size.
    const wrong = report.holdout.threshold.confusion.reduce((n, row, i) => n + row.reduce((m, v, j) => m + (i === j ? 0 : v), 0), 0);
    type Img = { complete: boolean; naturalWidth: number; getBoundingClientRect(): { width: number }; closest(s: string): { getAttribute(n: string): string | null } | null };
    const overlays = await page.$$eval('#holdout-gradcam figure.overlay img', (images) => images.map((e) => { const i = e as unknown as Img; return [i.complete, i.naturalWidth, i.getBoundingClientRect().width, i.closest('figure')?.getAttribute('data-kind')] as const; }));
    assert.equal(overlays.filter(([, , , kind]) => kind === 'misclassified').length, Math.min(wrong, 12), 'one overlay per misclassified holdout image');
    for (const [complete, natural, shown] of overlays) assert.ok(complete && natural === 160 && shown > 100, `an overlay decoded and shown (${natural}px, ${shown}px wide)`);
    assert.equal(await page.locator('#trial-table tr').count(), 25, 'the inlined script built the trial table (header + 24 trials)');
    await page.locator('#trial-table th', { hasText: 'value' }).click();
    assert.match((await page.locator('#trial-table th').nth(2).textContent()) ?? '', /▲/);
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/report.png', fullPage: true });
    await page.locator('#chart-parallel').screenshot({ path: 'test-output/report-parallel.png' });
    await page.locator('#holdout-gradcam').screenshot({ path: 'test-output/report-gradcam.png' });
    // The late run of trial 4 is drawn on the timeline and listed under it.
    assert.ok(await page.locator('#chart-timeline text', { hasText: '#4 re-run' }).count() === 1, 'the timeline draws the late run');
    assert.equal(await page.locator('th', { hasText: 'trial #4 attempt 1' }).count(), 1, 'the late run is listed');
    await page.locator('#chart-timeline').screenshot({ path: 'test-output/report-timeline.png' });
    assert.deepEqual(requests, [], 'the page fetched nothing');
    assert.deepEqual(problems, [], 'the console stayed clean');
  } finally {
    await browser.close();
  }
});
