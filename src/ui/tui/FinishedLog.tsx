/** @jsxRuntime automatic */
/**
 * Finished trials, printed once each in the order they finish, above the live region (Ink's
 * `<Static>`): the scrollback keeps the study's history while only live rows re-render.
 */
import { Static, Text } from 'ink';
import { metricLabel } from '../../core/metric.ts';
import { fit, formatDuration, formatParamValue, formatScore, formatSummary } from '../format.ts';
import { classNamesOf, durationOf, keyParamNames } from '../selectors.ts';
import type { StudyViewState, TrialView } from '../view-state.ts';
import { STATE_COLORS, usePalette } from './theme.ts';

const MARKS = { complete: '✓', pruned: '✂', failed: '✗', waiting: ' ', running: ' ' } as const;

/** The one line a finished trial leaves in the scrollback. */
export function finishedLine(trial: TrialView, state: StudyViewState): string {
  const classes = classNamesOf(state);
  const parts = [`${MARKS[trial.state]} #${trial.number >= 0 ? trial.number : '?'}`, fit(trial.state, 8)];
  if (trial.result) {
    parts.push(`${metricLabel(trial.result.metric)} ${formatSummary(trial.result.objective)}`);
    if (classes) parts.push(`${classes.minority} ${formatScore(trial.result.perClassRecall[classes.minority]?.mean)}`, `${classes.majority} ${formatScore(trial.result.perClassRecall[classes.majority]?.mean)}`);
  } else if (trial.value !== undefined) {
    // A pruned trial's last report: partial (a running mean over the folds it reached), not a k-fold mean.
    parts.push(trial.state === 'pruned' ? `partial ${formatScore(trial.value)}` : `value ${formatScore(trial.value)}`);
  }
  if (trial.state === 'failed') parts.push(trial.error ?? 'failed');
  else parts.push(keyParamNames(state).map((name) => `${name}=${formatParamValue(trial.params[name])}`).join(' '));
  parts.push(formatDuration(durationOf(trial)));
  if (trial.agent) parts.push(trial.agent);
  return parts.join('  ');
}

export function FinishedLog({ state, width }: { state: StudyViewState; width: number }) {
  const { paint } = usePalette();
  const finished = state.finishedOrder.map((id) => state.trials.get(id)!);
  return (
    <Static items={finished}>
      {(trial) => (
        <Text key={trial.id} color={paint(STATE_COLORS[trial.state])} wrap="truncate">
          {fit(finishedLine(trial, state), width)}
        </Text>
      )}
    </Static>
  );
}
