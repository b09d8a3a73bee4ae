// The report as a person opens it: `skewer report` on a stored embedded study (with a retrain),
// then Debian's Chromium (headless, through playwright-core) loads the file with the network
// refused; every chart is there, nothing is fetched and the console stays clean. A screenshot is
// left in test-output/ for a person to look at.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { writeReportStudy } from './fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const EXPECTED = ['history', 'intermediate', 'parallel', 'slice-learningRate', 'slice-focalGamma', 'importance', 'recall', 'best-confusion', 'best-roc', 'best-pr', 'best-threshold', 'timeline', 'retrain-confusion'];

test('skewer report writes a page that Chromium shows with every chart, no request and no console error', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
  const root = mkdtempSync(path.join(tmpdir(), 'skewer-report-browser-'));
  await writeReportStudy(root, 'browser-study');
  const retrain = path.join(root, 'model');
  mkdirSync(retrain);
  const rule = { balancedAccuracy: 0.8, perClassRecall: { defect: 0.7, ok: 0.9 }, confusion: [[7, 3], [1, 9]], minority: { precision: 0.875, recall: 0.7, f1: 0.78 } };
  writeFileSync(path.join(retrain, 'report.json'), JSON.stringify({
    kind: 'skewer-final-report', createdAt: '2026-11-28T13:00:00.000Z', spec: { name: 'best' }, dataset: { classNames: ['defect', 'ok'], minorityClass: 'defect' },
    plan: { threshold: 0.44, epochs: 4, source: 'spec' },
    holdout: { metric: { name: 'balancedAccuracy' }, objective: 0.8, argmax: rule, threshold: { ...rule, threshold: 0.44, rule: 'out-of-fold', criterion: 'balancedAccuracy' }, rocAuc: 0.9, prAuc: 0.8, images: 20, perClass: { defect: 10, ok: 10 } },
  }));
  const out = path.join(root, 'report.html');
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', 'report', 'browser-study', '--dir', root, '--out', out, '--retrain', retrain], { encoding: 'utf8' });
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
    assert.equal(await page.locator('#trial-table tr').count(), 25, 'the inlined script built the trial table (header + 24 trials)');
    await page.locator('#trial-table th', { hasText: 'value' }).click();
    assert.match((await page.locator('#trial-table th').nth(2).textContent()) ?? '', /▲/);
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/report.png', fullPage: true });
    await page.locator('#chart-parallel').screenshot({ path: 'test-output/report-parallel.png' });
    assert.deepEqual(requests, [], 'the page fetched nothing');
    assert.deepEqual(problems, [], 'the console stayed clean');
  } finally {
    await browser.close();
  }
});
