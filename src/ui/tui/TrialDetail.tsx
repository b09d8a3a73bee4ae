/** @jsxRuntime automatic */
/** One trial in full: params, per-fold metrics, the confusion matrix summed over folds, the error if it failed. */
import { Box, Text } from 'ink';
import type { TrialResult } from '../../core/result.ts';
import { batchLabel, fit, foldLabel, formatDuration, formatParamValue, formatScore, formatSummary } from '../format.ts';
import { durationOf } from '../selectors.ts';
import type { TrialView } from '../view-state.ts';
import { STATE_COLORS, usePalette } from './theme.ts';

/** The argmax confusion matrix summed over folds (rows: true class, columns: predicted). */
export function summedConfusion(result: TrialResult): number[][] {
  const size = result.classNames.length;
  const total = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (const fold of result.folds) {
    fold.argmax.confusion.forEach((row, i) => row.forEach((count, j) => (total[i]![j]! += count)));
  }
  return total;
}

function FoldTable({ result, width }: { result: TrialResult; width: number }) {
  const names = result.classNames;
  const nameWidth = 8;
  const header = ['fold', 'bal.acc', ...names.map((n) => fit(n, nameWidth, 'right')), 'oof', 'rocAUC', 'epochs'];
  const rows = result.folds.map((fold) =>
    [
      fit(foldLabel(fold), 4),
      fit(formatScore(fold.argmax.balancedAccuracy), 7, 'right'),
      ...names.map((n) => fit(formatScore(fold.argmax.perClassRecall[n]), nameWidth, 'right')),
      fit(formatScore(fold.outOfFold.balancedAccuracy), 5, 'right'),
      fit(formatScore(fold.rocAuc), 6, 'right'),
      fit(String(fold.epochs.counted), 6, 'right'),
    ].join(' '),
  );
  const matrix = summedConfusion(result);
  const labelWidth = Math.max(...names.map((n) => [...n].length), 'true\\pred'.length);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{fit(header.join(' '), width)}</Text>
      {rows.map((row, index) => (
        <Text key={index} wrap="truncate">{row}</Text>
      ))}
      <Text wrap="truncate">
        {`mean bal.acc ${formatSummary(result.balancedAccuracy)} · out-of-fold thr ${formatSummary(result.outOfFoldBalancedAccuracy)} · rocAUC ${formatSummary(result.rocAuc)} · prAUC ${formatSummary(result.prAuc)}`}
      </Text>
      <Text wrap="truncate">
        {`recall ${names.map((n) => `${n} ${formatSummary(result.perClassRecall[n])}`).join(' · ')} (minority: ${result.minorityClass})`}
      </Text>
      <Text bold>confusion (all folds, argmax)</Text>
      <Text>{`${fit('true\\pred', labelWidth)} ${names.map((n) => fit(n, nameWidth, 'right')).join(' ')}`}</Text>
      {matrix.map((row, i) => (
        <Text key={names[i]}>{`${fit(names[i]!, labelWidth)} ${row.map((c) => fit(String(c), nameWidth, 'right')).join(' ')}`}</Text>
      ))}
    </Box>
  );
}

export function TrialDetail({ trial, now, width }: { trial: TrialView; now: number; width: number }) {
  const { paint } = usePalette();
  const params = Object.keys(trial.params).map((key) => `${key}=${formatParamValue(trial.params[key])}`);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {`trial #${trial.number >= 0 ? trial.number : '?'} `}
        <Text color={paint(STATE_COLORS[trial.state])}>{trial.state}</Text>
        {` · attempts ${trial.attempts} · agent ${trial.agent ?? '—'} · ${formatDuration(durationOf(trial, now))}${trial.result ? ` · ${trial.result.backend}` : ''}`}
      </Text>
      <Text wrap="wrap">{`params ${params.join(' ') || '(none)'}`}</Text>
      {trial.state === 'running' && trial.batch ? <Text wrap="truncate">{`${trial.batch.stage ? '' : 'training '}${batchLabel(trial.batch)}`}</Text> : null}
      {trial.result ? <FoldTable result={trial.result} width={width} /> : null}
      {!trial.result && trial.value !== undefined ? <Text>{`value ${formatScore(trial.value)}`}</Text> : null}
      {trial.error ? (
        <Text color={paint('red')} wrap="wrap">{`error: ${trial.error}`}</Text>
      ) : null}
      {trial.requeueReason && trial.state !== 'complete' ? <Text wrap="wrap">{`last requeued: ${trial.requeueReason}`}</Text> : null}
      {trial.reruns?.length ? (
        <Text wrap="wrap">
          {`ran ${trial.reruns.length + 1} times (first result kept); later: ${trial.reruns
            .map((r) => `attempt ${r.attempt} on ${r.agent} ${r.outcome}${r.value !== undefined ? ` ${formatScore(r.value)}` : ''}`)
            .join('; ')}`}
        </Text>
      ) : null}
      <Text dimColor>esc/enter back</Text>
    </Box>
  );
}
