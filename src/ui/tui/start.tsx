/** Mounts the live UI on a terminal and adapts it to the Reporter interface. */
import { render } from 'ink';
import type { Reporter } from '../plain.ts';
import type { QuitChoice, TuiCallbacks } from '../reporter.ts';
import type { StudyViewState } from '../view-state.ts';
import { StudyApp } from './App.tsx';
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

export function startTui(options: TuiOptions): TuiReporter {
  const store = createStudyStore(options.initial);
  const instance = render(
    <PaletteContext.Provider value={createPalette(options.color)}>
      <StudyApp
        store={store}
        embedded={options.embedded ?? false}
        {...(options.onExport ? { onExport: options.onExport } : {})}
        {...(options.onQuit ? { onQuit: options.onQuit } : {})}
      />
    </PaletteContext.Provider>,
    { stdout: options.out, stdin: options.stdin, exitOnCtrlC: false, patchConsole: true },
  );
  const exited = instance.waitUntilExit().then((value) => value as QuitChoice | undefined);
  return {
    exited,
    onEvent: (event) => store.dispatch(event),
    async close() {
      instance.unmount();
      await exited;
    },
  };
}
