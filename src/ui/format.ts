/**
 * Pure text formatting shared by the TUI and the plain reporter: numbers, durations, bars,
 * sparklines and fitting text into a column. Nothing here knows about Ink.
 */
import type { BatchProgress, Summary } from '../core/result.ts';
import type { ParamValue, Params } from '../core/trial.ts';

/** `0.873` for a score in [0, 1]; other magnitudes keep 4 significant digits. */
export function formatScore(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  if (value >= 0 && value <= 1) return value.toFixed(3);
  return Number(value.toPrecision(4)).toString();
}

/** `0.873±0.021`: the mean over folds with its spread (sample standard deviation). */
export function formatSummary(summary: Summary | undefined): string {
  if (!summary) return '—';
  if (summary.n < 2 || !Number.isFinite(summary.std)) return formatScore(summary.mean);
  return `${formatScore(summary.mean)}±${summary.std.toFixed(3)}`;
}

/** A fold's number, 1-based over all repeats; `4/r2` with repeated k-fold (fold 4, in the 2nd repeat). */
export function foldLabel(fold: { readonly fold: number; readonly repeat?: number }): string {
  return fold.repeat === undefined ? String(fold.fold + 1) : `${fold.fold + 1}/r${fold.repeat + 1}`;
}

/** `850ms`, `12.3s`, `4m05s`, `1h02m`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const totalSeconds = Math.round(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `3s ago` style age of a timestamp relative to `now`. */
export function formatAge(at: number | undefined, now: number): string {
  if (at === undefined || at <= 0) return '—';
  return `${formatDuration(Math.max(0, now - at))} ago`;
}

/** A parameter value as people read it: short floats, no quotes. */
export function formatParamValue(value: ParamValue | undefined): string {
  if (value === undefined) return '—';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    return Number(value.toPrecision(3)).toString();
  }
  return String(value);
}

/** `a=1 b=x` for every param, in key order. */
export function formatParams(params: Params): string {
  return Object.keys(params)
    .map((key) => `${key}=${formatParamValue(params[key])}`)
    .join(' ');
}

/**
 * Where an attempt is inside an epoch, 1-based: `fold 1/3 · epoch 1/5 · batch 12/40`, with the
 * stage when it is not the supervised epochs: `pretrain epoch 2/10 · batch 3/8`,
 * `fold 1/3 · cRT epoch 1/2 · batch 4/9`.
 */
export function batchLabel(batch: BatchProgress): string {
  const where = `epoch ${batch.epoch + 1}/${batch.epochs} · batch ${batch.batch}/${batch.batches}`;
  if (batch.stage === 'pretrain') return `pretrain ${where}`;
  return `fold ${batch.fold + 1}/${batch.folds} · ${batch.stage === 'crt' ? 'cRT ' : ''}${where}`;
}

/** A bar `[███░░░]` of `width` cells (inside the brackets) filled to done/total. */
export function progressBar(done: number, total: number, width: number): string {
  const cells = Math.max(1, width);
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(ratio * cells);
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)}`;
}

const SPARK = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** A sparkline of the last `width` values, scaled between their min and max (a flat series sits mid-height). */
export function sparkline(values: readonly number[], width: number): string {
  const tail = values.filter((v) => Number.isFinite(v)).slice(-Math.max(1, width));
  if (tail.length === 0) return '';
  const low = Math.min(...tail);
  const high = Math.max(...tail);
  const span = high - low;
  return tail
    .map((v) => SPARK[span === 0 ? 3 : Math.min(SPARK.length - 1, Math.floor(((v - low) / span) * SPARK.length))]!)
    .join('');
}

/** Fits text into exactly `width` cells: truncates with `…` or pads (left or right aligned). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return width === 1 ? '…' : `${chars.slice(0, width - 1).join('')}…`;
  const pad = ' '.repeat(width - chars.length);
  return align === 'left' ? text + pad : pad + text;
}

/**
 * Short forms of `values` for a column `width` wide that stay distinct: a value that fits is kept,
 * one that does not is cut at the end (`balanced-ba…`) unless that would read like another value
 * (`undersample…` beside `undersample`), then it keeps its head and its tail (`unders…epoch`).
 */
export function distinctShortForms(values: readonly string[], width: number): Map<string, string> {
  const distinct = [...new Set(values)];
  const out = new Map<string, string>();
  for (const value of distinct) {
    const chars = [...value];
    if (chars.length <= width || width < 3) {
      out.set(value, fit(value, width).trimEnd());
      continue;
    }
    const stem = chars.slice(0, width - 1).join('');
    const confusable = distinct.some((other) => other !== value && other.startsWith(stem));
    if (!confusable) {
      out.set(value, `${stem}…`);
      continue;
    }
    const tail = Math.floor((width - 1) / 2);
    out.set(value, `${chars.slice(0, width - 1 - tail).join('')}…${chars.slice(chars.length - tail).join('')}`);
  }
  return out;
}

/** `HH:MM:SS` of a wall-clock timestamp, in local time. */
export function formatClock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

export interface StepSparklineOptions {
  /** The step axis runs 1..steps (folds × epochs); every curve drawn with it lines up. */
  readonly steps: number;
  readonly width: number;
  /** The value scale shared by the curves drawn together (so heights compare across rows). */
  readonly low: number;
  readonly high: number;
}

/**
 * A sparkline of `(step, value)` points on a shared step axis and value scale, so that several
 * curves printed one under another overlay cell by cell: cell i covers the same steps in each
 * (one step per cell when they fit, else the mean of a bucket of steps); a step without a point
 * is a space.
 */
export function stepSparkline(points: ReadonlyArray<{ readonly step: number; readonly value: number }>, options: StepSparklineOptions): string {
  const steps = Math.max(1, Math.floor(options.steps));
  const cells = Math.max(1, Math.min(steps, Math.floor(options.width)));
  const sums = new Array<number>(cells).fill(0);
  const counts = new Array<number>(cells).fill(0);
  for (const { step, value } of points) {
    if (!Number.isFinite(value) || step < 1 || step > steps) continue;
    const cell = Math.min(cells - 1, Math.floor(((step - 1) * cells) / steps));
    sums[cell]! += value;
    counts[cell]! += 1;
  }
  const span = options.high - options.low;
  return sums
    .map((sum, i) => {
      if (counts[i] === 0) return ' ';
      const v = sum / counts[i]!;
      if (!(span > 0)) return SPARK[3];
      return SPARK[Math.max(0, Math.min(SPARK.length - 1, Math.floor(((v - options.low) / span) * SPARK.length)))]!;
    })
    .join('');
}
