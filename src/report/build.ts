/**
 * What a report holds, gathered from a study reader (embedded journal or NATS KV) and, when given,
 * a retrain's report.json: sections of charts (ECharts options) with their captions. No HTML here:
 * src/report/html.ts writes it, so tests can check every chart's option before any SVG exists.
 */
import type { StudyConfig } from '../config/study.ts';
import { bestOf, type Direction } from '../core/direction.ts';
import type { StoredAgent, StoredRerun, StoredTrial } from '../transport/messages.ts';
import type { StudyReader } from '../coordinator/index.ts';
import { valueNameOf } from '../objectives/index.ts';
import { bestTrialCharts, confusionChart } from './charts/best.ts';
import { historyChart } from './charts/history.ts';
import { importanceChart } from './charts/importance.ts';
import { intermediateChart } from './charts/intermediate.ts';
import { parallelChart } from './charts/parallel.ts';
import { recallChart } from './charts/recall.ts';
import { sliceChart } from './charts/slices.ts';
import { timelineChart } from './charts/timeline.ts';
import { paramImportance, type ImportanceResult } from './importance.ts';
import { paramAxes } from './params.ts';
import type { Chart } from './render.ts';
import { MAX_OVERLAYS, OVERLAY_SIDE, type HoldoutOverlays } from './overlays.ts';
import type { RetrainReport } from './retrain.ts';

/** Images shown in a section (inlined as data: URIs by src/report/html.ts), under a heading of their own. */
export interface Gallery {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly notes: readonly string[];
  readonly images: ReadonlyArray<{ readonly png: Buffer; readonly width: number; readonly height: number; readonly kind: string; readonly lines: readonly string[] }>;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly charts: readonly Chart[];
  /** Lines shown instead of (or beside) charts: why something is not drawn. */
  readonly notes: readonly string[];
  /** Rows of a small key/value table shown above the charts. */
  readonly facts?: ReadonlyArray<readonly [string, string]>;
  readonly gallery?: Gallery;
}

export interface ReportModel {
  readonly study: string;
  readonly valueLabel: string;
  readonly direction: Direction;
  readonly generatedAt: string;
  readonly counts: Readonly<Record<StoredTrial['state'], number>>;
  readonly best?: { readonly number: number; readonly value: number };
  readonly sections: readonly Section[];
  readonly importance: ImportanceResult;
  /** The trial table the page's script sorts. */
  readonly trials: ReadonlyArray<{ number: number; state: string; value: number | null; params: Record<string, unknown>; agent: string | null; attempts: number }>;
}

export interface ReportInput {
  readonly study: string;
  readonly config: StudyConfig;
  readonly direction: Direction;
  readonly trials: readonly StoredTrial[];
  readonly agents: readonly StoredAgent[];
  /** Late runs of finished trials (drawn on the timeline and listed under it). */
  readonly reruns?: readonly StoredRerun[];
  readonly retrain?: RetrainReport;
  /** Grad-CAM overlays of the retrain's holdout, made by the caller (the report command runs the model). */
  readonly overlays?: HoldoutOverlays;
  readonly generatedAt?: string;
}

export async function reportInputOf(reader: StudyReader, retrain?: RetrainReport, overlays?: HoldoutOverlays): Promise<ReportInput> {
  const { trials, agents, reruns } = await reader.snapshot(); // one read of the store for all
  return { study: reader.name, config: reader.config(), direction: reader.direction, trials, agents, reruns, ...(retrain ? { retrain } : {}), ...(overlays ? { overlays } : {}) };
}

function overlayGallery(o: HoldoutOverlays): Gallery {
  const shown = o.overlays.filter((x) => x.kind === 'misclassified').length;
  const found = o.overlays.length - shown;
  const notes = [...o.notes];
  if (o.misclassified === 0 && !o.notes.length) notes.push('The final model got every holdout image right at its threshold.');
  if (o.misclassified > shown) notes.push(`${o.misclassified} holdout images are misclassified; the first ${shown} are shown.`);
  return {
    id: 'holdout-gradcam',
    title: 'Where the final model looked: Grad-CAM on the sealed holdout',
    caption:
      `The retrain's final model (not this trial's fold models) on its holdout images, at its threshold ${o.threshold.toFixed(3)} on P(${o.minorityClass}): ` +
      `the misclassified ones${found ? `, and ${found} correctly found ${o.minorityClass} images since those are few` : ''}. ` +
      `Red is where the evidence for ${o.minorityClass} lies (Grad-CAM on the last convolutional block). At most ${MAX_OVERLAYS} images, ${OVERLAY_SIDE} px on the longer side.`,
    notes,
    images: o.overlays.map((x) => ({
      png: x.png,
      width: x.width,
      height: x.height,
      kind: x.kind,
      lines: [x.kind === 'misclassified' ? `misclassified as ${x.predicted}` : `correct: ${o.minorityClass} found`, x.path, `true class ${x.trueClass}`, `P(${o.minorityClass}) ${x.minorityProbability.toFixed(3)} (threshold ${o.threshold.toFixed(3)})`],
    })),
  };
}

