/**
 * `skewer predict MODEL_DIR IMAGES… [--json | --csv] [--heatmaps DIR] [--backend B]`: the model
 * `skewer retrain` saved, on image files or folders, with its recipe's preprocessing and the
 * threshold retrain fixed. One row per image (path, minority probability, predicted class), then
 * counts per class; unreadable images are listed by path and skipped.
 */
import { parseBackendPreference, releaseBackends, selectBackend } from '../../models/index.ts';
import { predictImages, type PredictOutcome } from '../../training/predict.ts';
import type { RegisterCommand } from './register.ts';
import { table } from './train.ts';

function csv(outcome: PredictOutcome): string {
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const rows = outcome.predictions.map((p) => [quote(p.path), p.minorityProbability.toFixed(6), quote(p.predicted), ...(p.heatmap ? [quote(p.heatmap.file)] : [])].join(','));
  const heat = outcome.predictions.some((p) => p.heatmap) ? ',heatmap' : '';
  return [`path,minority_probability,predicted${heat}`, ...rows].join('\n') + '\n';
}

function text(outcome: PredictOutcome): string {
  const rows = [['image', `P(${outcome.minorityClass})`, 'predicted', ...(outcome.predictions.some((p) => p.heatmap) ? ['heatmap'] : [])]];
  for (const p of outcome.predictions) rows.push([p.path, p.minorityProbability.toFixed(3), p.predicted, ...(p.heatmap ? [p.heatmap.file] : [])]);
  return `${table(rows)}\n`;
}

export const register: RegisterCommand = (program) => {
  program
    .command('predict')
    .description('run a model saved by skewer retrain on images or folders, with its preprocessing and threshold')
    .argument('<model>', 'folder written by skewer retrain (model.json, weights.bin, preprocessing.json)')
    .argument('<images...>', 'image files or folders (searched recursively)')
    .option('--json', 'one JSON document: predictions, unreadable, counts, threshold')
    .option('--csv', 'CSV rows on stdout (summary on stderr)')
    .option('--heatmaps <dir>', 'write a Grad-CAM overlay for the minority class per image, <name>.gradcam.png, the input tree mirrored under <dir>')
    .option('--backend <name>', 'tfjs backend: auto | tensorflow | webgpu | wasm | cpu', 'auto')
    .action(async (modelDir: string, images: string[], options: { json?: boolean; csv?: boolean; heatmaps?: string; backend: string }) => {
      try {
        await selectBackend(parseBackendPreference(options.backend));
        const outcome = await predictImages(modelDir, images, { ...(options.heatmaps && { heatmaps: options.heatmaps }) });
        const summary =
          `${outcome.predictions.length} images: ${Object.entries(outcome.counts).map(([name, n]) => `${name} ${n}`).join(', ')} ` +
          `(threshold ${outcome.threshold.toFixed(3)} on P(${outcome.minorityClass}))` +
          (outcome.unreadable.length ? `; ${outcome.unreadable.length} unreadable, skipped` : '');
        for (const bad of outcome.unreadable) process.stderr.write(`unreadable, skipped: ${bad.path}: ${bad.reason}\n`);
        if (options.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
        else if (options.csv) {
          process.stdout.write(csv(outcome));
          process.stderr.write(`${summary}\n`);
        } else process.stdout.write(`${text(outcome)}\n${summary}\n`);
      } finally {
        releaseBackends();
      }
    });
};
