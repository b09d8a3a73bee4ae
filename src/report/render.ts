/**
 * Charts are ECharts options rendered to SVG here, in Node, by ECharts' own server-side renderer
 * (`ssr: true`): no DOM, no canvas, no browser. The report inlines the SVG strings, so opening it
 * needs neither a network nor a script to see a chart.
 */
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';

export type { EChartsOption };

/** One chart of the report: an id (the HTML anchor), what a reader sees above it, and its option. */
export interface Chart {
  readonly id: string;
  readonly title: string;
  /** One line under the title: what is drawn and from which data. */
  readonly caption: string;
  readonly option: EChartsOption;
  readonly width: number;
  readonly height: number;
}

/** The colours of trial outcomes, the same in every chart. */
export const COLORS = {
  complete: '#4e79a7',
  pruned: '#f28e2b',
  failed: '#e15759',
  best: '#59a14f',
  running: '#9c755f',
  waiting: '#bab0ac',
  muted: '#9aa0a6',
} as const;

/** The chart as a standalone SVG document string (animation off: the first frame is the final one). */
export function renderSvg(chart: Chart): string {
  const instance = echarts.init(null, null, { renderer: 'svg', ssr: true, width: chart.width, height: chart.height });
  try {
    instance.setOption({ animation: false, textStyle: { fontFamily: 'sans-serif' }, ...chart.option });
    return instance.renderToSVGString();
  } finally {
    instance.dispose();
  }
}

/** A number for a label: 3 significant digits, exponent form for very small or large values. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude < 1e-3 || magnitude >= 1e5) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}
