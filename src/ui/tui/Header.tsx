/** @jsxRuntime automatic */
/** The study header: name, sampler, progress, elapsed and time left, best-so-far with its history. */
import { Box, Text } from 'ink';
import { fit, formatDuration, formatScore, formatSummary, sparkline } from '../format.ts';
import { scoreLabel, studyProgress } from '../selectors.ts';
import type { StudyViewState } from '../view-state.ts';
import { usePalette } from './theme.ts';

export interface HeaderProps {
  readonly state: StudyViewState;
  readonly now: number;
  readonly width: number;
  /** The `/` filter in force, with how many trials it shows (or the error that keeps it from applying). */
  readonly filter?: { readonly query: string; readonly shown: number; readonly total: number; readonly error?: string };
}

export function Header({ state, now, width, filter }: HeaderProps) {
  const { paint } = usePalette();
  const progress = studyProgress(state, now);
  const status = state.finishedAt !== undefined ? 'finished' : `${progress.running} running`;
  const eta = progress.etaMs === undefined ? '?' : formatDuration(progress.etaMs);
  const line1 = [
    `study ${state.study ?? '…'}`,
    `sampler ${state.sampler ?? '?'}`,
    `${progress.done}/${progress.total ?? '?'} done`,
    status,
    `elapsed ${formatDuration(progress.elapsedMs)}`,
    ...(state.finishedAt !== undefined ? [] : [`left ~${eta}`]),
  ].join(' · ');
  const best = state.bestTrialId ? state.trials.get(state.bestTrialId) : undefined;
  const bestText = best
    ? `best ${scoreLabel(state)} ${best.result ? formatSummary(best.result.objective) : formatScore(best.value)} (trial #${best.number})`
    : 'best: no completed trial yet';
  const sparkWidth = Math.max(0, Math.min(30, width - [...bestText].length - 3));
  // Drawn so that up is better whatever the direction.
  const history = state.direction === 'minimize' ? state.bestHistory.map((v) => -v) : state.bestHistory;
  const spark = sparkWidth > 0 ? sparkline(history, sparkWidth) : '';
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {fit(line1, width)}
      </Text>
      <Text wrap="truncate">
        <Text color={best ? paint('green') : undefined}>{bestText}</Text>
        {spark ? <Text color={paint('cyan')}>{`  ${spark}`}</Text> : null}
      </Text>
      {filter ? (
        <Text color={filter.error ? paint('red') : paint('yellow')} wrap="truncate">
          {fit(filter.error ? `filter /${filter.query}: ${filter.error}` : `filter /${filter.query}: ${filter.shown} of ${filter.total} trials`, width)}
        </Text>
      ) : null}
    </Box>
  );
}
