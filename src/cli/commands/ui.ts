import path from 'node:path';
import { chooseReporterMode, createReporter } from '../../ui/index.ts';
import { exportBestToFile } from '../../export/index.ts';
import { addStudyLocationOptions, openReaderFromFlags, type StudyLocationFlags } from './export.ts';
import type { RegisterCommand } from './register.ts';
import { reportKey } from './report-key.ts';

/**
 * `skewer ui STUDY`: attaches read-only to a study, running here (embedded journal in
 * .skewer/<study>) or elsewhere (--server). Shows its history, then follows it live; `q` detaches
 * and leaves the study running. Without a TTY (or with CI, --no-tui) it prints plain lines and
 * returns when the study finishes; --json prints one JSON event per line.
 */
export const register: RegisterCommand = (program) => {
  const command = program
    .command('ui')
    .description('watch a study live, read-only (q detaches; the study keeps running)')
    .argument('<study>', 'the study name (the `name:` of its study file)')
    .option('--no-tui', 'plain lines instead of the live UI')
    .option('--json', 'one JSON object per event per line');
  addStudyLocationOptions(command).action(async (study: string, options: StudyLocationFlags & { tui: boolean; json?: boolean }) => {
    const { reader, close } = await openReaderFromFlags(study, options, `skewer-ui-${process.pid}`);
    const stop = new AbortController();
    const mode = chooseReporterMode({ json: options.json ?? false, noTui: !options.tui, isTTY: Boolean(process.stdout.isTTY), env: process.env });
    const exportFile = path.resolve(`${study}-best.yaml`);
    const reporter = createReporter({
      mode,
      embedded: false,
      onExport: () => exportBestToFile(reader, exportFile),
      // `r`: the same code as `skewer report`, for the study as it stands now.
      onReport: reportKey(reader, `${study}-report.html`),
      onQuit: () => stop.abort(),
    });
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      for await (const event of reader.events(stop.signal)) {
        reporter.onEvent(event);
        // Without the live UI there is nobody to press q: a finished study ends the command.
        if (mode !== 'tui' && event.type === 'study-finished') stop.abort();
        if (stop.signal.aborted) break;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await reporter.close();
      await close();
    }
  });
};
