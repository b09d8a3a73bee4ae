/**
 * The best trial up close, from out-of-fold data only: its confusion matrix (each fold under its
 * own out-of-fold threshold, summed), and, from the pooled out-of-fold predictions, ROC and PR
 * curves and balanced accuracy against the minority threshold with the chosen thresholds marked.
 */
import type { TrialResult } from '../../core/result.ts';
import { COLORS, formatNumber, type Chart } from '../render.ts';
import { area, balancedAccuracyByThreshold, outOfFoldConfusion, prCurve, rocCurve } from '../curves.ts';

/** A confusion matrix as a heatmap: rows true class, columns predicted, counts written in the cells. */
export function confusionChart(id: string, title: string, caption: string, classNames: readonly string[], confusion: readonly (readonly number[])[]): Chart {
  const cells = confusion.flatMap((row, i) => row.map((count, j) => [j, i, count]));
  const max = Math.max(1, ...cells.map((c) => c[2]!));
  return {
    id,
    title,
    caption,
    width: 420,
    height: 360,
    option: {
      grid: { left: 90, right: 20, top: 20, bottom: 70 },
      xAxis: { type: 'category', data: [...classNames], name: 'predicted', nameLocation: 'middle', nameGap: 30 },
      yAxis: { type: 'category', data: [...classNames], name: 'true class', nameLocation: 'middle', nameGap: 65, inverse: true },
      visualMap: { show: false, min: 0, max, inRange: { color: ['#f7fbff', '#08519c'] } },
      series: [{ name: 'images', type: 'heatmap', label: { show: true, fontSize: 14 }, data: cells }],
    },
  };
}

function curveChart(id: string, title: string, caption: string, points: ReadonlyArray<readonly [number, number]>, x: string, y: string, diagonal: boolean): Chart {
  return {
    id,
    title,
    caption,
    width: 420,
    height: 360,
    option: {
      grid: { left: 60, right: 20, top: 20, bottom: 50 },
      xAxis: { type: 'value', name: x, nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
      yAxis: { type: 'value', name: y, nameLocation: 'middle', nameGap: 40, min: 0, max: 1 },
      series: [
        { name: title, type: 'line', showSymbol: false, lineStyle: { color: COLORS.complete, width: 2 }, data: points.map((p) => [...p]) },
        ...(diagonal ? [{ name: 'chance', type: 'line' as const, showSymbol: false, lineStyle: { color: COLORS.muted, type: 'dashed' as const }, data: [[0, 0], [1, 1]] }] : []),
      ],
    },
  };
}

/** The best trial's charts; curves only when its result holds the pooled out-of-fold predictions. */
export function bestTrialCharts(number: number, result: TrialResult): { charts: Chart[]; missing?: string } {
  const confusion = confusionChart(
    'best-confusion',
    'Confusion matrix (out-of-fold)',
    `Trial #${number}: every fold scored under its own out-of-fold threshold (tuned on the other folds), summed over ${result.folds.length} folds${result.folds.some((f) => f.repeat !== undefined) ? ' (repeated k-fold: each image once per repeat)' : ''}.`,
    result.classNames,
    outOfFoldConfusion(result),
  );
  const oof = result.outOfFoldPredictions;
  if (!oof) {
    return { charts: [confusion], missing: `trial #${number}'s result has no pooled out-of-fold predictions (written before they were kept); rerun it to draw ROC, PR and threshold curves` };
  }
  const minority = result.classNames.indexOf(result.minorityClass);
  const isMinority = oof.labels.map((label) => label === minority);
  const roc = rocCurve(isMinority, oof.scores);
  const pr = prCurve(isMinority, oof.scores);
  const sweep = balancedAccuracyByThreshold(oof, result.classNames.length, minority);
  const pooled = `${oof.labels.length} pooled out-of-fold predictions, minority '${result.minorityClass}'`;
  const foldThresholds = result.folds.map((f) => f.outOfFold.threshold).filter(Number.isFinite);
  const threshold: Chart = {
    id: 'best-threshold',
    title: 'Balanced accuracy vs threshold',
    caption: `${pooled}; solid rule: the final threshold ${formatNumber(result.finalThreshold.threshold)} (tuned on all folds pooled), dotted: each fold's out-of-fold threshold.`,
    width: 420,
    height: 360,
    option: {
      grid: { left: 60, right: 20, top: 20, bottom: 50 },
      xAxis: { type: 'value', name: 'minority threshold', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
      yAxis: { type: 'value', name: 'balanced accuracy', nameLocation: 'middle', nameGap: 40, min: 0, max: 1 },
      series: [
        {
          name: 'balanced accuracy',
          type: 'line',
          showSymbol: false,
          lineStyle: { color: COLORS.complete, width: 2 },
          data: sweep.filter((p) => Number.isFinite(p[1])).map((p) => [...p]),
          markLine: {
            silent: true,
            symbol: 'none',
            label: { show: false },
            data: [
              ...(Number.isFinite(result.finalThreshold.threshold) ? [{ xAxis: result.finalThreshold.threshold, lineStyle: { color: COLORS.best, width: 2, type: 'solid' as const } }] : []),
              ...foldThresholds.map((t) => ({ xAxis: t, lineStyle: { color: COLORS.pruned, type: 'dotted' as const } })),
            ],
          },
        },
      ],
    },
  };
  return {
    charts: [
      confusion,
      curveChart('best-roc', 'ROC curve (out-of-fold)', `${pooled}; area ${formatNumber(area(roc))}.`, roc, 'false positive rate', 'true positive rate', true),
      curveChart('best-pr', 'Precision-recall curve (out-of-fold)', `${pooled}; minority share ${formatNumber(isMinority.filter(Boolean).length / Math.max(1, isMinority.length))}.`, pr, 'recall', 'precision', false),
      threshold,
    ],
  };
}
