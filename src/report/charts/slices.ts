/**
 * Slice plots: for each varying parameter, the complete trials' metric against that parameter
 * alone (log x for log ranges; categorical x in declared order, "not set" included for a
 * conditional parameter), one small chart per parameter.
 */
import type { StoredTrial } from '../../transport/messages.ts';
import { COLORS, formatNumber, type Chart } from '../render.ts';
import { NOT_SET, axisValue, type ParamAxis } from '../params.ts';

export function sliceChart(trials: readonly StoredTrial[], axis: ParamAxis, valueLabel: string): Chart {
  const complete = trials.filter((t) => t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value));
  const points = complete.map((t) => ({ number: t.number, x: axisValue(axis, t.params), y: t.value! }));
  const set = points.filter((p) => p.x !== NOT_SET);
  const xAxis =
    axis.kind === 'categorical'
      ? { type: 'category' as const, data: [...axis.levels], name: axis.name, axisLabel: { interval: 0 } }
      : { type: axis.log ? ('log' as const) : ('value' as const), min: axis.low, max: axis.high, name: axis.log ? `${axis.name} (log)` : axis.name, axisLabel: { formatter: (v: number) => formatNumber(v) } };
  // A numeric axis has no "not set" level: inactive trials are counted in the caption instead.
  const shown = axis.kind === 'categorical' ? points : set;
  const unset = points.length - set.length;
  return {
    id: `slice-${axis.name}`,
    title: axis.name,
    caption: `${shown.length} complete trials${axis.kind === 'numeric' && unset ? `; ${unset} with ${axis.name} ${NOT_SET} left out` : ''}.`,
    width: 300,
    height: 240,
    option: {
      grid: { left: 55, right: 15, top: 20, bottom: 50 },
      xAxis: { ...xAxis, nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', name: valueLabel, nameLocation: 'middle', nameGap: 40, scale: true },
      series: [{ name: axis.name, type: 'scatter', symbolSize: 7, itemStyle: { color: COLORS.complete, opacity: 0.8 }, data: shown.map((p) => [p.x, p.y]) }],
    },
  };
}
