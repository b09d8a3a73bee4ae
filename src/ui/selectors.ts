/**
 * Derived views of a StudyViewState: the ranking, the study's progress and time left, which
 * parameters and classes deserve a column. Pure; `now` is passed in.
 */
import type { TrialProgress } from '../core/result.ts';
import type { TrialState } from '../core/trial.ts';
import { compareByValue } from '../core/direction.ts';
import { type StudyViewState, type TrialView } from './view-state.ts';

/** What `s` cycles through, in order. `score` is balanced accuracy (mean over folds). */
export const SORT_KEYS = ['score', 'minority', 'number', 'duration'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const SORT_LABELS: Readonly<Record<SortKey, string>> = {
  score: 'balanced accuracy',
  minority: 'minority recall',
  number: 'trial number',
  duration: 'duration',
};

export function nextSort(sort: SortKey): SortKey {
  return SORT_KEYS[(SORT_KEYS.indexOf(sort) + 1) % SORT_KEYS.length]!;
}

/** Order of trials that have no score to rank by: live ones first, then the ones that ended badly. */
const STATE_ORDER: Readonly<Record<TrialState, number>> = { complete: 0, running: 1, waiting: 2, pruned: 3, failed: 4 };

export function durationOf(trial: TrialView, now?: number): number | undefined {
  if (trial.result) return trial.result.durationMs;
  if (trial.startedAt === undefined) return undefined;
  const end = trial.finishedAt ?? now;
  return end === undefined ? undefined : Math.max(0, end - trial.startedAt);
}

export function minorityRecallOf(trial: TrialView): number | undefined {
  const result = trial.result;
  return result ? result.perClassRecall[result.minorityClass]?.mean : undefined;
}

function byNumber(a: TrialView, b: TrialView): number {
  return a.number - b.number || a.id.localeCompare(b.id);
}

/** Compares optional numbers, present before absent; `better(a, b)` true puts a first. */
function byOptional(a: number | undefined, b: number | undefined, better: (x: number, y: number) => boolean): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (a === b) return 0;
  return better(a, b) ? -1 : 1;
}

/**
 * The leaderboard order. `score`: completed trials by balanced accuracy (best first, in the study's
 * direction), then running, waiting, pruned and failed trials by number (a pruned trial's last
 * value is not comparable with a finished one). Other keys sort every trial, ties by number.
 */
export function rankTrials(state: StudyViewState, sort: SortKey = 'score', now?: number): TrialView[] {
  const trials = [...state.trials.values()];
  const compare = (a: TrialView, b: TrialView): number => {
    switch (sort) {
      case 'score': {
        const stateOrder = STATE_ORDER[a.state] - STATE_ORDER[b.state];
        if (stateOrder !== 0) return stateOrder;
        return a.state === 'complete' ? compareByValue(state.direction)(a, b) : 0;
      }
      case 'minority':
        return byOptional(minorityRecallOf(a), minorityRecallOf(b), (x, y) => x > y);
      case 'number':
        return 0;
      case 'duration':
        return byOptional(durationOf(a, now), durationOf(b, now), (x, y) => x > y);
    }
  };
  return trials.sort((a, b) => compare(a, b) || byNumber(a, b));
}

export interface StudyProgress {
  readonly done: number;
  readonly total: number | undefined;
  readonly running: number;
  readonly failed: number;
  readonly pruned: number;
  readonly elapsedMs: number | undefined;
  /**
   * Time left at the observed throughput, in units of training (one unit: one trial's folds ×
   * epochs). Work done: a complete trial counts 1, a pruned one the share it trained before it was
   * stopped (1 when it never reported), a failed one 1, a running one the share it has trained.
   * Work left: every live trial is assumed to run to its end (a running one has 1 − its share left);
   * a trial not yet started is expected to cost the mean units of the finished and running trials,
   * the running ones counted as full trials. So pruned trials do not make the study look further
   * along than its training is (the old count of a pruned trial as one trial done undercounted), and
   * early pruning only shortens the estimate once it has shown up in finished trials.
   * etaMs = elapsed / work done × work left; undefined until some work is done.
   */
  readonly etaMs: number | undefined;
}

