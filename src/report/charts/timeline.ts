/**
 * A timeline per agent: every attempt of every trial as a bar on its agent's row, from its start
 * to its end (an attempt that never ended runs to the last moment the study records), coloured by
 * how the attempt ended and labelled with the trial number (and the attempt, from the second on).
 * Agents that were lost or left are named so on their row. A trial that ran again after it had
 * finished (a StoredRerun: its outcome was recorded, not applied) draws that run as a dashed bar
 * in a series of its own, labelled `#N aK re-run`, on a row of its own under its agent's
 * (`agent: late runs`): such a run overlaps the attempt it outlived, so on one row it would hide it.
 */
import type { StoredAgent, StoredRerun, StoredTrial } from '../../transport/messages.ts';
import type { CustomSeriesRenderItem } from 'echarts';
import { COLORS, type Chart } from '../render.ts';

const OUTCOME_COLORS: Record<string, string> = {
  complete: COLORS.complete,
  pruned: COLORS.pruned,
  failed: COLORS.failed,
  retry: '#edc948',
  'handed-back': '#76b7b2',
  lost: '#b07aa1',
  interrupted: '#ff9da7',
  running: COLORS.running,
};

export interface TimelineBar {
  readonly agent: string;
  readonly trial: number;
  readonly attempt: number;
  /** Minutes since the first attempt started. */
  readonly start: number;
  readonly end: number;
  readonly outcome: string;
  /** A late run of a finished trial: its outcome was not applied (the first result is kept). */
  readonly rerun?: boolean;
}

/** The series name of late runs: they are drawn apart from every attempt outcome. */
export const RERUN_SERIES = 're-run (not applied)';
const RERUN_COLOR = '#4d4d4d';

/** Row labels: each agent once, in order of its first attempt (or late run), then agents that ran nothing. */
export function agentRows(trials: readonly StoredTrial[], agents: readonly StoredAgent[], reruns: readonly StoredRerun[] = []): string[] {
  const first = new Map<string, number>();
  for (const a of [...trials.flatMap((t) => t.attempts), ...reruns]) first.set(a.agent, Math.min(first.get(a.agent) ?? Infinity, a.startedAt));
  const names = [...first.keys()].sort((a, b) => first.get(a)! - first.get(b)! || a.localeCompare(b));
  for (const agent of agents) if (!first.has(agent.info.name)) names.push(agent.info.name);
  return names;
}

/** The row a bar is drawn on: its agent's, or for a late run the row under it (agent names hold no spaces). */
const rowOf = (bar: Pick<TimelineBar, 'agent' | 'rerun'>): string => (bar.rerun ? `${bar.agent}: late runs` : bar.agent);

/** Rows in drawing order: each agent, followed by its late-runs row when it has late runs. */
function rowsOf(agentNames: readonly string[], bars: readonly TimelineBar[]): string[] {
  const late = new Set(bars.filter((b) => b.rerun).map((b) => b.agent));
  return agentNames.flatMap((name) => (late.has(name) ? [name, rowOf({ agent: name, rerun: true })] : [name]));
}

export function timelineBars(trials: readonly StoredTrial[], reruns: readonly StoredRerun[] = []): TimelineBar[] {
  const attempts = trials.flatMap((t) => t.attempts.map((a) => ({ trial: t, a })));
  const numbers = new Map(trials.map((t) => [t.id, t.number]));
  // A late run of a trial this store does not hold (it cannot happen; a torn read) is left out.
  const late = reruns.filter((r) => numbers.has(r.trialId));
  if (attempts.length === 0 && late.length === 0) return [];
  const t0 = Math.min(...attempts.map(({ a }) => a.startedAt), ...late.map((r) => r.startedAt));
  const last = Math.max(...trials.map((t) => t.updatedAt), ...attempts.map(({ a }) => a.endedAt ?? a.startedAt), ...late.map((r) => r.endedAt));
  const minutes = (ms: number): number => (ms - t0) / 60_000;
  return [
    ...attempts.map(({ trial, a }) => ({
      agent: a.agent,
      trial: trial.number,
      attempt: a.attempt,
      start: minutes(a.startedAt),
      end: minutes(a.endedAt ?? last),
      outcome: a.outcome ?? 'running',
    })),
    ...late.map((r) => ({ agent: r.agent, trial: numbers.get(r.trialId)!, attempt: r.attempt, start: minutes(r.startedAt), end: minutes(r.endedAt), outcome: r.outcome, rerun: true })),
  ];
}

