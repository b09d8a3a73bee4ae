// The report's charts, checked on their ECharts options and on the SVG ECharts renders from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { historyChart, bestSoFar } from '../../src/report/charts/history.ts';
import { intermediateChart, foldBoundaries } from '../../src/report/charts/intermediate.ts';
import { parallelChart } from '../../src/report/charts/parallel.ts';
import { sliceChart } from '../../src/report/charts/slices.ts';
import { RERUN_SERIES, timelineChart } from '../../src/report/charts/timeline.ts';
import { recallChart, recallPoints } from '../../src/report/charts/recall.ts';
import { NOT_SET, notSetPosition, paramAxes } from '../../src/report/params.ts';
import { renderSvg, type Chart } from '../../src/report/render.ts';
import { EPOCHS, FOLDS, reportAgents, reportConfig, reportReruns, reportTrials } from './fixture.ts';

const config = reportConfig('charts');
const trials = reportTrials(config);
const axes = paramAxes(config.space);
const complete = trials.filter((t) => t.state === 'complete');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const opt = (chart: Chart): any => chart.option;
const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

function assertCleanSvg(svg: string): void {
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
}

test('history: one point per finished trial in its own series, and a best-so-far line that never gets worse', () => {
  const chart = historyChart(trials, 'maximize', 'bal.acc');
  const [done, pruned, failed, best] = opt(chart).series;
  assert.equal(done.data.length, complete.length);
  assert.equal(pruned.data.length, trials.filter((t) => t.state === 'pruned').length);
  assert.equal(failed.data.length, 1);
  assert.notEqual(pruned.symbol, done.symbol, 'pruned trials are drawn differently');
  const line = bestSoFar(trials, 'maximize').map((p) => p[1]);
  assert.deepEqual(best.data.map((p: number[]) => p[1]), line);
  line.forEach((v, i) => assert.ok(i === 0 || v >= line[i - 1]!));
  assert.ok(bestSoFar(trials, 'minimize').every((p, i, all) => i === 0 || p[1] <= all[i - 1]![1]));
  const svg = renderSvg(chart);
  assertCleanSvg(svg);
  assert.ok(texts(svg).includes('trial number') && texts(svg).includes('bal.acc'));
});

test('intermediate values: a line per reporting trial on the step axis, pruned dashed, a rule at each fold boundary', () => {
  assert.deepEqual(foldBoundaries(trials), [EPOCHS, 2 * EPOCHS]);
  const chart = intermediateChart(trials, 'bal.acc', 'median');
  const series = opt(chart).series;
  assert.equal(series.length, trials.filter((t) => t.reports.length).length);
  assert.equal(series.filter((s: { lineStyle: { type: string } }) => s.lineStyle.type === 'dashed').length, trials.filter((t) => t.state === 'pruned').length);
  assert.equal(series[0].markLine.data.length, FOLDS - 1);
  const svg = renderSvg(chart);
  assertCleanSvg(svg);
  assert.ok(texts(svg).includes('fold 2') && texts(svg).includes('fold 3'));
  assert.ok(texts(svg).includes('step (epochs trained over the folds)'));
});

test('parallel coordinates: log axis for the log range, declared category order, a "not set" level, coloured by the metric', () => {
  const chart = parallelChart(trials, axes, 'bal.acc');
  const option = opt(chart);
  const byName = Object.fromEntries(option.parallelAxis.map((a: { name: string }) => [a.name, a]));
  assert.equal(byName['learningRate (log)'].type, 'log');
  assert.equal(byName.minorityWeight.type, 'value');
  assert.deepEqual(byName.loss.data, ['ce', 'focal', 'logit-adjusted']);
  assert.deepEqual(byName.sampling.data, ['none', 'oversample', 'balanced-batch']);
  const gamma = axes.find((a) => a.name === 'focalGamma')!;
  assert.ok(gamma.kind === 'numeric');
  assert.equal(byName.focalGamma.min, notSetPosition(gamma));
  assert.equal(option.series[0].data.length, complete.length);
  const inactive = complete.filter((t) => t.params.focalGamma === undefined).length;
  assert.ok(inactive > 0);
  assert.equal(option.series[0].data.filter((row: unknown[]) => row[1] === notSetPosition(gamma)).length, inactive);
  assert.equal(option.visualMap.dimension, axes.length, 'colour follows the metric column');
  const svg = renderSvg(chart);
  assertCleanSvg(svg);
  for (const title of ['loss', 'focalGamma', 'learningRate (log)', 'sampling', 'minorityWeight', 'bal.acc', NOT_SET]) assert.ok(texts(svg).includes(title), title);
});

