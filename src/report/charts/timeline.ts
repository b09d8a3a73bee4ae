/**
 * A timeline per agent: every attempt of every trial as a bar on its agent's row, from its start
 * to its end (an attempt that never ended runs to the last moment the study records), coloured by
 * how the attempt ended and labelled with the trial number (and the attempt, from the second on).
 * Agents that were lost or left are named so on their row.
 */
import type { StoredAgent, StoredTrial } from '../../transport/messages.ts';
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
}

/** Row labels: each agent once, in order of its first attempt, then agents that ran nothing. */
export function agentRows(trials: readonly StoredTrial[], agents: readonly StoredAgent[]): string[] {
  const first = new Map<string, number>();
  for (const trial of trials) for (const a of trial.attempts) first.set(a.agent, Math.min(first.get(a.agent) ?? Infinity, a.startedAt));
  const names = [...first.keys()].sort((a, b) => first.get(a)! - first.get(b)! || a.localeCompare(b));
  for (const agent of agents) if (!first.has(agent.info.name)) names.push(agent.info.name);
  return names;
}

export function timelineBars(trials: readonly StoredTrial[]): TimelineBar[] {
  const attempts = trials.flatMap((t) => t.attempts.map((a) => ({ trial: t, a })));
  if (attempts.length === 0) return [];
  const t0 = Math.min(...attempts.map(({ a }) => a.startedAt));
  const last = Math.max(...trials.map((t) => t.updatedAt), ...attempts.map(({ a }) => a.endedAt ?? a.startedAt));
  const minutes = (ms: number): number => (ms - t0) / 60_000;
  return attempts.map(({ trial, a }) => ({
    agent: a.agent,
    trial: trial.number,
    attempt: a.attempt,
    start: minutes(a.startedAt),
    end: minutes(a.endedAt ?? last),
    outcome: a.outcome ?? 'running',
  }));
}

/** A bar from value(1) to value(2) on row value(0), labelled value(3). */
function attemptBar(fill: string): CustomSeriesRenderItem {
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
        { type: 'rect', shape: { x: start[0]!, y: start[1]! - height / 2, width, height }, style: { fill, stroke: '#fff', lineWidth: 1 } },
        { type: 'text', style: { text: String(api.value(3)), x: start[0]! + 3, y: start[1]! - 5, fill: '#fff', fontSize: 10 } },
      ],
    };
  };
}

export function timelineChart(trials: readonly StoredTrial[], agents: readonly StoredAgent[]): Chart {
  const rows = agentRows(trials, agents);
  const status = new Map(agents.map((a) => [a.info.name, a.lost ? ' (lost)' : a.left ? ' (left)' : '']));
  const labels = rows.map((name) => `${name}${status.get(name) ?? ''}`);
  const bars = timelineBars(trials);
  const outcomes = [...new Set(bars.map((b) => b.outcome))];
  const series = outcomes.map((outcome) => ({
    name: outcome,
    type: 'custom' as const,
    itemStyle: { color: OUTCOME_COLORS[outcome] ?? COLORS.muted },
    encode: { x: [1, 2], y: 0 },
    renderItem: attemptBar(OUTCOME_COLORS[outcome] ?? COLORS.muted),
    data: bars
      .filter((b) => b.outcome === outcome)
      .map((b) => [rows.indexOf(b.agent), b.start, b.end, b.attempt > 1 ? `#${b.trial} a${b.attempt}` : `#${b.trial}`]),
  }));
  const span = Math.max(0.1, ...bars.map((b) => b.end));
  return {
    id: 'timeline',
    title: 'Timeline per agent',
    caption: `${bars.length} attempts on ${rows.length} agents; bars labelled by trial (aN: the trial's Nth attempt), coloured by how the attempt ended.`,
    width: 900,
    height: Math.max(180, 90 + 44 * rows.length),
    option: {
      legend: { top: 0, data: outcomes },
      grid: { left: 150, right: 30, top: 40, bottom: 50 },
      xAxis: { type: 'value', name: 'minutes since the first attempt', nameLocation: 'middle', nameGap: 30, min: 0, max: Number(span.toPrecision(3)) },
      yAxis: { type: 'category', data: labels, inverse: true },
      series,
    },
  };
}