function retrainSection(report: RetrainReport): Section {
  const h = report.holdout;
  const pct = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : '—');
  return {
    id: 'retrain',
    title: 'Sealed holdout (retrain, judged once)',
    notes: ['These figures come from the final model on the sealed, balanced holdout, seen once by `skewer retrain`. Nothing in the search was chosen on them; do not compare them to pick trials.'],
    facts: [
      ['recipe', report.spec.name ?? '—'],
      ['retrained', report.createdAt],
      ['holdout images', `${h.images} (${Object.entries(h.perClass).map(([c, n]) => `${c} ${n}`).join(', ')})`],
      ['plan', `threshold ${pct(report.plan.threshold)}, ${report.plan.epochs} epochs (from ${report.plan.source})`],
      [`holdout ${h.metric.name}`, pct(h.objective)],
      ['balanced accuracy at the plan threshold', pct(h.threshold.balancedAccuracy)],
      ['balanced accuracy (argmax)', pct(h.argmax.balancedAccuracy)],
      ['ROC AUC / PR AUC', `${pct(h.rocAuc)} / ${pct(h.prAuc)}`],
    ],
    charts: [confusionChart('retrain-confusion', 'Holdout confusion matrix', `The final model on the ${h.images} holdout images at the plan's threshold ${pct(h.threshold.threshold)}.`, report.dataset.classNames, h.threshold.confusion)],
  };
}

/** The timeline, and under it one row per late run of a finished trial (none: a line saying so). */
function timelineSection(trials: readonly StoredTrial[], agents: readonly StoredAgent[], reruns: readonly StoredRerun[]): Section {
  const numbers = new Map(trials.map((t) => [t.id, t.number]));
  const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
  const listed = reruns.filter((r) => numbers.has(r.trialId));
  const trialsRerun = new Set(listed.map((r) => r.trialId)).size;
  const facts = listed.map((r): readonly [string, string] => [
    `trial #${numbers.get(r.trialId)} attempt ${r.attempt}`,
    `on ${r.agent}, ${clock(r.startedAt)}-${clock(r.endedAt)} UTC, ended ${r.outcome}${r.value !== undefined ? ` (value ${r.value.toFixed(4)})` : ''}${r.error ? `: ${r.error}` : ''}; not applied, the first result is kept`,
  ]);
  const notes = listed.length
    ? [`${trialsRerun} trial${trialsRerun === 1 ? '' : 's'} ran more than once (${listed.length} late run${listed.length === 1 ? '' : 's'}: a lease that expired while its agent still worked, or a server restart that redelivered it). Each is listed below and drawn dashed on the timeline.`]
    : ['No trial ran more than once.'];
  return { id: 'timeline', title: 'Timeline per agent', charts: [timelineChart(trials, agents, listed)], notes, facts };
}

export function buildReport(input: ReportInput): ReportModel {
  const { config, direction, trials, agents } = input;
  const valueLabel = valueNameOf(config).label;
  const axes = paramAxes(config.space);
  const importance = paramImportance(trials, axes, config.seed);
  const best = bestOf(trials, direction);
  const counts = { waiting: 0, running: 0, complete: 0, pruned: 0, failed: 0 } as Record<StoredTrial['state'], number>;
  for (const t of trials) counts[t.state] += 1;
  const sections: Section[] = [
    { id: 'history', title: 'Optimisation history', charts: [historyChart(trials, direction, valueLabel)], notes: [] },
    { id: 'intermediate', title: 'Intermediate values', charts: [intermediateChart(trials, valueLabel, config.pruner.type)], notes: trials.some((t) => t.reports.length) ? [] : ['No trial reported intermediate values.'] },
    { id: 'parallel', title: 'Parallel coordinates', charts: [parallelChart(trials, axes, valueLabel)], notes: [] },
    { id: 'slices', title: 'Slice plots', charts: axes.map((axis) => sliceChart(trials, axis, valueLabel)), notes: [] },
    { id: 'importance', title: 'Parameter importance', charts: [importanceChart(importance)], notes: importance.trials < 2 ? ['Fewer than two complete trials: nothing to fit importance on.'] : [] },
    { id: 'recall', title: 'Per-class recall', charts: [recallChart(trials)], notes: trials.some((t) => t.result) ? [] : ['No trial holds a training result (a benchmark-function study).'] },
  ];
  if (best?.result) {
    const { charts, missing } = bestTrialCharts(best.number, best.result);
    sections.push({ id: 'best', title: `Best trial #${best.number} (out-of-fold)`, charts, notes: missing ? [missing] : [], ...(input.overlays && { gallery: overlayGallery(input.overlays) }) });
  } else {
    sections.push({ id: 'best', title: 'Best trial', charts: [], notes: [best ? `Trial #${best.number} has no training result to draw.` : 'No complete trial yet.'], ...(input.overlays && { gallery: overlayGallery(input.overlays) }) });
  }
  sections.push(timelineSection(trials, agents, input.reruns ?? []));
  if (input.retrain) sections.push(retrainSection(input.retrain));
  return {
    study: input.study,
    valueLabel,
    direction,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    counts,
    ...(best?.value !== undefined ? { best: { number: best.number, value: best.value } } : {}),
    sections,
    importance,
    trials: trials.map((t) => ({
      number: t.number,
      state: t.state,
      value: t.value !== undefined && Number.isFinite(t.value) ? t.value : null,
      params: { ...t.params },
      agent: t.attempts[t.attempts.length - 1]?.agent ?? null,
      attempts: t.attempts.length,
    })),
  };
}
