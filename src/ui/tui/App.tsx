/** @jsxRuntime automatic */
/**
 * The state owner of the live UI: reads the study view from the store, owns the selection, sort,
 * detail and quit prompt, handles keys, and lays out the pure components below it.
 *
 * Layout (Ink's examples/jest pattern): finished trials go to `<Static>` once, in finish order,
 * as a scrollback log; the live region below is the header, agents, running trials with progress
 * bars and a ranked top-N leaderboard sized to the terminal, so re-ranking only redraws that box.
 */
import { Box, Text, useApp, useInput, useStdin, useStdout } from 'ink';
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { fit } from '../format.ts';
import { nextSort, rankTrials, scoreLabel, SORT_LABELS, type SortKey } from '../selectors.ts';
import { AgentsPanel } from './AgentsPanel.tsx';
import type { QuitChoice } from './callbacks.ts';
import { fitColumns, leaderboardColumns } from './columns.ts';
import { FinishedLog } from './FinishedLog.tsx';
import { Header } from './Header.tsx';
import { Leaderboard } from './Leaderboard.tsx';
import { RunningTrials } from './RunningTrials.tsx';
import type { StudyStore } from './store.ts';
import { TrialDetail } from './TrialDetail.tsx';

export interface StudyAppProps {
  readonly store: StudyStore;
  /** Embedded search: `q` asks whether to stop the search or leave the agents finishing their trials. */
  readonly embedded: boolean;
  readonly onExport?: (bestTrialId: string) => Promise<string>;
  readonly onQuit?: (choice: QuitChoice) => void;
  /** The clock for elapsed times and heartbeat ages (tests pass a fixed one). */
  readonly now?: () => number;
  /** Refresh interval of the clock-driven text; 0 turns the ticking off. */
  readonly tickMs?: number;
  /** Terminal size overrides (default: the stdout Ink renders to). */
  readonly columns?: number;
  readonly rows?: number;
}

type Mode = 'board' | 'detail' | 'quit';
const MAX_RUNNING_ROWS = 8;
const MAX_BOARD_ROWS = 20;

function useClock(now: () => number, tickMs: number): number {
  const [time, setTime] = useState(now);
  useEffect(() => {
    if (tickMs <= 0) return undefined;
    const timer = setInterval(() => setTime(now()), tickMs);
    return () => clearInterval(timer);
  }, [now, tickMs]);
  return time;
}

export function StudyApp({ store, embedded, onExport, onQuit, now = Date.now, tickMs = 1000, columns, rows }: StudyAppProps) {
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const { isRawModeSupported } = useStdin();
  const time = Math.max(useClock(now, tickMs), view.lastEventAt ?? 0);
  const [sort, setSort] = useState<SortKey>('score');
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [mode, setMode] = useState<Mode>('board');
  const [message, setMessage] = useState<string | undefined>(undefined);

  const width = Math.max(20, columns ?? stdout.columns ?? 80);
  const height = rows ?? stdout.rows ?? 40;
  const ranked = rankTrials(view, sort, time);
  const found = selectedId === undefined ? -1 : ranked.findIndex((trial) => trial.id === selectedId);
  const selectedIndex = found >= 0 ? found : 0;
  const selected = ranked[selectedIndex];

  // Keys can arrive faster than renders (a loaded machine, a pasted burst): the handler reads the
  // latest state through this ref and updates it at once, so no key acts on a stale view.
  const latest = useRef({ sort, mode, selectedIndex, ranked, view });
  latest.current = { sort, mode, selectedIndex, ranked, view };

  const quit = (choice: QuitChoice) => {
    onQuit?.(choice);
    exit(choice);
  };

  const exportBest = (bestTrialId: string | undefined) => {
    if (!onExport) return setMessage('export is not available here');
    if (!bestTrialId) return setMessage('nothing to export yet: no trial has completed');
    setMessage('exporting the best trial…');
    onExport(bestTrialId).then(
      (done) => setMessage(done),
      (error: unknown) => setMessage(`export failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };

  const go = (next: Partial<typeof latest.current>) => {
    latest.current = { ...latest.current, ...next };
    if (next.mode !== undefined) setMode(next.mode);
    if (next.sort !== undefined) setSort(next.sort);
  };

  useInput(
    (input, key) => {
      const now = latest.current;
      if (key.ctrl && input === 'c') return quit(embedded ? 'stop' : 'detach');
      if (now.mode === 'quit') {
        if (input === 's') quit('stop');
        else if (input === 'l') quit('leave');
        else if (key.escape || input === 'c' || input === 'n') go({ mode: 'board' });
        return;
      }
      if (now.mode === 'detail') {
        if (key.escape || key.return || key.backspace || input === 'b' || input === 'q') go({ mode: 'board' });
        return;
      }
      if (key.upArrow || key.downArrow) {
        const index = Math.min(now.ranked.length - 1, Math.max(0, now.selectedIndex + (key.upArrow ? -1 : 1)));
        latest.current = { ...now, selectedIndex: index };
        setSelectedId(now.ranked[index]?.id);
      } else if (key.return && now.ranked[now.selectedIndex]) go({ mode: 'detail' });
      else if (input === 's') go({ sort: nextSort(now.sort) });
      else if (input === 'e') exportBest(now.view.bestTrialId);
      else if (input === 'q') {
        if (embedded && now.view.finishedAt === undefined) go({ mode: 'quit' });
        else quit('detach');
      }
    },
    { isActive: isRawModeSupported },
  );

  const agents = [...view.agents.values()];
  const running = ranked.filter((trial) => trial.state === 'running').sort((a, b) => a.number - b.number);
  const shownRunning = running.slice(0, MAX_RUNNING_ROWS);
  const fixedLines = 2 + 1 + agents.length + (running.length ? shownRunning.length + 1 : 0) + 1 + 1 + 2 + 1;
  // At most 20 rows, so the latest finished trials in the scrollback above stay in view.
  const boardHeight = Math.max(3, Math.min(MAX_BOARD_ROWS, height - fixedLines - 1));
  const columnsShown = fitColumns(leaderboardColumns(view, time), width);
  const keys =
    mode === 'quit'
      ? 'quit: s stop the search · l leave agents finishing their running trials · esc cancel'
      : `↑↓ select · enter detail · s sort: ${sort === 'score' && scoreLabel(view) === 'value' ? 'value' : SORT_LABELS[sort]} · e export best · q quit`;

  return (
    <Box flexDirection="column" width={width}>
      <FinishedLog state={view} width={width} />
      <Header state={view} now={time} width={width} />
      <AgentsPanel agents={agents} now={time} width={width} />
      {mode === 'detail' && selected ? (
        <TrialDetail trial={selected} now={time} width={width} />
      ) : (
        <Box flexDirection="column">
          <RunningTrials trials={shownRunning} now={time} width={width} />
          <Leaderboard columns={columnsShown} ranked={ranked} selectedIndex={selectedIndex} bestTrialId={view.bestTrialId} height={boardHeight} />
        </Box>
      )}
      <Text bold={mode === 'quit'} wrap="truncate">
        {fit(keys, width)}
      </Text>
      {message ? <Text wrap="truncate">{fit(message, width)}</Text> : null}
    </Box>
  );
}
