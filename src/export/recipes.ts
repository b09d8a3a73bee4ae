/**
 * Export of a study's best recipes as trial specs that `skewer train` / `skewer retrain` accept
 * unchanged: the exact spec the trial ran (defaults filled in), its `final` plan (the out-of-fold
 * threshold and the epochs its folds chose, which retrain uses), plus a `provenance` field, which
 * the trial spec schema accepts and training ignores, with the params, per-fold and aggregate
 * metrics, seeds, dataset hash, skewer version, backend and the search that produced it.
 *
 * `--top K` writes K files, one recipe each, ranked: `best.yaml` -> `best-1.yaml` … `best-K.yaml`,
 * so each file goes to `skewer train` as it is. Without an output file the recipes go to stdout
 * (several as a YAML multi-document stream or a JSON array).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { parseConfig } from '../config/load.ts';
import { TrialSpecSchema, type TrialSpec } from '../config/trial.ts';
import { openStudyReader, rankComplete, valueNameOf, type StoredTrial, type StudyReader, type StudyReaderTarget } from '../coordinator/index.ts';
import { UserError } from '../core/errors.ts';
import { finalPlanOf } from '../core/final-plan.ts';
import type { FoldMetrics, Summary, TrialResult } from '../core/result.ts';

export type ExportFormat = 'yaml' | 'json';

export interface ExportOptions {
  readonly reader: StudyReader;
  /** How many recipes, best first (default 1). */
  readonly top?: number;
  /** The skewer version to record (default: this package's). */
  readonly skewerVersion?: string;
  /** Wall clock for `exportedAt`. */
  readonly now?: () => number;
  /** Content hash of a dataset folder; default: scan the local copy (undefined when it is not here). */
  readonly datasetHash?: (datasetPath: string) => Promise<string | undefined>;
}

export interface ExportedRecipe {
  readonly rank: number;
  readonly trial: StoredTrial;
  /** The trial spec with its provenance, validated by TrialSpecSchema. */
  readonly spec: TrialSpec;
}

export function skewerVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The dataset's content hash from the local copy (the same hash agents cache datasets under). */
export async function localDatasetHash(datasetPath: string): Promise<string | undefined> {
  const { scanDataset } = await import('../data/index.ts');
  try {
    return (await scanDataset(datasetPath)).hash;
  } catch (error) {
    // Exporting from a machine without the dataset is legitimate: the hash is then left out.
    if (error instanceof UserError) return undefined;
    throw error;
  }
}

const round = (value: number): number => (Number.isFinite(value) ? Number(value.toFixed(6)) : value);

function summary(s: Summary): Record<string, unknown> {
  return { mean: round(s.mean), std: round(s.std), ci95: s.ci95.map(round), n: s.n };
}

function foldMetrics(fold: FoldMetrics): Record<string, unknown> {
  return {
    fold: fold.fold,
    balancedAccuracy: round(fold.argmax.balancedAccuracy),
    perClassRecall: Object.fromEntries(Object.entries(fold.argmax.perClassRecall).map(([name, v]) => [name, round(v)])),
    confusion: fold.argmax.confusion,
    objective: round(fold.objective),
    outOfFold: { balancedAccuracy: round(fold.outOfFold.balancedAccuracy), threshold: round(fold.outOfFold.threshold) },
    oracle: { balancedAccuracy: round(fold.oracle.balancedAccuracy), threshold: round(fold.oracle.threshold) },
    rocAuc: round(fold.rocAuc),
    prAuc: round(fold.prAuc),
    epochs: fold.epochs,
    trainCount: fold.trainCount,
    validationCount: fold.validationCount,
  };
}

function metrics(result: TrialResult): Record<string, unknown> {
  return {
    classNames: result.classNames,
    minorityClass: result.minorityClass,
    balancedAccuracy: summary(result.balancedAccuracy),
    metric: result.metric,
    objective: summary(result.objective),
    outOfFoldBalancedAccuracy: summary(result.outOfFoldBalancedAccuracy),
    oracleBalancedAccuracy: summary(result.oracleBalancedAccuracy),
    finalThreshold: result.finalThreshold,
    perClassRecall: Object.fromEntries(Object.entries(result.perClassRecall).map(([name, s]) => [name, summary(s)])),
    rocAuc: summary(result.rocAuc),
    prAuc: summary(result.prAuc),
    durationMs: result.durationMs,
    folds: result.folds.map(foldMetrics),
  };
}

