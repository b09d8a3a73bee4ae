/**
 * The leaderboard's columns and how they give way on a narrow terminal: each column has a
 * priority, and the lowest-priority ones are dropped until the row fits. Pure text; the row
 * components only colour what this produces.
 */
import { distinctShortForms, fit, formatDuration, formatParamValue, formatScore, formatSummary } from '../format.ts';
import { classNamesOf, durationOf, keyParamNames, scoreLabel } from '../selectors.ts';
import { scoreOf, type StudyViewState, type TrialView } from '../view-state.ts';

/** A pruned trial's last report is a partial value, not a k-fold mean: marked `~`, ranked below complete trials. */
function partialScore(trial: TrialView): string {
  const value = scoreOf(trial);
  return value === undefined ? formatScore(value) : `~${formatScore(value)}`;
}

export interface Column {
  readonly key: string;
  readonly header: string;
  readonly width: number;
  readonly align: 'left' | 'right';
  /** Higher survives longer when the terminal is narrow. */
  readonly priority: number;
  readonly cell: (trial: TrialView, rank: number) => string;
}

/** Short headers for the recipe parameters, so they fit 80 columns. */
const PARAM_HEADERS: Readonly<Record<string, string>> = {
  sampling: 'sampling',
  samplingStrategy: 'sampling',
  augmentation: 'augment',
  augmentations: 'augment',
  backbone: 'backbone',
  resolution: 'res',
  minorityWeight: 'minW',
};

function widthFor(header: string, values: readonly string[], min: number, max: number): number {
  const longest = Math.max([...header].length, ...values.map((v) => [...v].length));
  return Math.min(max, Math.max(min, longest));
}

/** Every column the leaderboard could show for this study, before fitting to a width. */
export function leaderboardColumns(state: StudyViewState, now: number): Column[] {
  const trials = [...state.trials.values()];
  const hasResults = scoreLabel(state) === 'bal.acc';
  const classes = classNamesOf(state);
  const columns: Column[] = [
    { key: 'rank', header: '#', width: 3, align: 'right', priority: 100, cell: (_t, rank) => String(rank) },
    { key: 'trial', header: 'trial', width: 5, align: 'left', priority: 99, cell: (t) => (t.number >= 0 ? `#${t.number}` : '#?') },
    {
      key: 'score',
      header: hasResults ? `${scoreLabel(state)}±sd` : 'value',
      width: hasResults ? 11 : 9,
      align: 'right',
      priority: 98,
      cell: (t) => (t.result ? formatSummary(t.result.objective) : t.state === 'pruned' ? partialScore(t) : formatScore(scoreOf(t))),
    },
  ];
  if (classes) {
    const recall = (name: string) => (t: TrialView) => formatScore(t.result?.perClassRecall[name]?.mean);
    columns.push(
      { key: 'minority', header: classes.minority, width: widthFor(classes.minority, [], 5, 8), align: 'right', priority: 95, cell: recall(classes.minority) },
      { key: 'majority', header: classes.majority, width: widthFor(classes.majority, [], 5, 8), align: 'right', priority: 94, cell: recall(classes.majority) },
    );
  }
  columns.push({ key: 'state', header: 'state', width: 8, align: 'left', priority: 90, cell: (t) => t.state });
  keyParamNames(state).forEach((name, index) => {
    const header = PARAM_HEADERS[name] ?? name;
    const values = trials.map((t) => formatParamValue(t.params[name]));
    const width = widthFor(header, values, 3, 12);
    // Cut values stay distinct: undersample and undersample-per-epoch never both read `undersample…`.
    const short = distinctShortForms(values, width);
    columns.push({
      key: `param:${name}`,
      header,
      width,
      align: 'left',
      priority: 80 - index,
      cell: (t) => short.get(formatParamValue(t.params[name])) ?? formatParamValue(t.params[name]),
    });
  });
  columns.push(
    { key: 'duration', header: 'time', width: 7, align: 'right', priority: 70, cell: (t) => (t.startedAt === undefined && !t.result ? '' : formatDuration(durationOf(t, now))) },
    { key: 'attempts', header: 'try', width: 3, align: 'right', priority: 60, cell: (t) => (t.attempts > 0 ? String(t.attempts) : '') },
    { key: 'agent', header: 'agent', width: widthFor('agent', trials.map((t) => t.agent ?? ''), 5, 12), align: 'left', priority: 65, cell: (t) => t.agent ?? '' },
  );
  return columns;
}

/** Width of a row of these columns with one space between cells and a 2-cell selection marker. */
export function rowWidth(columns: readonly Column[]): number {
  return 2 + columns.reduce((sum, column) => sum + column.width, 0) + Math.max(0, columns.length - 1);
}

/** Drops the lowest-priority columns until a row fits `width`; keeps the original column order. */
export function fitColumns(columns: readonly Column[], width: number): Column[] {
  let kept = [...columns];
  while (kept.length > 1 && rowWidth(kept) > width) {
    const weakest = kept.reduce((low, column) => (column.priority < low.priority ? column : low));
    kept = kept.filter((column) => column !== weakest);
  }
  return kept;
}

export function headerCells(columns: readonly Column[]): string[] {
  return columns.map((column) => fit(column.header, column.width, column.align));
}

export function rowCells(columns: readonly Column[], trial: TrialView, rank: number): string[] {
  return columns.map((column) => fit(column.cell(trial, rank), column.width, column.align));
}