/** A finished trial's cost in units of training (see StudyProgress.etaMs). */
function finishedUnits(trial: TrialView): number {
  if (trial.state === 'pruned' && trial.progress) return trialFraction(trial.progress);
  return 1;
}

export function studyProgress(state: StudyViewState, now: number): StudyProgress {
  let done = 0;
  let running = 0;
  let failed = 0;
  let pruned = 0;
  let workDone = 0;
  let runningLeft = 0;
  let expectedSum = 0;
  for (const trial of state.trials.values()) {
    if (trial.state === 'complete' || trial.state === 'pruned' || trial.state === 'failed') {
      done += 1;
      const units = finishedUnits(trial);
      workDone += units;
      expectedSum += units;
    }
    if (trial.state === 'running') {
      running += 1;
      const share = trial.progress ? trialFraction(trial.progress) : 0;
      workDone += share;
      runningLeft += 1 - share;
      expectedSum += 1;
    }
    if (trial.state === 'failed') failed += 1;
    if (trial.state === 'pruned') pruned += 1;
  }
  const end = state.finishedAt ?? now;
  const elapsedMs = state.startedAt === undefined ? undefined : Math.max(0, end - state.startedAt);
  const total = state.totalTrials;
  let etaMs: number | undefined;
  if (state.finishedAt !== undefined) etaMs = 0;
  else if (elapsedMs !== undefined && total !== undefined && workDone > 0) {
    const perTrial = expectedSum / (done + running);
    const workLeft = runningLeft + Math.max(0, total - done - running) * perTrial;
    etaMs = (elapsedMs / workDone) * workLeft;
  }
  return { done, total, running, failed, pruned, elapsedMs, etaMs };
}

/** The share of a trial's folds × epochs trained by this progress report, in (0, 1]. */
export function trialFraction(progress: TrialProgress): number {
  const all = progress.folds * progress.epochs;
  return all > 0 ? Math.min(1, (progress.fold * progress.epochs + progress.epoch + 1) / all) : 0;
}

/** The recipe parameters the leaderboard shows, in this order, when a study has them. */
export const RECIPE_PARAMS = ['sampling', 'samplingStrategy', 'augmentation', 'augmentations', 'backbone', 'resolution', 'minorityWeight'] as const;

/**
 * Which params get a column: the recipe's key parameters that occur in the study; for a study
 * with none of them (a benchmark function), its own parameter names in order of appearance.
 */
export function keyParamNames(state: StudyViewState, limit = 5): string[] {
  const seen: string[] = [];
  for (const trial of state.trials.values()) {
    for (const key of Object.keys(trial.params)) if (!seen.includes(key)) seen.push(key);
  }
  const recipe = RECIPE_PARAMS.filter((key) => seen.includes(key));
  return (recipe.length > 0 ? recipe : seen).slice(0, limit);
}

/** The minority and majority class names, from the first trial with a result. */
export function classNamesOf(state: StudyViewState): { minority: string; majority: string } | undefined {
  for (const trial of state.trials.values()) {
    const result = trial.result;
    if (!result) continue;
    const majority = result.classNames.find((name) => name !== result.minorityClass);
    if (majority !== undefined) return { minority: result.minorityClass, majority };
  }
  return undefined;
}

/** The label of what trials are ranked by: the study's metric (`bal.acc`, `min.F1`, …) or `value` for a benchmark function. */
export function scoreLabel(state: StudyViewState): string {
  if (state.metricLabel) return state.metricLabel;
  for (const trial of state.trials.values()) if (trial.result) return 'bal.acc';
  return 'value';
}

/** 1-based fold and epoch of a progress report (reports count folds and epochs from 0). */
export function progressPosition(progress: TrialProgress): { fold: number; folds: number; epoch: number; epochs: number } {
  return { fold: progress.fold + 1, folds: progress.folds, epoch: progress.epoch + 1, epochs: progress.epochs };
}
