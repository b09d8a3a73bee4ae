// Importance, out-of-fold curves, the best trial's charts, the retrain section and the HTML shell.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { bestTrialCharts } from '../../src/report/charts/best.ts';
import { area, balancedAccuracyByThreshold, outOfFoldConfusion, prCurve, rocCurve } from '../../src/report/curves.ts';
import { paramImportance } from '../../src/report/importance.ts';
import { buildReport, readRetrainReport, renderReportHtml } from '../../src/report/index.ts';
import { inlineJson } from '../../src/report/html.ts';
import { paramAxes } from '../../src/report/params.ts';
import { renderSvg } from '../../src/report/render.ts';
import { openStudyReader } from '../../src/coordinator/index.ts';
import { reportInputOf } from '../../src/report/index.ts';
import { reportAgents, reportConfig, reportTrials, writeReportStudy } from './fixture.ts';

const config = reportConfig('analysis');
const trials = reportTrials(config);
const axes = paramAxes(config.space);

test('importance: seeded (same numbers twice), sums to 1, ranks the parameter the values depend on first', () => {
  const a = paramImportance(trials, axes, 5);
  const b = paramImportance(trials, axes, 5);
  assert.deepEqual(a.params, b.params);
  assert.equal(a.params[0]!.name, 'learningRate');
  assert.ok(Math.abs(a.params.reduce((s, p) => s + p.importance, 0) - 1) < 1e-9);
  assert.deepEqual(new Set(a.params.map((p) => p.name)), new Set(axes.map((x) => x.name)), 'the conditional parameter is scored, not dropped');
  assert.ok(a.params.every((p) => p.importance >= 0));
  const constant = trials.map((t) => ({ ...t, value: t.value === undefined ? undefined : 0.5 }));
  assert.ok(paramImportance(constant, axes, 5).params.every((p) => p.importance === 0), 'nothing to explain: all zero');
});

test('curves: ROC and PR of a perfect ranking, and balanced accuracy swept over thresholds', () => {
  const isMinority = [true, true, false, false, false];
  const scores = [0.9, 0.8, 0.3, 0.2, 0.1];
  assert.equal(area(rocCurve(isMinority, scores)), 1);
  assert.deepEqual(prCurve(isMinority, scores).slice(0, 2), [[0.5, 1], [1, 1]]);
  const p = { labels: [0, 0, 1, 1, 1], scores, folds: [0, 0, 1, 1, 1] };
  const sweep = balancedAccuracyByThreshold(p, 2, 0);
  assert.equal(sweep.length, 101);
  assert.equal(sweep[0]![1], 0.5, 'threshold 0: everything minority');
  assert.equal(sweep[50]![1], 1);
  assert.equal(sweep[100]![1], 0.5, 'threshold 1: nothing minority');
  assert.deepEqual(rocCurve([true, true], [0.1, 0.2]), [], 'no negatives: no ROC');
});

test("best trial: the confusion matrix sums each fold's out-of-fold matrix; curves come from the pooled out-of-fold predictions", () => {
  const best = trials.filter((t) => t.result).sort((a, b) => b.value! - a.value!)[0]!;
  const result = best.result!;
  const { charts, missing } = bestTrialCharts(best.number, result);
  assert.equal(missing, undefined);
  assert.deepEqual(charts.map((c) => c.id), ['best-confusion', 'best-roc', 'best-pr', 'best-threshold']);
  const confusion = outOfFoldConfusion(result);
  assert.equal(confusion.flat().reduce((a, b) => a + b, 0), result.folds.reduce((n, f) => n + f.validationCount, 0));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const heat = charts[0]!.option as any;
  assert.equal(heat.series[0].data.length, 4);
  const svg = renderSvg(charts[0]!);
  for (const count of confusion.flat()) assert.match(svg, new RegExp(`>${count}<`));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const marks = (charts[3]!.option as any).series[0].markLine.data.map((d: { xAxis: number }) => d.xAxis);
  assert.deepEqual(marks, [result.finalThreshold.threshold, ...result.folds.map((f) => f.outOfFold.threshold)]);
  for (const chart of charts) assert.doesNotMatch(renderSvg(chart), /NaN/);
  const { outOfFoldPredictions: _, ...older } = result;
  const old = bestTrialCharts(best.number, older);
  assert.equal(old.charts.length, 1);
  assert.match(old.missing!, /no pooled out-of-fold predictions/);
});

