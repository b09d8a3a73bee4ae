/**
 * Intermediate values: each trial's reports on the pruner's step axis (epochs trained over the
 * folds, 1-based: fold × epochs + epoch + 1; the value is the running mean over the folds, what
 * pruners compare), one line per trial, pruned trials dashed, with a vertical rule at
 * every fold boundary. Boundaries are drawn when all trials share one epochs-per-fold count; a
 * study whose space varies the epochs gets none, and the caption says so.
 */
import type { StoredTrial } from '../../transport/messages.ts';
import { foldRunCount } from '../../config/trial.ts';
import { COLORS, type Chart } from '../render.ts';

/** The epochs and folds (over all repeats) of a trial's training spec (none for benchmark functions). */
function shapeOf(trial: StoredTrial): { epochs: number; folds: number } | undefined {
  return trial.work?.kind === 'training' ? { epochs: trial.work.spec.epochs, folds: foldRunCount(trial.work.spec) } : undefined;
}

/** Steps where a fold ends (k × epochs for k = 1 … folds−1; steps are 1-based), when every trial agrees on the shape. */
export function foldBoundaries(trials: readonly StoredTrial[]): number[] | undefined {
  const shapes = trials.map(shapeOf).filter((s) => s !== undefined);
  if (shapes.length === 0) return undefined;
  const { epochs, folds } = shapes[0]!;
  if (shapes.some((s) => s.epochs !== epochs || s.folds !== folds)) return undefined;
  return Array.from({ length: folds - 1 }, (_, k) => (k + 1) * epochs);
}

export function intermediateChart(trials: readonly StoredTrial[], valueLabel: string, pruner: string): Chart {
  const reported = trials.filter((t) => t.reports.length > 0).sort((a, b) => a.number - b.number);
  const boundaries = foldBoundaries(reported);
  const series = reported.map((trial, index) => ({
    name: `#${trial.number}`,
    type: 'line' as const,
    showSymbol: true,
    symbolSize: 4,
    lineStyle: { width: 1.5, type: trial.state === 'pruned' ? ('dashed' as const) : ('solid' as const), color: trial.state === 'pruned' ? COLORS.pruned : COLORS.complete, opacity: 0.8 },
    itemStyle: { color: trial.state === 'pruned' ? COLORS.pruned : COLORS.complete },
    data: [...trial.reports].sort((a, b) => a.step - b.step).filter((r) => Number.isFinite(r.value)).map((r) => [r.step, r.value]),
    ...(index === 0 && boundaries?.length
      ? {
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { color: COLORS.muted, type: 'dotted' as const },
            data: boundaries.map((step, k) => ({ xAxis: step + 0.5, label: { formatter: `fold ${k + 2}`, position: 'insideEndTop' as const } })),
          },
        }
      : {}),
  }));
  const note = boundaries ? 'dotted rules: fold boundaries' : 'no fold boundaries (trials differ in epochs or folds, or train nothing)';
  return {
    id: 'intermediate',
    title: 'Intermediate values',
    caption: `Validation ${valueLabel} reported per step (pruner: ${pruner}); solid: completed, dashed orange: pruned; ${note}.`,
    width: 900,
    height: 360,
    option: {
      grid: { left: 70, right: 30, top: 30, bottom: 50 },
      xAxis: { type: 'value', name: 'step (epochs trained over the folds)', nameLocation: 'middle', nameGap: 30, minInterval: 1 },
      yAxis: { type: 'value', name: `validation ${valueLabel}`, nameLocation: 'middle', nameGap: 50, scale: true },
      series,
    },
  };
}
