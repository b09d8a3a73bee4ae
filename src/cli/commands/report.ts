import type { Command } from 'commander';
import { writeStudyReport } from '../../report/index.ts';
import { addStudyLocationOptions, openReaderFromFlags, type StudyLocationFlags } from './export.ts';
import type { RegisterCommand } from './register.ts';

/**
 * `skewer report STUDY`: one self-contained HTML file (charts as inline SVG, data and script
 * inlined, nothing fetched when opened) about a finished or running study, here or on --server;
 * with --retrain DIR, the retrain's sealed-holdout result in a section of its own.
 */
export const register: RegisterCommand = (program: Command) => {
  const command = program
    .command('report')
    .description('write a self-contained HTML report of a study: history, intermediate values, parallel coordinates, slices, importance, recall, the best trial out-of-fold, agents')
    .argument('<study>', 'the study name (the `name:` of its study file)')
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .option('--retrain <dir>', 'the --out folder of `skewer retrain` (or its report.json): adds the sealed-holdout result, apart');
  addStudyLocationOptions(command).action(async (study: string, options: StudyLocationFlags & { out: string; retrain?: string }) => {
    const { reader, close } = await openReaderFromFlags(study, options, `skewer-report-${process.pid}`);
    try {
      const { model, file, bytes } = await writeStudyReport({ reader, out: options.out, ...(options.retrain ? { retrain: options.retrain } : {}) });
      const charts = model.sections.reduce((n, s) => n + s.charts.length, 0);
      process.stderr.write(`wrote ${file}: ${charts} charts, ${model.trials.length} trials, ${(bytes / 1024).toFixed(0)} KiB; importance in ${model.importance.durationMs.toFixed(0)} ms\n`);
    } finally {
      await close();
    }
  });
};
