/** Parameter importance as horizontal bars, most important on top. */
import type { ImportanceResult } from '../importance.ts';
import { COLORS, type Chart } from '../render.ts';

export function importanceChart(result: ImportanceResult): Chart {
  const rows = [...result.params].reverse();
  return {
    id: 'importance',
    title: 'Parameter importance',
    caption: `${result.method}, seed ${result.seed}, fitted to ${result.trials} complete trials in ${result.durationMs.toFixed(0)} ms; conditional parameters carry a "not set" level.`,
    width: 900,
    height: Math.max(160, 60 + 28 * rows.length),
    option: {
      grid: { left: 160, right: 60, top: 20, bottom: 45 },
      xAxis: { type: 'value', name: 'share of variance removed', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
      yAxis: { type: 'category', data: rows.map((p) => p.name) },
      series: [
        {
          name: 'importance',
          type: 'bar',
          itemStyle: { color: COLORS.complete },
          label: { show: true, position: 'right', formatter: (p: { value: unknown }) => Number(p.value).toFixed(2) },
          data: rows.map((p) => Number(p.importance.toFixed(4))),
        },
      ],
    },
  };
}
