/** @jsxRuntime automatic */
/** Running trials with their progress bars (fold x/k, epoch y/n) and current validation balanced accuracy. */
import { Box, Text } from 'ink';
import { memo } from 'react';
import { batchLabel, fit, formatDuration, formatScore, progressBar } from '../format.ts';
import { durationOf, progressPosition } from '../selectors.ts';
import type { TrialView } from '../view-state.ts';
import { usePalette } from './theme.ts';

const RunningRow = memo(function RunningRow({ trial, now, width }: { trial: TrialView; now: number; width: number }) {
  const { paint } = usePalette();
  const label = fit(trial.number >= 0 ? `#${trial.number}` : '#?', 5);
  const agent = fit(trial.agent ?? '', 10);
  if (trial.batch) {
    // Inside an epoch no epoch report has closed yet (the first epoch used to read "starting").
    const barWidth = Math.max(3, Math.min(16, width - 70));
    return (
      <Text wrap="truncate">
        {`  ${label} ${agent} ${batchLabel(trial.batch)} `}
        <Text color={paint('blue')}>{progressBar(trial.batch.batch, trial.batch.batches, barWidth)}</Text>
        {trial.progress ? <Text>{` val ${formatScore(trial.progress.validationValue)}`}</Text> : null}
      </Text>
    );
  }
  if (!trial.progress) {
    return (
      <Text wrap="truncate">
        {fit(`  ${label} ${agent} starting (attempt ${trial.attempts}) ${formatDuration(durationOf(trial, now))}`, width)}
      </Text>
    );
  }
  const p = progressPosition(trial.progress);
  // Two bars share what is left of the line after the fixed text (~46 cells).
  const barWidth = Math.max(3, Math.min(16, Math.floor((width - 48) / 2)));
  return (
    <Text wrap="truncate">
      {`  ${label} ${agent} `}
      <Text>{trial.progress.phase === 'pretrain' ? 'pretrain ' : `fold ${p.fold}/${p.folds} `}</Text>
      <Text color={paint('cyan')}>{progressBar(p.fold - 1 + p.epoch / p.epochs, p.folds, barWidth)}</Text>
      <Text>{` ep ${p.epoch}/${p.epochs} `}</Text>
      <Text color={paint('blue')}>{progressBar(p.epoch, p.epochs, barWidth)}</Text>
      <Text>{` val ${formatScore(trial.progress.validationValue)}`}</Text>
    </Text>
  );
});

export function RunningTrials({ trials, now, width }: { trials: readonly TrialView[]; now: number; width: number }) {
  if (trials.length === 0) return null;
  return (
    <Box flexDirection="column">
      <Text bold>{`running ${trials.length}`}</Text>
      {trials.map((trial) => (
        <RunningRow key={trial.id} trial={trial} now={now} width={width} />
      ))}
    </Box>
  );
}
