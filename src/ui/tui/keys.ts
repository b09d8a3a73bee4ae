/**
 * Which keys do something where the person is: one table, read by the footer (a short line) and
 * by the `?` overlay (all of them, with what they do), so help never lists a key that is dead
 * here (no `e` without an export, no `c` before two trials are marked). Pure.
 */

export type Mode = 'board' | 'detail' | 'compare' | 'filter' | 'help' | 'quit';

/** The trials `c` compares side by side, at most. */
export const MAX_MARKED = 3;

export interface KeyContext {
  readonly mode: Exclude<Mode, 'help'>;
  readonly embedded: boolean;
  /** The study has finished (q then just leaves). */
  readonly finished: boolean;
  readonly canExport: boolean;
  readonly canReport: boolean;
  readonly filterActive: boolean;
  readonly marked: number;
  readonly trials: number;
  /** What `s` sorts by now, for the footer. */
  readonly sortLabel: string;
}

export interface KeyHelp {
  readonly keys: string;
  readonly does: string;
  /** Shown in the one-line footer too, not only in the overlay. */
  readonly footer?: string;
}

export const MODE_TITLES: Readonly<Record<Exclude<Mode, 'help'>, string>> = {
  board: 'the leaderboard',
  detail: 'a trial in full',
  compare: 'trials side by side',
  filter: 'typing a filter',
  quit: 'quitting',
};

const FILTER_SYNTAX: readonly KeyHelp[] = [
  { keys: 'state:pruned', does: 'trials in that state (state:pruned,failed for several)' },
  { keys: 'name=value', does: 'a parameter equal to a value (backbone=densenet121); != > < >= <= too' },
  { keys: 'text', does: 'free text found in any parameter value; terms separated by spaces all apply' },
];

export function keysFor(context: KeyContext): KeyHelp[] {
  switch (context.mode) {
    case 'quit':
      return [
        { keys: 's', does: 'stop the search (running trials are handed back)', footer: 's stop the search' },
        { keys: 'l', does: 'leave the agents finishing their running trials, then stop', footer: 'l leave agents finishing their running trials' },
        { keys: 'esc', does: 'cancel: back to the leaderboard', footer: 'esc cancel' },
      ];
    case 'filter':
      return [
        { keys: 'enter', does: 'keep this filter and go back to the board', footer: 'enter keep' },
        { keys: 'esc', does: 'clear the filter', footer: 'esc clear' },
        { keys: 'backspace', does: 'delete the last character' },
        ...FILTER_SYNTAX,
      ];
    case 'detail':
      return [
        { keys: 'esc enter b', does: 'back to the leaderboard', footer: 'esc/enter back' },
        { keys: '?', does: 'these keys', footer: '? keys' },
      ];
    case 'compare':
      return [
        { keys: 'esc c b', does: 'back to the leaderboard (the marks stay)', footer: 'esc back' },
        { keys: 'x', does: 'clear the marks and go back', footer: 'x unmark all' },
        { keys: '?', does: 'these keys', footer: '? keys' },
      ];
    case 'board': {
      const keys: KeyHelp[] = [{ keys: '?', does: 'these keys', footer: '? keys' }];
      if (context.trials > 0) {
        keys.push(
          { keys: '↑ ↓', does: 'select a trial', footer: '↑↓ select' },
          { keys: 'enter', does: 'the selected trial in full: params, folds, confusion matrix', footer: 'enter detail' },
          { keys: 'space', does: `mark or unmark the selected trial for comparing (up to ${MAX_MARKED}; ${context.marked} marked)` },
        );
      }
      if (context.marked >= 2) keys.push({ keys: 'c', does: `compare the ${context.marked} marked trials side by side`, footer: `c compare ${context.marked}` });
      if (context.marked > 0) keys.push({ keys: 'x', does: 'clear the marks' });
      keys.push(
        { keys: 's', does: 'cycle the sort: score, minority recall, trial number, duration', footer: `s sort: ${context.sortLabel}` },
        { keys: '/', does: context.filterActive ? 'edit the filter' : 'filter the trials by state or parameter', footer: '/ filter' },
      );
      if (context.filterActive) keys.push({ keys: 'esc', does: 'clear the filter', footer: 'esc clear filter' });
      if (context.canExport) keys.push({ keys: 'e', does: 'export the best trial as a recipe file', footer: 'e export best' });
      if (context.canReport) keys.push({ keys: 'r', does: 'write the HTML report of this study (as `skewer report`)', footer: 'r report' });
      keys.push({
        keys: 'q',
        does: context.embedded && !context.finished ? 'quit: asks whether to stop the search or leave the agents finishing' : 'quit (detach; the study goes on)',
        footer: 'q quit',
      });
      return keys;
    }
  }
}

/** The footer: the keys worth a reminder here, in one line. */
export function footerLine(context: KeyContext): string {
  const shown = keysFor(context)
    .filter((key) => key.footer !== undefined)
    .map((key) => key.footer!);
  return context.mode === 'quit' ? `quit: ${shown.join(' · ')}` : shown.join(' · ');
}
