/**
 * Parallel coordinates of the complete trials: one axis per varying parameter (log axes for log
 * ranges, categorical axes in declared order, a "not set" level for inactive conditional
 * parameters) and the metric last; each line coloured by the metric.
 */
import type { StoredTrial } from '../../transport/messages.ts';
import { formatNumber, type Chart } from '../render.ts';
import { NOT_SET, axisValue, notSetPosition, numericTicks, type ParamAxis } from '../params.ts';

/** The ECharts parallel axis of one parameter (dim = its position). */
export function parallelAxisOf(axis: ParamAxis, dim: number): Record<string, unknown> {
  if (axis.kind === 'categorical') return { dim, name: axis.name, type: 'category', data: [...axis.levels] };
  const notSet = axis.conditional ? notSetPosition(axis) : undefined;
  const ticks = [...(notSet !== undefined ? [notSet] : []), ...numericTicks(axis)];
  return {
    dim,
    name: axis.log ? `${axis.name} (log)` : axis.name,
    type: axis.log ? 'log' : 'value',
    min: notSet ?? axis.low,
    max: axis.high,
    axisTick: { customValues: ticks },
    axisLabel: { customValues: ticks, formatter: (value: number) => (value === notSet ? NOT_SET : formatNumber(value)) },
  };
}

/** One row per complete trial: its value on every parameter axis, then the metric. */
export function parallelRows(trials: readonly StoredTrial[], axes: readonly ParamAxis[]): Array<Array<string | number>> {
  return trials
    .filter((t) => t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value))
    .sort((a, b) => a.number - b.number)
    .map((t) => [
      ...axes.map((axis) => {
        const value = axisValue(axis, t.params);
        return value === NOT_SET && axis.kind === 'numeric' ? notSetPosition(axis) : value;
      }),
      t.value!,
    ]);
}

export function parallelChart(trials: readonly StoredTrial[], axes: readonly ParamAxis[], valueLabel: string): Chart {
  const rows = parallelRows(trials, axes);
  const values = rows.map((row) => row[row.length - 1] as number);
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 1;
  return {
    id: 'parallel',
    title: 'Parallel coordinates',
    caption: `${rows.length} complete trials; one axis per parameter in the space's order (log axes for log ranges, categorical values in declared order, "${NOT_SET}" where a conditional parameter was inactive), ${valueLabel} last; colour: ${valueLabel}.`,
    width: 900,
    height: 400,
    option: {
      parallel: { left: 60, right: 110, top: 50, bottom: 40 },
      parallelAxis: [
        ...axes.map(parallelAxisOf),
        { dim: axes.length, name: valueLabel, type: 'value', min: Number(low.toPrecision(4)), max: Number(high.toPrecision(4)) },
      ],
      visualMap: {
        type: 'continuous',
        dimension: axes.length,
        min: low,
        max: high === low ? low + 1e-9 : high,
        right: 10,
        top: 'middle',
        text: [formatNumber(high), formatNumber(low)],
        calculable: false,
        inRange: { color: ['#d73027', '#fee08b', '#1a9850'] },
      },
      series: [{ name: 'trials', type: 'parallel', lineStyle: { width: 1.5, opacity: 0.7 }, data: rows }],
    },
  };
}
