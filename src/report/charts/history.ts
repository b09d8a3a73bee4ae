/**
 * Optimisation history: every finished trial by number, with the best value so far as a step
 * line. Complete trials are filled dots; pruned trials sit at their last reported value as hollow
 * diamonds (a value the objective never gave them); failed trials are crosses on the bottom edge.
 */
import type { Direction } from '../../core/direction.ts';
import { isBetter } from '../../core/direction.ts';
import type { StoredTrial } from '../../transport/messages.ts';
import { COLORS, type Chart } from '../render.ts';

/** [trial number, best value among complete trials up to it]. */
export function bestSoFar(trials: readonly StoredTrial[], direction: Direction): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let best: number | undefined;
  for (const trial of [...trials].sort((a, b) => a.number - b.number)) {
    if (trial.state !== 'complete' || trial.value === undefined || !Number.isFinite(trial.value)) continue;
    if (best === undefined || isBetter(trial.value, best, direction)) best = trial.value;
    out.push([trial.number, best]);
  }
  return out;
}

function lastReport(trial: StoredTrial): number | undefined {
  const reports = [...trial.reports].sort((a, b) => a.step - b.step);
  const value = reports[reports.length - 1]?.value;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

export function historyChart(trials: readonly StoredTrial[], direction: Direction, valueLabel: string): Chart {
  const complete = trials.filter((t) => t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value));
  const pruned = trials.flatMap((t) => {
    const value = t.state === 'pruned' ? lastReport(t) : undefined;
    return value === undefined ? [] : [[t.number, value] as [number, number]];
  });
  const failed = trials.filter((t) => t.state === 'failed');
  const values = [...complete.map((t) => t.value!), ...pruned.map((p) => p[1])];
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 1;
  const pad = (high - low) * 0.05 || 0.05;
  const floor = low - pad;
  return {
    id: 'history',
    title: 'Optimisation history',
    caption: `${valueLabel} of each trial by trial number (${direction}); the line is the best complete trial so far. Pruned: last reported value; failed: on the bottom edge.`,
    width: 900,
    height: 360,
    option: {
      legend: { top: 0 },
      grid: { left: 70, right: 30, top: 40, bottom: 50 },
      xAxis: { type: 'value', name: 'trial number', nameLocation: 'middle', nameGap: 30, minInterval: 1 },
      yAxis: { type: 'value', name: valueLabel, nameLocation: 'middle', nameGap: 50, min: Number(floor.toPrecision(4)), max: Number((high + pad).toPrecision(4)) },
      series: [
        { name: 'complete', type: 'scatter', symbol: 'circle', symbolSize: 8, itemStyle: { color: COLORS.complete }, data: complete.map((t) => [t.number, t.value!]) },
        { name: 'pruned (last report)', type: 'scatter', symbol: 'diamond', symbolSize: 9, itemStyle: { color: 'white', borderColor: COLORS.pruned, borderWidth: 2 }, data: pruned },
        { name: 'failed', type: 'scatter', symbol: 'path://M0,0L10,10M10,0L0,10', symbolSize: 9, itemStyle: { color: 'none', borderColor: COLORS.failed, borderWidth: 2 }, data: failed.map((t) => [t.number, Number(floor.toPrecision(4))]) },
        { name: 'best so far', type: 'line', step: 'end', showSymbol: false, lineStyle: { color: COLORS.best, width: 2 }, itemStyle: { color: COLORS.best }, data: bestSoFar(trials, direction) },
      ],
    },
  };
}
