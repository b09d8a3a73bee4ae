/**
 * Per-class recall of every complete trial (argmax rule, as the result's perClassRecall): the mean
 * over folds as a dot, the spread across folds (lowest to highest fold) as a vertical bar.
 */
import type { StoredTrial } from '../../transport/messages.ts';
import type { CustomSeriesRenderItem } from 'echarts';
import type { Chart } from '../render.ts';

const PALETTE = ['#e15759', '#4e79a7', '#59a14f', '#b07aa1', '#edc948', '#76b7b2'];

export interface RecallPoint {
  readonly trial: number;
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/** Per class name, one point per complete trial holding a result (folds without the class left out). */
export function recallPoints(trials: readonly StoredTrial[]): Map<string, RecallPoint[]> {
  const out = new Map<string, RecallPoint[]>();
  for (const trial of [...trials].sort((a, b) => a.number - b.number)) {
    if (trial.state !== 'complete' || !trial.result) continue;
    for (const name of trial.result.classNames) {
      const folds = trial.result.folds.map((f) => f.argmax.perClassRecall[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
      if (folds.length === 0) continue;
      const mean = folds.reduce((a, b) => a + b, 0) / folds.length;
      const list = out.get(name) ?? [];
      list.push({ trial: trial.number, mean, low: Math.min(...folds), high: Math.max(...folds) });
      out.set(name, list);
    }
  }
  return out;
}

/** A vertical bar from value(1) to value(2) at x = value(0). */
function errorBar(color: string): CustomSeriesRenderItem {
  return (_params, api) => {
    const top = api.coord([Number(api.value(0)), Number(api.value(2))]);
    const bottom = api.coord([Number(api.value(0)), Number(api.value(1))]);
    return { type: 'line', shape: { x1: top[0]!, y1: top[1]!, x2: bottom[0]!, y2: bottom[1]! }, style: { stroke: color, lineWidth: 2 } };
  };
}

export function recallChart(trials: readonly StoredTrial[]): Chart {
  const points = recallPoints(trials);
  const names = [...points.keys()];
  const numbers = [...new Set([...points.values()].flatMap((list) => list.map((p) => p.trial)))].sort((a, b) => a - b);
  const categories = numbers.map((n) => `#${n}`);
  // Classes side by side within a trial's slot.
  const offset = (c: number): number => (names.length > 1 ? (c - (names.length - 1) / 2) * (0.6 / names.length) : 0);
  const series = names.flatMap((name, c) => {
    const list = points.get(name)!;
    const color = PALETTE[c % PALETTE.length]!;
    return [
      { name, type: 'scatter' as const, symbolSize: 8, itemStyle: { color }, data: list.map((p) => [numbers.indexOf(p.trial) + offset(c), p.mean]) },
      {
        name,
        type: 'custom' as const,
        itemStyle: { color },
        renderItem: errorBar(color),
        data: list.map((p) => [numbers.indexOf(p.trial) + offset(c), p.low, p.high]),
      },
    ];
  });
  return {
    id: 'recall',
    title: 'Per-class recall per trial',
    caption: 'Recall of each class (argmax rule) for every complete trial: the dot is the mean over folds, the bar runs from the lowest to the highest fold.',
    width: 900,
    height: 340,
    option: {
      legend: { top: 0, data: names },
      grid: { left: 60, right: 30, top: 40, bottom: 50 },
      xAxis: {
        type: 'value',
        name: 'trial',
        nameLocation: 'middle',
        nameGap: 30,
        min: -0.5,
        max: Math.max(0.5, numbers.length - 0.5),
        interval: 1,
        axisLabel: { formatter: (v: number) => categories[Math.round(v)] ?? '' },
        splitLine: { show: false },
      },
      yAxis: { type: 'value', name: 'recall', nameLocation: 'middle', nameGap: 40, min: 0, max: 1 },
      series,
    },
  };
}
