/**
 * What the TUI asks of the code that starts it: the answers it gives on `q` and the actions it
 * offers. Its own module, so that the TUI and the reporter that lazily loads it both import it
 * and the TUI never imports the reporter back.
 */

/** What `q` answers in the TUI: stop the search, leave the agents finishing their trials, or just detach (read-only). */
export type QuitChoice = 'stop' | 'leave' | 'detach';

export interface TuiCallbacks {
  /** Embedded mode (`skewer search` without a server) asks, on `q`, whether to stop or leave agents finishing. */
  readonly embedded?: boolean;
  /** `e` exports the best trial: resolves to a one-line message (e.g. the file written). */
  readonly onExport?: (bestTrialId: string) => Promise<string>;
  /** `r` writes the study's HTML report (the code of `skewer report`): resolves to a one-line message saying where. */
  readonly onReport?: () => Promise<string>;
  /** Called once when the person quits, with their answer. */
  readonly onQuit?: (choice: QuitChoice) => void;
}
