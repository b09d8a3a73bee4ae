/**
 * One entry point for every way a study is shown: the live Ink TUI, plain lines, or JSON lines.
 * `chooseReporterMode` encodes when each applies; `createReporter` builds it. The TUI module (Ink,
 * React) is loaded lazily so plain and JSON runs never pay for it; events that arrive while it
 * loads are queued, not lost.
 */
import type { StudyEvent } from '../core/events.ts';
import { createJsonReporter, createPlainReporter, type Reporter, type TextSink } from './plain.ts';
import type { QuitChoice, TuiCallbacks } from './tui/callbacks.ts';

export type { QuitChoice, TuiCallbacks } from './tui/callbacks.ts';

export type ReporterMode = 'tui' | 'plain' | 'json';

export interface ReporterOptions extends TuiCallbacks {
  readonly mode: ReporterMode;
  /** Defaults to process.stdout. The TUI needs a real TTY stream here. */
  readonly out?: TextSink;
  /** The TUI's key input; defaults to process.stdin. */
  readonly stdin?: NodeJS.ReadStream;
  /** Colours on (default: off when NO_COLOR is set, per no-color.org). */
  readonly color?: boolean;
}

export interface ChooseModeInput {
  readonly json?: boolean;
  readonly noTui?: boolean;
  readonly isTTY?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** `CI` counts as set unless empty, `0` or `false` (the convention Ink itself follows). */
export function isCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env['CI'];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** `--json` wins; otherwise plain when stdout is not a TTY, CI is set, or `--no-tui`; else the TUI. */
export function chooseReporterMode(input: ChooseModeInput): ReporterMode {
  if (input.json) return 'json';
  if (input.noTui || !input.isTTY || isCi(input.env ?? {})) return 'plain';
  return 'tui';
}

/** A reporter; the TUI one also resolves `exited` when the person quits or the app unmounts. */
export interface StudyReporter extends Reporter {
  readonly mode: ReporterMode;
  /** Resolves when the TUI has been quit (immediately resolved for plain and JSON). */
  readonly exited: Promise<QuitChoice | undefined>;
}

export function createReporter(options: ReporterOptions): StudyReporter {
  const out = options.out ?? process.stdout;
  if (options.mode === 'plain') return { ...createPlainReporter(out), mode: 'plain', exited: Promise.resolve(undefined) };
  if (options.mode === 'json') return { ...createJsonReporter(out), mode: 'json', exited: Promise.resolve(undefined) };
  return createLazyTuiReporter(options, out);
}

function createLazyTuiReporter(options: ReporterOptions, out: TextSink): StudyReporter {
  const queued: StudyEvent[] = [];
  let live: (Reporter & { exited: Promise<QuitChoice | undefined> }) | undefined;
  const loading = import('./tui/start.tsx').then(({ startTui }) => {
    live = startTui({
      out: out as NodeJS.WriteStream,
      stdin: options.stdin ?? process.stdin,
      color: options.color ?? !('NO_COLOR' in process.env && process.env['NO_COLOR'] !== ''),
      embedded: options.embedded ?? false,
      ...(options.onExport ? { onExport: options.onExport } : {}),
      ...(options.onReport ? { onReport: options.onReport } : {}),
      ...(options.onQuit ? { onQuit: options.onQuit } : {}),
    });
    for (const event of queued.splice(0)) live.onEvent(event);
    return live;
  });
  return {
    mode: 'tui',
    // A TUI that failed to load has no person to quit it; the failure surfaces from close().
    exited: loading.then(
      (reporter) => reporter.exited,
      () => undefined,
    ),
    onEvent(event) {
      if (live) live.onEvent(event);
      else queued.push(event);
    },
    async close() {
      await (await loading).close();
    },
  };
}
