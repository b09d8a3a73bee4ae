import path from 'node:path';
import { loadTrialSpecFile } from '../../config/trial-file.ts';
import { crossValidationLabel, type TrialSpec } from '../../config/trial.ts';
import { UserError } from '../../core/errors.ts';
import { metricId, metricLabel } from '../../core/metric.ts';
import type { FoldMetrics, RuleMetrics, Summary, TrialProgress, TrialResult } from '../../core/result.ts';
import { parseBackendPreference, parseGpuMemory, releaseBackends } from '../../models/index.ts';
import { runTrial, summarize } from '../../training/index.ts';
import { foldLabel } from '../../ui/format.ts';
import type { RegisterCommand } from './register.ts';

export interface SpecOverrides {
  backend?: string;
  dataset?: string;
  /** GiB of GPU memory a webgpu trial may use (sets SKEWER_GPU_MEMORY). */
  gpuMemory?: string;
}

/** Loads a spec file and applies `--backend` / `--dataset`. */
export async function loadSpecWithOverrides(file: string, overrides: SpecOverrides): Promise<TrialSpec> {
  if (overrides.gpuMemory !== undefined) {
    parseGpuMemory(overrides.gpuMemory);
    process.env.SKEWER_GPU_MEMORY = overrides.gpuMemory;
  }
  let spec = await loadTrialSpecFile(file);
  if (overrides.backend !== undefined) spec = { ...spec, backend: parseBackendPreference(overrides.backend) };
  if (overrides.dataset !== undefined) spec = { ...spec, dataset: { ...spec.dataset, path: path.resolve(overrides.dataset) } };
  return spec;
}

/** Ctrl-C aborts training between batches; the returned function removes the handler. */
export function abortOnSignal(controller: AbortController): () => void {
  const abort = (): void => controller.abort(new DOMException('interrupted (Ctrl-C)', 'AbortError'));
  process.once('SIGINT', abort);
  return () => process.off('SIGINT', abort);
}

/** An AbortError becomes a user-facing message and exit code 130; anything else passes through. */
export function rethrowAbort(error: unknown): never {
  if (error instanceof Error && error.name === 'AbortError') {
    throw new UserError(`stopped: ${error.message}`, { hint: 'Nothing was saved; run the command again to start over.' });
  }
  throw error;
}

export function describeSpec(spec: TrialSpec): string {
  const weight = typeof spec.minorityWeight === 'object' ? `effective number (beta ${spec.minorityWeight.effectiveNumber})` : String(spec.minorityWeight);
  const loss = spec.loss === 'focal' ? `focal (gamma ${spec.focalGamma})` : spec.loss === 'logit-adjusted' ? `logit-adjusted (tau ${spec.logitTau})` : 'ce';
  const augmentations = spec.augmentations.length ? spec.augmentations.join('+') : 'none';
  return (
    `${spec.backbone} ${spec.resolution}px (${spec.fit}), sampling ${spec.sampling}, augmentation ${augmentations}, ` +
    `loss ${loss} minorityWeight ${weight}, ${spec.optimizer} lr ${spec.learningRate}, batch ${spec.batchSize}, ${spec.epochs} epochs, seed ${spec.seed}${spec.repeats > 1 ? `, ${crossValidationLabel(spec)}` : ''}`
  );
}

export function progressLine(p: TrialProgress, elapsedMs: number, label = 'balanced accuracy'): string {
  const validation = Number.isFinite(p.validationValue) ? `  validation ${label} ${p.validationValue.toFixed(3)}` : '';
  if (p.phase === 'pretrain') return `pretrain  epoch ${p.epoch + 1}/${p.epochs}  NT-Xent ${p.loss.toFixed(4)}  (${(elapsedMs / 1000).toFixed(1)} s)`;
  return `fold ${p.fold + 1}/${p.folds}  epoch ${p.epoch + 1}/${p.epochs}  loss ${p.loss.toFixed(4)}${validation}  (${(elapsedMs / 1000).toFixed(1)} s)`;
}

/** Three decimals, or `-` for an undefined metric (e.g. AUC of a fold without minority images). */
export const f3 = (value: number): string => (Number.isFinite(value) ? value.toFixed(3) : '-');

/** Rows of text as aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/** `mean ± std  [low, high]  n=k`; the interval is shown clipped to [0, 1], the range of every metric here. */
export function formatSummary(summary: Summary): string {
  if (summary.n === 0) return '-';
  const clip = (value: number): number => Math.min(1, Math.max(0, value));
  return `${f3(summary.mean)} ± ${f3(summary.std)}  [${f3(clip(summary.ci95[0]))}, ${f3(clip(summary.ci95[1]))}]  n=${summary.n}`;
}

export function confusionLines(rule: RuleMetrics, classNames: readonly string[]): string {
  const rows = [['true \\ predicted', ...classNames], ...rule.confusion.map((row, i) => [classNames[i]!, ...row.map(String)])];
  return table(rows);
}

/** `3/5 es` (epoch 3 counted, 5 ran, chosen by early stopping on the inner split) or `5 last`. */
function epochCell(fold: FoldMetrics): string {
  const { counted, ran, rule } = fold.epochs;
  return rule === 'last epoch' ? `${counted} last` : `${counted}/${ran} es`;
}