/** A bar from value(1) to value(2) on row value(0), labelled value(3); `outline` draws it hollow. */
function attemptBar(fill: string, outline = false): CustomSeriesRenderItem {
  return (_params, api) => {
    const row = Number(api.value(0));
    const start = api.coord([Number(api.value(1)), row]);
    const end = api.coord([Number(api.value(2)), row]);
    const size = api.size?.([0, 1]);
    const height = (Array.isArray(size) ? size[1]! : 20) * 0.6;
    const width = Math.max(2, end[0]! - start[0]!);
    return {
      type: 'group',
      children: [
        outline
          ? { type: 'rect', shape: { x: start[0]!, y: start[1]! - height / 2, width, height }, style: { fill: '#fff', stroke: fill, lineWidth: 2, lineDash: [4, 2] } }
          : { type: 'rect', shape: { x: start[0]!, y: start[1]! - height / 2, width, height }, style: { fill, stroke: '#fff', lineWidth: 1 } },
        { type: 'text', style: { text: String(api.value(3)), x: start[0]! + 3, y: start[1]! - 5, fill: outline ? fill : '#fff', fontSize: 10 } },
      ],
    };
  };
}

export function timelineChart(trials: readonly StoredTrial[], agents: readonly StoredAgent[], reruns: readonly StoredRerun[] = []): Chart {
  const bars = timelineBars(trials, reruns);
  const agentNames = agentRows(trials, agents, reruns);
  const rows = rowsOf(agentNames, bars);
  const status = new Map(agents.map((a) => [a.info.name, a.lost ? ' (lost)' : a.left ? ' (left)' : '']));
  const labels = rows.map((row) => `${row}${status.get(row) ?? ''}`);
  const attempts = bars.filter((b) => !b.rerun);
  const late = bars.filter((b) => b.rerun);
  const label = (b: TimelineBar): string => `${b.attempt > 1 ? `#${b.trial} a${b.attempt}` : `#${b.trial}`}${b.rerun ? ' re-run' : ''}`;
  const outcomes = [...new Set(attempts.map((b) => b.outcome))];
  const series = outcomes.map((outcome) => ({
    name: outcome,
    type: 'custom' as const,
    itemStyle: { color: OUTCOME_COLORS[outcome] ?? COLORS.muted },
    encode: { x: [1, 2], y: 0 },
    renderItem: attemptBar(OUTCOME_COLORS[outcome] ?? COLORS.muted),
    data: attempts.filter((b) => b.outcome === outcome).map((b) => [rows.indexOf(rowOf(b)), b.start, b.end, label(b)]),
  }));
  if (late.length) {
    series.push({
      name: RERUN_SERIES,
      type: 'custom' as const,
      itemStyle: { color: RERUN_COLOR },
      encode: { x: [1, 2], y: 0 },
      renderItem: attemptBar(RERUN_COLOR, true),
      data: late.map((b) => [rows.indexOf(rowOf(b)), b.start, b.end, label(b)]),
    });
  }
  const span = Math.max(0.1, ...bars.map((b) => b.end));
  const rerunNote = late.length ? ` ${late.length} dashed bar${late.length === 1 ? '' : 's'} on a late-runs row: a trial that ran again after it had finished (its outcome recorded, not applied; the first result is kept).` : '';
  return {
    id: 'timeline',
    title: 'Timeline per agent',
    caption: `${attempts.length} attempts on ${agentNames.length} agents; bars labelled by trial (aN: the trial's Nth attempt), coloured by how the attempt ended.${rerunNote}`,
    width: 900,
    height: Math.max(180, 90 + 44 * rows.length),
    option: {
      legend: { top: 0, data: series.map((s) => s.name) },
      grid: { left: 150, right: 30, top: 40, bottom: 50 },
      xAxis: { type: 'value', name: 'minutes since the first attempt', nameLocation: 'middle', nameGap: 30, min: 0, max: Number(span.toPrecision(3)) },
      yAxis: { type: 'category', data: labels, inverse: true },
      series,
    },
  };
}
