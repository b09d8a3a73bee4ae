import path from 'node:path';
import { metricId, metricLabel } from '../../core/metric.ts';
import { releaseBackends } from '../../models/index.ts';
import { trainFinal, type FinalReport } from '../../training/index.ts';
import type { RegisterCommand } from './register.ts';
import { abortOnSignal, confusionLines, describeSpec, f3, formatSummary, loadSpecWithOverrides, progressLine, rethrowAbort, table } from './train.ts';

/** The holdout figures `skewer retrain` prints. */
export function formatFinalReport(report: FinalReport, outDir: string): string {
  const { holdout, dataset } = report;
  const rules = [
    ['rule', 'balanced accuracy', ...dataset.classNames.map((name) => `recall ${name}`), `${dataset.minorityClass} P/R/F1`],
    ...(
      [
        ['argmax', holdout.argmax],
        [`out-of-fold threshold @${holdout.threshold.threshold.toFixed(3)}`, holdout.threshold],
        [`(extra) prior-corrected @${holdout.priorCorrected.threshold.toFixed(3)}`, holdout.priorCorrected],
      ] as const
    ).map(([name, rule]) => [
      name,
      f3(rule.balancedAccuracy),
      ...dataset.classNames.map((c) => f3(rule.perClassRecall[c] ?? Number.NaN)),
      `${f3(rule.minority.precision)}/${f3(rule.minority.recall)}/${f3(rule.minority.f1)}`,
    ]),
  ];
  const perClass = dataset.classNames.map((name) => `${name} ${holdout.perClass[name] ?? 0}`).join(', ');
  return [
    `final model: ${describeSpec(report.spec)}`,
    `threshold ${report.plan.threshold.toFixed(3)}: ${report.plan.from.threshold}`,
    `epochs ${report.plan.epochs}: ${report.plan.from.epochs}`,
    ...(report.crossValidation
      ? [`cross-validation (run first, ${(report.crossValidation.durationMs / 1000).toFixed(1)} s): ${metricId(report.crossValidation.metric)} ${formatSummary(report.crossValidation.objective)}`]
      : [`(both fixed before the holdout was seen: taken from the spec's 'final')`]),
    `trained on ${report.training.images} non-holdout images for ${report.training.epochs} epochs (backend ${report.backend}, ${(report.training.durationMs / 1000).toFixed(1)} s)`,
    `sealed holdout: ${holdout.images} images (${perClass}), evaluated once`,
    '',
    table(rules),
    `${metricId(holdout.metric)} ${f3(holdout.objective)}   ROC AUC ${f3(holdout.rocAuc)}   PR AUC ${f3(holdout.prAuc)}`,
    '',
    'confusion (argmax):',
    confusionLines(holdout.argmax, dataset.classNames),
    '',
    `confusion (out-of-fold threshold ${holdout.threshold.threshold.toFixed(3)}):`,
    confusionLines(holdout.threshold, dataset.classNames),
    '',
    `wrote ${path.join(outDir, report.files.model)}, ${report.files.weights}, ${report.files.preprocessing} and ${report.files.report}`,
    '',
  ].join('\n');
}

/** `skewer retrain BEST.yaml --out DIR`: the final model of a recipe, judged once on the sealed holdout. */
export const register: RegisterCommand = (program) => {
  program
    .command('retrain')
    .description('train the final model on all non-holdout data with the cross-validated threshold and epochs (the spec\'s final, or a k-fold CV run first), evaluate it once on the sealed holdout, save model + report')
    .argument('<trial>', 'trial spec file (e.g. written by skewer export)')
    .requiredOption('--out <dir>', 'output directory for model.json, weights.bin and report.json')
    .option('--json', 'print the report as one JSON document')
    .option('--backend <name>', 'tfjs backend: auto | tensorflow | webgpu | wasm | cpu (overrides the spec)')
    .option('--dataset <path>', 'dataset folder or CSV manifest (overrides the spec)')
    .action(async (file: string, options: { out: string; json?: boolean; backend?: string; dataset?: string }) => {
      const spec = await loadSpecWithOverrides(file, options);
      const outDir = path.resolve(options.out);
      const started = performance.now();
      const controller = new AbortController();
      const release = abortOnSignal(controller);
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      log(`retraining ${describeSpec(spec)}`);
      try {
        const report = await trainFinal(spec, {
          outDir,
          signal: controller.signal,
          log: (line) => (line.startsWith('final model: epoch') ? undefined : log(line)),
          onProgress: (p) => log(progressLine(p, performance.now() - started, metricLabel(spec.metric))),
        });
        process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatFinalReport(report, outDir));
      } catch (error) {
        rethrowAbort(error);
      } finally {
        release();
        // Dawn keeps the process alive while its GPU is referenced.
        releaseBackends();
      }
    });
};