function foldRow(fold: FoldMetrics, classNames: readonly string[]): string[] {
  const m = fold.argmax.minority;
  return [
    foldLabel(fold),
    epochCell(fold),
    `${fold.trainCount}/${fold.validationCount}`,
    f3(fold.objective),
    f3(fold.argmax.balancedAccuracy),
    `${f3(fold.outOfFold.balancedAccuracy)} @${fold.outOfFold.threshold.toFixed(2)}`,
    `${f3(fold.oracle.balancedAccuracy)} @${fold.oracle.threshold.toFixed(2)}`,
    ...classNames.map((name) => f3(fold.argmax.perClassRecall[name] ?? Number.NaN)),
    `${f3(m.precision)}/${f3(m.recall)}/${f3(m.f1)}`,
    f3(fold.rocAuc),
    f3(fold.prAuc),
  ];
}

/** The result table `skewer train` prints: per fold, then mean ± std [95% CI] across folds. */
export function formatTrialResult(result: TrialResult, spec: TrialSpec): string {
  const { classNames, minorityClass, folds } = result;
  const header = [
    'fold',
    'epoch',
    'train/val',
    `obj ${metricLabel(result.metric)}`,
    'bal.acc argmax',
    'bal.acc OOF @thr',
    'bal.acc oracle @thr',
    ...classNames.map((name) => `recall ${name}`),
    `${minorityClass} P/R/F1`,
    'ROC AUC',
    'PR AUC',
  ];
  const minorityF1 = summarize(folds.map((f) => f.argmax.minority.f1), spec.repeats > 1 ? { validationOverTrain: 1 / (spec.folds - 1) } : {});
  const aggregate = [
    [`objective: ${metricId(result.metric)}`, formatSummary(result.objective)],
    ['balanced accuracy (argmax)', formatSummary(result.balancedAccuracy)],
    ['balanced accuracy (out-of-fold threshold)', formatSummary(result.outOfFoldBalancedAccuracy)],
    ['balanced accuracy (oracle: in-fold threshold, optimistic)', formatSummary(result.oracleBalancedAccuracy)],
    ...classNames.map((name) => [`recall ${name}${name === minorityClass ? ' (minority)' : ''}`, formatSummary(result.perClassRecall[name]!)]),
    [`${minorityClass} F1 (argmax)`, formatSummary(minorityF1)],
    ['ROC AUC', formatSummary(result.rocAuc)],
    ['PR AUC (average precision)', formatSummary(result.prAuc)],
    ...(result.pretraining?.linearEvaluation
      ? [
          [`linear evaluation: balanced accuracy (argmax; SimCLR encoder frozen, encoder ${result.pretraining.source})`, formatSummary(result.pretraining.linearEvaluation.balancedAccuracy)],
          ['linear evaluation: balanced accuracy (out-of-fold threshold)', formatSummary(result.pretraining.linearEvaluation.outOfFoldBalancedAccuracy)],
        ]
      : []),
  ];
  return [
    `trial: ${describeSpec(spec)}`,
    `dataset ${spec.dataset.path}; ${crossValidationLabel(spec)}${spec.repeats > 1 ? ` (${folds.length} folds)` : ''}; backend ${result.backend}; ${(result.durationMs / 1000).toFixed(1)} s`,
    '',
    table([header, ...folds.map((fold) => foldRow(fold, classNames))]),
    '',
    `across folds: mean ± std  [95% CI${spec.repeats > 1 ? `, corrected for the ${spec.repeats} repeats' overlap (Nadeau & Bengio)` : ''}]`,
    table(aggregate.map(([name, value]) => [`  ${name}`, value!])),
    '',
    `epoch: the epoch whose predictions were scored (${folds[0]?.epochs.rule === 'last epoch' ? 'the last: no early stopping' : "'es': chosen by early stopping on an inner split of the fold's training part"}).`,
    `OOF: each fold's threshold is tuned (for ${result.finalThreshold.criterion}) on the pooled predictions of the other folds${spec.repeats > 1 ? ' of its repeat' : ''}, never its own.`,
    `oracle: the threshold tuned on the scored fold itself; optimistic, shown for comparison, never ranked on.`,
    `final threshold (retrain/export): ${result.finalThreshold.threshold.toFixed(3)}, tuned on all ${result.finalThreshold.predictions} pooled out-of-fold predictions.`,
    '',
  ].join('\n');
}

/** `skewer train TRIAL.yaml`: k-fold cross-validation of one recipe. */
export const register: RegisterCommand = (program) => {
  program
    .command('train')
    .description('train and judge one recipe (trial spec) by stratified k-fold cross-validation')
    .argument('<trial>', 'trial spec file (YAML or JSON), e.g. configs/trial-demo.yaml')
    .option('--json', 'print one JSON document { spec, result } instead of the table')
    .option('--backend <name>', 'tfjs backend: auto | tensorflow | webgpu | wasm | cpu (overrides the spec)')
    .option('--dataset <path>', 'dataset folder or CSV manifest (overrides the spec)')
    .option('--gpu-memory <GiB>', 'GPU memory a webgpu trial may use (default: nvidia-smi, else 8 GiB)')
    .action(async (file: string, options: { json?: boolean; backend?: string; dataset?: string; gpuMemory?: string }) => {
      const spec = await loadSpecWithOverrides(file, options);
      const started = performance.now();
      const controller = new AbortController();
      const release = abortOnSignal(controller);
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      log(`training ${describeSpec(spec)}`);
      try {
        const result = await runTrial(spec, {
          signal: controller.signal,
          log,
          onProgress: (p) => log(progressLine(p, performance.now() - started, metricLabel(spec.metric))),
        });
        process.stdout.write(options.json ? `${JSON.stringify({ spec, result }, null, 2)}\n` : formatTrialResult(result, spec));
      } catch (error) {
        rethrowAbort(error);
      } finally {
        release();
        // Dawn keeps the process alive while its GPU is referenced.
        releaseBackends();
      }
    });
};