function retrainJson(): Record<string, unknown> {
  const rule = { balancedAccuracy: 0.8, perClassRecall: { defect: 0.7, ok: 0.9 }, confusion: [[7, 3], [1, 9]], minority: { precision: 0.875, recall: 0.7, f1: 0.78 } };
  return {
    kind: 'skewer-final-report',
    createdAt: '2026-11-28T13:00:00.000Z',
    spec: { name: 'best-recipe' },
    dataset: { classNames: ['defect', 'ok'], minorityClass: 'defect' },
    plan: { threshold: 0.44, epochs: 4, source: 'spec' },
    holdout: { metric: { name: 'balancedAccuracy' }, objective: 0.8, argmax: rule, threshold: { ...rule, threshold: 0.44, rule: 'out-of-fold', criterion: 'balancedAccuracy' }, rocAuc: 0.9, prAuc: 0.8, images: 20, perClass: { defect: 10, ok: 10 } },
  };
}

test('retrain: read from its folder and shown once, in its own section after everything else; bad input says what to do', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-report-retrain-'));
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify(retrainJson()));
  const retrain = await readRetrainReport(dir);
  const model = buildReport({ study: 'analysis', config, direction: 'maximize', trials, agents: reportAgents(), retrain });
  assert.equal(model.sections.filter((s) => s.id === 'retrain').length, 1);
  assert.equal(model.sections.at(-1)!.id, 'retrain');
  const html = renderReportHtml(model);
  assert.equal(html.match(/class="holdout"/g)?.length, 1);
  assert.match(html, /Sealed holdout/);
  await assert.rejects(readRetrainReport(path.join(dir, 'nope')), (e: unknown) => e instanceof UserError && /no retrain output/.test(e.message));
  writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ ...retrainJson(), kind: 'something-else' }));
  await assert.rejects(readRetrainReport(path.join(dir, 'other.json')), (e: unknown) => e instanceof UserError && /is not a retrain report: kind/.test(e.message));
});

test('the HTML is self-contained: nothing fetched, data inlined safely, a figure per chart', () => {
  assert.equal(inlineJson({ s: '</script><!--' }).includes('<'), false);
  const model = buildReport({ study: 'analysis', config, direction: 'maximize', trials, agents: reportAgents(), generatedAt: 'now' });
  const html = renderReportHtml(model);
  assert.doesNotMatch(html, /\s(src|href)="(https?:)?\/\//, 'no external resource');
  assert.doesNotMatch(html, /<link|@import/);
  const charts = model.sections.reduce((n, s) => n + s.charts.length, 0);
  assert.equal(html.match(/<figure class="chart"/g)?.length, charts);
  assert.equal(html.match(/<svg /g)?.length, charts);
  assert.match(html, /<script type="application\/json" id="skewer-data">/);
});

test('the timeline section lists every late run read from the stored study, and says so when there is none', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'skewer-report-reruns-'));
  await writeReportStudy(root, 'reruns-study');
  const input = await reportInputOf(await openStudyReader({ study: 'reruns-study', root }));
  assert.equal(input.reruns?.length, 1, 'the reader hands the stored rerun record to the report');
  const section = buildReport(input).sections.find((s) => s.id === 'timeline')!;
  assert.deepEqual(section.notes, [
    '1 trial ran more than once (1 late run: a lease that expired while its agent still worked, or a server restart that redelivered it). Each is listed below and drawn dashed on the timeline.',
  ]);
  assert.equal(section.facts?.length, 1);
  const [key, value] = section.facts![0]!;
  assert.equal(key, 'trial #4 attempt 1');
  assert.match(value, /^on agent-b, \d\d:\d\d:\d\d-\d\d:\d\d:\d\d UTC, ended complete \(value 0\.6100\); not applied, the first result is kept$/);
  const html = renderReportHtml(buildReport(input));
  assert.match(html, /<th>trial #4 attempt 1<\/th>/);
  const none = buildReport({ ...input, reruns: [] }).sections.find((s) => s.id === 'timeline')!;
  assert.deepEqual(none.notes, ['No trial ran more than once.']);
  assert.equal(none.facts?.length, 0);
});
