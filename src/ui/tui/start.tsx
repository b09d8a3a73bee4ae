/** @jsxRuntime automatic */
/** Mounts the live UI on a terminal and adapts it to the Reporter interface. */
import { render } from 'ink';
import type { Reporter } from '../plain.ts';
import type { StudyViewState } from '../view-state.ts';
import { StudyApp } from './App.tsx';
import type { QuitChoice, TuiCallbacks } from './callbacks.ts';
import { createStudyStore } from './store.ts';
import { createPalette, PaletteContext } from './theme.ts';

export interface TuiOptions extends TuiCallbacks {
  readonly out: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  readonly color: boolean;
  /** A view to start from (e.g. rebuilt from a study's stored trials when attaching). */
  readonly initial?: StudyViewState;
}

export interface TuiReporter extends Reporter {
  /** Resolves with the person's answer to `q` (or undefined when closed by the program). */
  readonly exited: Promise<QuitChoice | undefined>;
}

const RAW_MODE_GUARD_MS = 100;

/**
 * Keeps keys working when a child process that inherited the terminal exits: Node restores, at
 * exit, the terminal mode it saw at its start, so a trial process started before Ink switched the
 * terminal to raw mode puts it back to line mode (keys then wait for Enter and echo over the UI).
 * While Ink wants raw mode, re-apply it every 100 ms (off and on: libuv skips a same-mode call).
 * This narrows the damage; the cure is that trial processes never get the terminal as stdin,
 * stdout or stderr while the TUI runs (childProcessRunner({ stdio: 'ignore' })).
 */
function guardRawMode(stdin: NodeJS.ReadStream): () => void {
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return () => {};
  const timer = setInterval(() => {
    if (!stdin.isRaw) return;
    stdin.setRawMode(false);
    stdin.setRawMode(true);
  }, RAW_MODE_GUARD_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export function startTui(options: TuiOptions): TuiReporter {
  const store = createStudyStore(options.initial);
  const instance = render(
    <PaletteContext.Provider value={createPalette(options.color)}>
      <StudyApp
        store={store}
        embedded={options.embedded ?? false}
        {...(options.onExport ? { onExport: options.onExport } : {})}
        {...(options.onReport ? { onReport: options.onReport } : {})}
        {...(options.onQuit ? { onQuit: options.onQuit } : {})}
      />
    </PaletteContext.Provider>,
    { stdout: options.out, stdin: options.stdin, exitOnCtrlC: false, patchConsole: true },
  );
  const stopGuard = guardRawMode(options.stdin);
  const exited = instance.waitUntilExit().then((value) => {
    stopGuard();
    return value as QuitChoice | undefined;
  });
  return {
    exited,
    onEvent: (event) => store.dispatch(event),
    async close() {
      instance.unmount();
      await exited;
    },
  };
}