test('slice plots: log x for the log range, categories in declared order, inactive values counted in the caption', () => {
  const lr = sliceChart(trials, axes.find((a) => a.name === 'learningRate')!, 'bal.acc');
  assert.equal(opt(lr).xAxis.type, 'log');
  assert.equal(opt(lr).series[0].data.length, complete.length);
  const gamma = sliceChart(trials, axes.find((a) => a.name === 'focalGamma')!, 'bal.acc');
  const set = complete.filter((t) => t.params.focalGamma !== undefined).length;
  assert.equal(opt(gamma).series[0].data.length, set);
  assert.match(gamma.caption, new RegExp(`${complete.length - set} with focalGamma not set left out`));
  const loss = sliceChart(trials, axes.find((a) => a.name === 'loss')!, 'bal.acc');
  assert.deepEqual(opt(loss).xAxis.data, ['ce', 'focal', 'logit-adjusted']);
  const svg = renderSvg(loss);
  assertCleanSvg(svg);
  assert.deepEqual(texts(svg).filter((t) => ['ce', 'focal', 'logit-adjusted'].includes(t)), ['ce', 'focal', 'logit-adjusted']);
});

test('per-class recall: a mean and a fold range per class and complete trial', () => {
  const points = recallPoints(trials);
  assert.deepEqual([...points.keys()], ['defect', 'ok']);
  for (const list of points.values()) {
    assert.equal(list.length, complete.length);
    for (const p of list) assert.ok(p.low <= p.mean && p.mean <= p.high);
  }
  const svg = renderSvg(recallChart(trials));
  assertCleanSvg(svg);
  assert.ok(texts(svg).includes('recall'));
});

test('timeline: every attempt is a bar on its agent row, retries labelled, lost and left agents named', () => {
  const chart = timelineChart(trials, reportAgents());
  const attempts = trials.reduce((n, t) => n + t.attempts.length, 0);
  assert.equal(opt(chart).series.reduce((n: number, s: { data: unknown[] }) => n + s.data.length, 0), attempts);
  assert.deepEqual(opt(chart).yAxis.data, ['agent-a (left)', 'agent-b (lost)']);
  const svg = renderSvg(chart);
  assertCleanSvg(svg);
  const labels = texts(svg).filter((t) => /^#\d+/.test(t));
  assert.equal(labels.length, attempts, 'one labelled bar per attempt');
  assert.ok(labels.includes('#4 a2'), 'the retried trial shows its second attempt');
  assert.ok(texts(svg).includes('agent-b (lost)'));
});

test('timeline: a late run of a finished trial is a dashed bar of its own series on its agent\'s row, labelled re-run', () => {
  const reruns = reportReruns(trials);
  const chart = timelineChart(trials, reportAgents(), reruns);
  const series = opt(chart).series as Array<{ name: string; data: unknown[][] }>;
  const late = series.find((s) => s.name === RERUN_SERIES);
  assert.ok(late, series.map((s) => s.name).join(', '));
  assert.equal(late.data.length, 1);
  const [row, start, end, label] = late.data[0]!;
  assert.deepEqual(opt(chart).yAxis.data, ['agent-a (left)', 'agent-b (lost)', 'agent-b: late runs'], 'the late run has a row of its own under its agent');
  assert.equal(opt(chart).yAxis.data[row as number], 'agent-b: late runs');
  assert.equal(label, '#4 re-run');
  assert.ok((end as number) - (start as number) > 0.7 && (end as number) - (start as number) < 0.8, 'it ran 45 s');
  assert.ok(opt(chart).legend.data.includes(RERUN_SERIES));
  // The attempts are unchanged beside it, and the caption says what the dashed bars are.
  assert.equal(series.filter((s) => s.name !== RERUN_SERIES).reduce((n, s) => n + s.data.length, 0), trials.reduce((n, t) => n + t.attempts.length, 0));
  assert.match(chart.caption, /2 agents;.* 1 dashed bar on a late-runs row: a trial that ran again after it had finished/);
  const svg = renderSvg(chart);
  assertCleanSvg(svg);
  assert.ok(texts(svg).includes('#4 re-run'));
  assert.match(svg, /stroke-dasharray/);
  // Without late runs there is no such series.
  assert.ok(!(opt(timelineChart(trials, reportAgents())).series as Array<{ name: string }>).some((s) => s.name === RERUN_SERIES));
});
