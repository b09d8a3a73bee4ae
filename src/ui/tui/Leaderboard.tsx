/** @jsxRuntime automatic */
/**
 * The live, ranked leaderboard: a header row and a window of rows around the selection. Rows are
 * small pure components; the window keeps the live region within the terminal's height.
 */
import { Box, Text } from 'ink';
import { memo } from 'react';
import type { TrialView } from '../view-state.ts';
import { headerCells, rowCells, type Column } from './columns.ts';
import { STATE_COLORS, usePalette } from './theme.ts';

interface RowProps {
  readonly columns: readonly Column[];
  readonly trial: TrialView;
  readonly rank: number;
  readonly selected: boolean;
  readonly best: boolean;
  /** The trial's letter when it is marked for comparing (Space). */
  readonly mark?: string | undefined;
}

export const LeaderboardRow = memo(function LeaderboardRow({ columns, trial, rank, selected, best, mark }: RowProps) {
  const { paint } = usePalette();
  const cells = rowCells(columns, trial, rank);
  return (
    <Text inverse={selected} bold={best} wrap="truncate">
      {selected ? '›' : ' '}
      {mark ?? ' '}
      {cells.map((cell, index) => {
        const key = columns[index]!.key;
        const color = key === 'state' ? paint(STATE_COLORS[trial.state]) : key === 'score' && best ? paint('green') : undefined;
        return (
          <Text key={key} color={color}>
            {index > 0 ? ' ' : ''}
            {cell}
          </Text>
        );
      })}
    </Text>
  );
});

export interface LeaderboardProps {
  readonly columns: readonly Column[];
  /** Trials in ranked order. */
  readonly ranked: readonly TrialView[];
  readonly selectedIndex: number;
  readonly bestTrialId: string | undefined;
  /** How many rows fit. */
  readonly height: number;
  /** Marked trials (id → letter A, B, C in the order they were marked). */
  readonly marks?: ReadonlyMap<string, string>;
  /** Why the list is empty, when it is (e.g. a filter that matches nothing). */
  readonly emptyText?: string;
}

/** The first row index of a window of `height` rows that keeps `selected` visible. */
export function windowStart(count: number, selected: number, height: number): number {
  if (count <= height) return 0;
  const start = Math.max(0, selected - Math.floor(height / 2));
  return Math.min(start, count - height);
}

export function Leaderboard({ columns, ranked, selectedIndex, bestTrialId, height, marks, emptyText }: LeaderboardProps) {
  const rows = Math.max(1, height);
  const start = windowStart(ranked.length, selectedIndex, rows);
  const visible = ranked.slice(start, start + rows);
  const hidden = ranked.length - visible.length;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {'  '}
        {headerCells(columns).join(' ')}
      </Text>
      {ranked.length === 0 ? <Text dimColor>{`  ${emptyText ?? 'no trials yet'}`}</Text> : null}
      {visible.map((trial, offset) => (
        <LeaderboardRow
          key={trial.id}
          columns={columns}
          trial={trial}
          rank={start + offset + 1}
          selected={start + offset === selectedIndex}
          best={trial.id === bestTrialId}
          mark={marks?.get(trial.id)}
        />
      ))}
      {hidden > 0 ? <Text dimColor>{`  … ${hidden} more (↑↓ to scroll)`}</Text> : null}
    </Box>
  );
}
