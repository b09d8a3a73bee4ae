import type { Command } from 'commander';
import { parseBackendPreference, releaseBackends, selectBackend } from '../../models/index.ts';
import { writeStudyReport, type RetrainReport } from '../../report/index.ts';
import { addStudyLocationOptions, openReaderFromFlags, type StudyLocationFlags } from './export.ts';
import type { RegisterCommand } from './register.ts';
import { holdoutOverlays } from './report-overlays.ts';

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
    .option('--retrain <dir>', 'the --out folder of `skewer retrain` (or its report.json): adds the sealed-holdout result, apart, and Grad-CAM overlays of its misclassified holdout images')
    .option('--backend <name>', 'tfjs backend for the Grad-CAM overlays: auto | tensorflow | webgpu | wasm | cpu', 'auto');
  addStudyLocationOptions(command).action(async (study: string, options: StudyLocationFlags & { out: string; retrain?: string; backend: string }) => {
    const backend = parseBackendPreference(options.backend);
    const { reader, close } = await openReaderFromFlags(study, options, `skewer-report-${process.pid}`);
    // The model runs as `skewer predict` runs it, on the backend the flag picks; a backend that fails becomes a note.
    const overlays = async (retrain: RetrainReport, modelDir: string) => {
      try {
        await selectBackend(backend);
      } catch (error) {
        return { threshold: retrain.plan.threshold, minorityClass: retrain.dataset.minorityClass, misclassified: 0, overlays: [], notes: [`No Grad-CAM overlays: backend ${options.backend} is unavailable: ${(error as Error).message}`] };
      }
      return holdoutOverlays(retrain, modelDir);
    };
    try {
      const { model, file, bytes } = await writeStudyReport({ reader, out: options.out, ...(options.retrain ? { retrain: options.retrain, overlays } : {}) });
      const charts = model.sections.reduce((n, s) => n + s.charts.length, 0);
      const drawn = model.sections.reduce((n, s) => n + (s.gallery?.images.length ?? 0), 0);
      process.stderr.write(`wrote ${file}: ${charts} charts, ${model.trials.length} trials${options.retrain ? `, ${drawn} Grad-CAM overlays` : ''}, ${(bytes / 1024).toFixed(0)} KiB; importance in ${model.importance.durationMs.toFixed(0)} ms\n`);
    } finally {
      releaseBackends();
      await close();
    }
  });
};