/** The best `top` recipes of a study, each a validated trial spec with its provenance. */
export async function exportRecipes(options: ExportOptions): Promise<ExportedRecipe[]> {
  const { reader } = options;
  const config = reader.config();
  const top = options.top ?? 1;
  if (!Number.isInteger(top) || top < 1) throw new UserError(`--top must be a whole number >= 1, got ${top}`, { where: '--top' });
  if (config.objective) {
    throw new UserError(`study ${reader.name} optimises the benchmark function '${config.objective.function}': it has no training recipe to export`, {
      hint: 'Export works on studies over a dataset (base.dataset); `skewer status` shows a function study\'s best params.',
    });
  }
  const ranked = rankComplete(await reader.trials(), reader.direction);
  const value = valueNameOf(config);
  if (ranked.length === 0) {
    throw new UserError(`study ${reader.name} has no completed trial yet`, {
      hint: 'Wait for a trial to complete (`skewer status` shows where the study stands), then export again.',
    });
  }
  const version = options.skewerVersion ?? skewerVersion();
  const hashOf = options.datasetHash ?? localDatasetHash;
  const hashes = new Map<string, string | undefined>();
  const exportedAt = new Date((options.now ?? Date.now)()).toISOString();
  const out: ExportedRecipe[] = [];
  for (const [index, trial] of ranked.slice(0, top).entries()) {
    if (trial.work?.kind !== 'training') continue;
    const spec = trial.work.spec;
    if (!hashes.has(spec.dataset.path)) hashes.set(spec.dataset.path, await hashOf(spec.dataset.path));
    const hash = hashes.get(spec.dataset.path);
    const lastAttempt = trial.attempts.at(-1);
    const provenance = {
      exportedAt,
      skewerVersion: version,
      search: {
        study: reader.name,
        sampler: config.sampler,
        pruner: config.pruner,
        metric: value.id,
        seed: config.seed,
        trials: config.trials,
        trialNumber: trial.number,
        trialId: trial.id,
        rank: index + 1,
        ...(lastAttempt ? { agent: lastAttempt.agent, attempts: trial.attempts.length } : {}),
      },
      params: trial.params,
      seed: spec.seed,
      dataset: { path: spec.dataset.path, ...(hash ? { hash } : { hash: null, note: 'dataset not readable where this was exported' }) },
      backend: trial.result?.backend ?? 'unknown',
      objective: { metric: value.id, value: trial.value },
      ...(trial.result ? { metrics: metrics(trial.result) } : {}),
    };
    const { provenance: _old, final: _stale, ...bare } = spec;
    // The final model's threshold and epochs, fixed from this trial's cross-validation before any
    // holdout is seen: retrain uses them as they are instead of running the folds again.
    const final = trial.result ? finalPlanOf(trial.result, `study ${reader.name} trial #${trial.number}`) : undefined;
    const checked = parseConfig(TrialSpecSchema, { ...bare, ...(final && { final }), provenance }, `export of trial #${trial.number}`);
    out.push({ rank: index + 1, trial, spec: checked });
  }
  return out;
}

/** The text of one recipe in a format `skewer train` reads. */
export function formatRecipe(spec: TrialSpec, format: ExportFormat): string {
  if (format === 'json') return `${JSON.stringify(spec, null, 2)}\n`;
  return stringifyYaml(spec, { lineWidth: 0 });
}

/** `best.yaml` and rank 2 of 3 -> `best-2.yaml`; a single recipe keeps the name as given. */
export function recipeFileName(out: string, rank: number, count: number): string {
  if (count === 1) return out;
  const ext = path.extname(out);
  return `${out.slice(0, out.length - ext.length)}-${rank}${ext}`;
}

/** Writes the recipes to `out` (one file each) and returns the files written. */
export async function writeRecipes(recipes: readonly ExportedRecipe[], out: string, format: ExportFormat): Promise<string[]> {
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  const files: string[] = [];
  for (const recipe of recipes) {
    const file = recipeFileName(out, recipe.rank, recipes.length);
    await writeFile(file, formatRecipe(recipe.spec, format));
    files.push(file);
  }
  return files;
}

/** All recipes as one text for stdout: a YAML multi-document stream or a JSON array when several. */
export function formatRecipes(recipes: readonly ExportedRecipe[], format: ExportFormat): string {
  if (recipes.length === 1) return formatRecipe(recipes[0]!.spec, format);
  if (format === 'json') return `${JSON.stringify(recipes.map((r) => r.spec), null, 2)}\n`;
  return recipes.map((r) => formatRecipe(r.spec, 'yaml')).join('---\n');
}

/**
 * What `e` in the TUI (and `skewer export` with defaults) does: the study's best recipe to
 * `<dir>/<study>-best.yaml`. Resolves to a one-line message naming the file.
 */
export async function exportBestToFile(reader: StudyReader, file: string, format: ExportFormat = 'yaml'): Promise<string> {
  const [best] = await exportRecipes({ reader });
  const [written] = await writeRecipes([best!], file, format);
  const label = valueNameOf(reader.config()).label;
  return `exported trial #${best!.trial.number} (${label} ${best!.trial.value?.toFixed(3) ?? '—'}) to ${written}`;
}

/**
 * The `e` key of `skewer search` / `skewer ui`: opens the study read-only (embedded journal under
 * `root`, or the given transport), writes its best recipe to `file`, and says what it wrote.
 */
export async function exportStudyBest(target: StudyReaderTarget, file: string, format: ExportFormat = 'yaml'): Promise<string> {
  return exportBestToFile(await openStudyReader(target), file, format);
}
