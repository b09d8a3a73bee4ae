/** @jsxRuntime automatic */
/**
 * Two or three marked trials side by side: their figures (score, per-class recall, per fold),
 * their parameters (rows that differ marked `≠`), and their learning curves overlaid as
 * sparklines: one row per trial on the same step axis and the same value scale, so a column of
 * cells is one step in every trial; each trial has its letter and its colour.
 */
import { Box, Text } from 'ink';
import { fit, formatDuration, formatParamValue, formatScore, formatSummary, stepSparkline } from '../format.ts';
import { durationOf } from '../selectors.ts';
import type { TrialView } from '../view-state.ts';
import { STATE_COLORS, usePalette } from './theme.ts';

export const COMPARE_LETTERS = ['A', 'B', 'C'] as const;
export const COMPARE_COLORS = ['cyan', 'magenta', 'yellow'] as const;
const LABEL_WIDTH = 16;

export interface CompareProps {
  readonly trials: readonly TrialView[];
  readonly scoreLabel: string;
  readonly now: number;
  readonly width: number;
}

interface Row {
  readonly label: string;
  readonly cells: readonly string[];
  readonly differs?: boolean;
}

function scoreCell(trial: TrialView): string {
  if (trial.result) return formatSummary(trial.result.objective);
  if (trial.value === undefined) return '—';
  return trial.state === 'pruned' ? `~${formatScore(trial.value)} partial` : formatScore(trial.value);
}

/** Every class any of them has a result for, minority classes first. */
function classNames(trials: readonly TrialView[]): string[] {
  const names: string[] = [];
  for (const trial of trials) if (trial.result && !names.includes(trial.result.minorityClass)) names.push(trial.result.minorityClass);
  for (const trial of trials) for (const name of trial.result?.classNames ?? []) if (!names.includes(name)) names.push(name);
  return names;
}

/** The rows of the comparison table (pure, so tests can read them without a terminal). */
export function compareRows(trials: readonly TrialView[], scoreLabel: string, now: number): { figures: Row[]; params: Row[]; folds: Row[]; classes: string[] } {
  const classes = classNames(trials);
  const figures: Row[] = [
    { label: 'state', cells: trials.map((t) => t.state) },
    { label: scoreLabel, cells: trials.map(scoreCell) },
    ...classes.map((name) => ({ label: `recall ${name}`, cells: trials.map((t) => formatSummary(t.result?.perClassRecall[name])) })),
    { label: 'rocAUC', cells: trials.map((t) => formatSummary(t.result?.rocAuc)) },
    { label: 'time', cells: trials.map((t) => formatDuration(durationOf(t, now))) },
  ];
  const names: string[] = [];
  for (const trial of trials) for (const key of Object.keys(trial.params)) if (!names.includes(key)) names.push(key);
  const params = names.map((name) => {
    const cells = trials.map((t) => (t.params[name] === undefined ? 'not set' : formatParamValue(t.params[name])));
    return { label: name, cells, differs: new Set(cells).size > 1 };
  });
  const foldCount = Math.max(0, ...trials.map((t) => t.result?.folds.length ?? 0));
  const folds: Row[] = [];
  for (let k = 0; k < foldCount; k++) {
    folds.push({
      label: `fold ${k + 1}`,
      cells: trials.map((t) => {
        const fold = t.result?.folds.find((f) => f.fold === k);
        if (!fold) return '—';
        const recalls = classes.map((name) => {
          const value = fold.argmax.perClassRecall[name];
          return value === undefined ? '—' : value.toFixed(2);
        });
        return `${formatScore(fold.argmax.balancedAccuracy)} ${recalls.join('|')}`;
      }),
    });
  }
  return { figures, params, folds, classes };
}

/** The steps the curves share: the longest trial's folds × epochs (or its last step seen). */
export function curveSteps(trials: readonly TrialView[]): number {
  let steps = 1;
  for (const trial of trials) {
    if (trial.progress) steps = Math.max(steps, trial.progress.folds * trial.progress.epochs);
    for (const point of trial.curve ?? []) steps = Math.max(steps, point.step);
  }
  return steps;
}

/** One sparkline per trial, all on the same step axis and value scale. */
export function compareCurves(trials: readonly TrialView[], width: number): { lines: string[]; low: number; high: number; steps: number } {
  const values = trials.flatMap((t) => (t.curve ?? []).map((p) => p.value)).filter(Number.isFinite);
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 1;
  const steps = curveSteps(trials);
  const lines = trials.map((t) => stepSparkline(t.curve ?? [], { steps, width, low, high }));
  return { lines, low, high, steps };
}

export function Compare({ trials, scoreLabel, now, width }: CompareProps) {
  const { paint } = usePalette();
  const columnWidth = Math.max(8, Math.min(26, Math.floor((width - LABEL_WIDTH) / Math.max(1, trials.length)) - 1));
  const { figures, params, folds, classes } = compareRows(trials, scoreLabel, now);
  const line = (row: Row, key: string, bold = false) => (
    <Text key={key} bold={bold} wrap="truncate">
      {fit(`${row.differs ? '≠ ' : '  '}${row.label}`, LABEL_WIDTH)}
      {row.cells.map((cell, i) => (
        <Text key={i} color={key === 'state' ? paint(STATE_COLORS[trials[i]!.state]) : undefined}>{` ${fit(cell, columnWidth)}`}</Text>
      ))}
    </Text>
  );
  const curveWidth = Math.max(4, width - 10);
  const curves = compareCurves(trials, curveWidth);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {fit('  compare', LABEL_WIDTH)}
        {trials.map((t, i) => (
          <Text key={t.id} color={paint(COMPARE_COLORS[i]!)}>{` ${fit(`${COMPARE_LETTERS[i]} #${t.number >= 0 ? t.number : '?'}`, columnWidth)}`}</Text>
        ))}
      </Text>
      {figures.map((row) => line(row, row.label === 'state' ? 'state' : `f:${row.label}`))}
      <Text bold>{`  parameters (≠ where they differ)`}</Text>
      {params.length ? params.map((row) => line(row, `p:${row.label}`)) : <Text dimColor>  (none)</Text>}
      {folds.length ? <Text bold wrap="truncate">{`  per fold: bal.acc (argmax) and recall ${classes.join('|')}`}</Text> : null}
      {folds.map((row) => line(row, `k:${row.label}`))}
      <Text bold wrap="truncate">{`  learning curves: validation value by step (1..${curves.steps}), one scale ${formatScore(curves.low)}–${formatScore(curves.high)}`}</Text>
      {trials.map((t, i) => (
        <Text key={`c:${t.id}`} wrap="truncate">
          <Text color={paint(COMPARE_COLORS[i]!)}>{fit(`  ${COMPARE_LETTERS[i]} #${t.number >= 0 ? t.number : '?'}`, 9)}</Text>
          <Text color={paint(COMPARE_COLORS[i]!)}>{` ${t.curve?.length ? curves.lines[i] : '(no epoch seen by this view)'}`}</Text>
        </Text>
      ))}
    </Box>
  );
}
