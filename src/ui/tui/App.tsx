/** @jsxRuntime automatic */
/**
 * The state owner of the live UI: reads the study view from the store, owns the selection, sort,
 * filter (`/`), marks (Space) and the place the person is (board, detail, compare, help, quit
 * prompt), handles keys (the keys valid in each place are in keys.ts, which `?` lists), and lays
 * out the pure components below it.
 *
 * Layout (Ink's examples/jest pattern): finished trials go to `<Static>` once, in finish order,
 * as a scrollback log; the live region below is the header, agents, running trials with progress
 * bars and a ranked top-N leaderboard sized to the terminal, so re-ranking only redraws that box.
 */
import { Box, Text, useApp, useInput, useStdin, useStdout } from 'ink';
import { useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { fit } from '../format.ts';
import { parseTrialFilter } from '../filter.ts';
import { nextSort, rankTrials, scoreLabel, SORT_LABELS, type SortKey } from '../selectors.ts';
import type { TrialView } from '../view-state.ts';
import { AgentsPanel } from './AgentsPanel.tsx';
import type { QuitChoice } from './callbacks.ts';
import { fitColumns, leaderboardColumns } from './columns.ts';
import { Compare, COMPARE_LETTERS } from './Compare.tsx';
import { FinishedLog } from './FinishedLog.tsx';
import { Header } from './Header.tsx';
import { Help } from './Help.tsx';
import { footerLine, MAX_MARKED, type KeyContext, type Mode } from './keys.ts';
import { Leaderboard } from './Leaderboard.tsx';
import { RunningTrials } from './RunningTrials.tsx';
import type { StudyStore } from './store.ts';
import { TrialDetail } from './TrialDetail.tsx';

export interface StudyAppProps {
  readonly store: StudyStore;
  /** Embedded search: `q` asks whether to stop the search or leave the agents finishing their trials. */
  readonly embedded: boolean;
  readonly onExport?: (bestTrialId: string) => Promise<string>;
  /** `r`: writes the study's HTML report; resolves to a one-line message saying where. */
  readonly onReport?: () => Promise<string>;
  readonly onQuit?: (choice: QuitChoice) => void;
  /** The clock for elapsed times and heartbeat ages (tests pass a fixed one). */
  readonly now?: () => number;
  /** Refresh interval of the clock-driven text; 0 turns the ticking off. */
  readonly tickMs?: number;
  /** Terminal size overrides (default: the stdout Ink renders to). */
  readonly columns?: number;
  readonly rows?: number;
}

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

export function StudyApp({ store, embedded, onExport, onReport, onQuit, now = Date.now, tickMs = 1000, columns, rows }: StudyAppProps) {
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const { isRawModeSupported } = useStdin();
  const time = Math.max(useClock(now, tickMs), view.lastEventAt ?? 0);
  const [sort, setSort] = useState<SortKey>('score');
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [mode, setMode] = useState<Mode>('board');
  // Where `?` was pressed: the overlay lists that place's keys and closes back to it.
  const [helpFrom, setHelpFrom] = useState<Exclude<Mode, 'help'>>('board');
  const [query, setQuery] = useState('');
  const [marks, setMarks] = useState<readonly string[]>([]);
  const [message, setMessage] = useState<string | undefined>(undefined);

  const width = Math.max(20, columns ?? stdout.columns ?? 80);
  const height = rows ?? stdout.rows ?? 40;
  const filter = parseTrialFilter(query, view.trials.values());
  const everyTrial = rankTrials(view, sort, time);
  const ranked = filter.ok ? everyTrial.filter(filter.matches) : everyTrial;
  const found = selectedId === undefined ? -1 : ranked.findIndex((trial) => trial.id === selectedId);
  const selectedIndex = found >= 0 ? found : 0;
  const selected = ranked[selectedIndex];

  // Keys can arrive faster than renders (a loaded machine, a pasted burst): the handler reads the
  // latest state through this ref and updates it at once, so no key acts on a stale view.
  const latest = useRef({ sort, mode, helpFrom, selectedIndex, ranked, view, query, marks });
  latest.current = { sort, mode, helpFrom, selectedIndex, ranked, view, query, marks };

  const quit = (choice: QuitChoice) => {
    onQuit?.(choice);
    exit(choice);
  };

  const runAction = (action: (() => Promise<string>) | undefined, busy: string, failed: string, missing: string) => {
    if (!action) return setMessage(missing);
    setMessage(busy);
    action().then(
      (done) => setMessage(done),
      (error: unknown) => setMessage(`${failed}: ${error instanceof Error ? error.message : String(error)}`),
    );
  };

  const exportBest = (bestTrialId: string | undefined) => {
    if (onExport && !bestTrialId) return setMessage('nothing to export yet: no trial has completed');
    runAction(onExport && bestTrialId ? () => onExport(bestTrialId) : undefined, 'exporting the best trial…', 'export failed', 'export is not available here');
  };

  const go = (next: Partial<typeof latest.current>) => {
    latest.current = { ...latest.current, ...next };
    if (next.mode !== undefined) setMode(next.mode);
    if (next.helpFrom !== undefined) setHelpFrom(next.helpFrom);
    if (next.sort !== undefined) setSort(next.sort);
    if (next.query !== undefined) setQuery(next.query);
    if (next.marks !== undefined) setMarks(next.marks);
  };

  const toggleMark = (id: string | undefined, marked: readonly string[]) => {
    if (id === undefined) return;
    if (marked.includes(id)) return go({ marks: marked.filter((m) => m !== id) });
    if (marked.length >= MAX_MARKED) return setMessage(`at most ${MAX_MARKED} trials can be compared: unmark one (space) or clear the marks (x)`);
    go({ marks: [...marked, id] });
  };

  useInput(
    (input, key) => {
      const now = latest.current;
      if (key.ctrl && input === 'c') return quit(embedded ? 'stop' : 'detach');
      if (now.mode === 'help') return go({ mode: now.helpFrom });
      if (now.mode === 'filter') {
        if (key.escape) go({ mode: 'board', query: '' });
        else if (key.return) go({ mode: 'board' });
        else if (key.backspace || key.delete) go({ query: [...now.query].slice(0, -1).join('') });
        else if (input && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow) go({ query: now.query + input });
        return;
      }
      if (input === '?' && now.mode !== 'quit') return go({ mode: 'help', helpFrom: now.mode });
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
      if (now.mode === 'compare') {
        if (key.escape || key.return || input === 'c' || input === 'b' || input === 'q') go({ mode: 'board' });
        else if (input === 'x') go({ mode: 'board', marks: [] });
        return;
      }
      if (key.upArrow || key.downArrow) {
        const index = Math.min(now.ranked.length - 1, Math.max(0, now.selectedIndex + (key.upArrow ? -1 : 1)));
        latest.current = { ...now, selectedIndex: index };
        setSelectedId(now.ranked[index]?.id);
      } else if (key.return && now.ranked[now.selectedIndex]) go({ mode: 'detail' });
      else if (input === ' ') toggleMark(now.ranked[now.selectedIndex]?.id, now.marks);
      else if (input === 'c') {
        if (now.marks.length >= 2) go({ mode: 'compare' });
        else setMessage(`mark 2 or 3 trials with space to compare them (${now.marks.length} marked)`);
      } else if (input === 'x') go({ marks: [] });
      else if (input === '/') go({ mode: 'filter' });
      else if (key.escape && now.query !== '') go({ query: '' });
      else if (input === 's') go({ sort: nextSort(now.sort) });
      else if (input === 'e') exportBest(now.view.bestTrialId);
      else if (input === 'r') runAction(onReport, 'writing the report…', 'report failed', 'the report is not available here');
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
  const filterShown = query !== '' || mode === 'filter';
  const fixedLines = 2 + (filterShown ? 1 : 0) + 1 + agents.length + (running.length ? shownRunning.length + 1 : 0) + 1 + 1 + 2 + 1;
  // At most 20 rows, so the latest finished trials in the scrollback above stay in view.
  const boardHeight = Math.max(3, Math.min(MAX_BOARD_ROWS, height - fixedLines - 1));
  const columnsShown = fitColumns(leaderboardColumns(view, time), width);
  const placeOf = (m: Mode): Exclude<Mode, 'help'> => (m === 'help' ? helpFrom : m);
  const context = (m: Exclude<Mode, 'help'>): KeyContext => ({
    mode: m,
    embedded,
    finished: view.finishedAt !== undefined,
    canExport: onExport !== undefined,
    canReport: onReport !== undefined,
    filterActive: query !== '',
    marked: marks.length,
    trials: ranked.length,
    sortLabel: sort === 'score' && scoreLabel(view) === 'value' ? 'value' : SORT_LABELS[sort],
  });
  const markLetters = new Map(marks.map((id, i) => [id, COMPARE_LETTERS[i]!] as const));
  const compared = marks.map((id) => view.trials.get(id)).filter((t): t is TrialView => t !== undefined);

  let body: ReactNode;
  if (mode === 'help') body = <Help context={context(helpFrom)} width={width} />;
  else if (mode === 'detail' && selected) body = <TrialDetail trial={selected} now={time} width={width} />;
  else if (mode === 'compare') body = <Compare trials={compared} scoreLabel={scoreLabel(view)} now={time} width={width} />;
  else {
    body = (
      <Box flexDirection="column">
        <RunningTrials trials={shownRunning} now={time} width={width} />
        <Leaderboard
          columns={columnsShown}
          ranked={ranked}
          selectedIndex={selectedIndex}
          bestTrialId={view.bestTrialId}
          height={boardHeight}
          marks={markLetters}
          {...(query !== '' && view.trials.size > 0 ? { emptyText: `no trial matches /${query} (esc clears)` } : {})}
        />
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={width}>
      <FinishedLog state={view} width={width} />
      <Header
        state={view}
        now={time}
        width={width}
        {...(filterShown ? { filter: { query, shown: ranked.length, total: everyTrial.length, ...(filter.ok ? {} : { error: filter.error }) } } : {})}
      />
      <AgentsPanel agents={agents} now={time} width={width} />
      {body}
      {mode === 'filter' ? (
        <Text wrap="truncate">{fit(`/${query}▏ enter keep · esc clear · ? is text here`, width)}</Text>
      ) : (
        <Text bold={mode === 'quit'} wrap="truncate">
          {fit(footerLine(context(placeOf(mode))), width)}
        </Text>
      )}
      {message ? <Text wrap="truncate">{fit(message, width)}</Text> : null}
    </Box>
  );
}
