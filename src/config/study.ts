/**
 * A study: what to search (a space over trial spec fields), how (sampler, pruner, direction, seed,
 * trials), over what (a `base` trial spec with the dataset, or a benchmark `objective` function)
 * and how patiently (attempts, lease and heartbeat timings). Unknown keys are errors.
 *
 * The parsed config is stored with the study (KV record / journal), so a resumed study and
 * `skewer status` or export on another machine see exactly what the search ran with.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseConfig, readConfigFile } from './load.ts';
import { MetricSchema } from '../core/metric.ts';
import { NAME_PATTERN, NAME_RULE } from '../core/names.ts';
import { SearchSpaceSchema } from './space.ts';
import { DEFAULT_SAMPLER, PrunerFieldSchema, SamplerFieldSchema } from './strategies.ts';
import { TrialSpecFieldsSchema, type TrialSpecInput } from './trial.ts';

export const ObjectiveSchema = z.strictObject({
  /** A benchmark function of src/search (branin, hartmann6, …). */
  function: z.string().min(1),
  /** Simulated training time per trial, to exercise leases and parallelism. */
  delayMs: z.number().int().min(0).max(3_600_000).default(0),
});

/** Fixed trial spec fields; validated as a partial trial spec but kept as written (no defaults filled). */
const BaseSpecSchema = z.record(z.string(), z.unknown()).superRefine((base, ctx) => {
  const checked = TrialSpecFieldsSchema.partial().safeParse(base);
  if (!checked.success) {
    for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
});

export const StudyConfigSchema = z
  .strictObject({
    name: z.string().regex(NAME_PATTERN, `use ${NAME_RULE}`),
    seed: z.number().int().min(0).default(0),
    /**
     * Refused: the objective owns its direction (an image metric is maximised, a benchmark function
     * says its own). Kept in the schema only to explain that, instead of "unrecognized key".
     */
    direction: z.unknown().optional(),
    /** An image study's metric (default balancedAccuracy), averaged over the folds; always maximised. */
    metric: MetricSchema.optional(),
    /** How many trials the study runs in total. */
    trials: z.number().int().min(1).max(100_000),
    sampler: SamplerFieldSchema.default({ type: DEFAULT_SAMPLER }),
    pruner: PrunerFieldSchema.default({ type: 'none' }),
    space: SearchSpaceSchema,
    base: BaseSpecSchema.optional(),
    objective: ObjectiveSchema.optional(),
    /**
     * Real failures of one trial (its run failed: a crash, an error worth retrying) before it fails
     * with the history of its attempts. Vanishings do not count here (see maxVanishings).
     */
    maxAttempts: z.number().int().min(1).max(100).default(3),
    /**
     * Vanishings of one trial tolerated on top: its agent was lost (killed, machine gone), its lease
     * expired, it was handed back or interrupted. One more fails the trial with its history.
     */
    maxVanishings: z.number().int().min(0).max(1_000).default(10),
    /** A trial whose agent stops renewing its lease for this long is redelivered. */
    ackWaitMs: z.number().int().min(200).default(30_000),
    /** Base of the nak backoff after a retryable failure (doubles per attempt). */
    retryDelayMs: z.number().int().min(0).default(1_000),
    /** How often agents say they are alive, and after how long without a word they count as lost. */
    heartbeatMs: z.number().int().min(50).default(2_000),
    agentLostMs: z.number().int().min(100).default(10_000),
    /** Trials queued or running at once; default: the live agents' free slots plus one. */
    parallelism: z.number().int().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    const hasDataset = config.base !== undefined && 'dataset' in config.base;
    if (config.objective && hasDataset) {
      ctx.addIssue({ code: 'custom', path: ['objective'], message: 'give either objective (a benchmark function) or base.dataset, not both' });
    }
    if (!config.objective && !hasDataset) {
      ctx.addIssue({ code: 'custom', path: ['base', 'dataset'], message: 'a study needs base.dataset.path (images to train on) or an objective function' });
    }
    if (config.direction !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['direction'],
        message: config.objective
          ? `remove it: objective '${config.objective.function}' says its own direction (benchmark functions are minimised)`
          : 'remove it: an image study always maximises its metric (balanced accuracy by default); ' +
            'to optimise something else, name it with metric: (minorityF1, prAuc, rocAuc, { name: minorityRecallAtPrecision, precision: 0.9 })',
      });
    }
    if (config.objective && config.metric) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: 'a benchmark objective study has no image metric: its value is the function' });
    }
    if (config.base && 'metric' in config.base) {
      ctx.addIssue({ code: 'custom', path: ['base', 'metric'], message: 'name the metric at the top of the study (metric:), not in base' });
    }
    if (config.agentLostMs <= config.heartbeatMs) {
      ctx.addIssue({ code: 'custom', path: ['agentLostMs'], message: `must exceed heartbeatMs (${config.heartbeatMs})` });
    }
  });

export type StudyConfig = Omit<z.infer<typeof StudyConfigSchema>, 'direction'>;
export type StudyConfigInput = z.input<typeof StudyConfigSchema>;
export type Objective = z.infer<typeof ObjectiveSchema>;

/** The fixed trial spec fields of a dataset study, for `specFromParams`. */
/**
 * Deliveries of one trial the work queue allows (JetStream's max_deliver): every redelivery counts
 * there, vanishings and failures alike, so it must cover both bounds or the queue would give up first.
 */
export function queueDeliveriesOf(config: Pick<StudyConfig, 'maxAttempts' | 'maxVanishings'>): number {
  return config.maxAttempts + config.maxVanishings;
}

export function baseSpecOf(config: StudyConfig): Partial<TrialSpecInput> {
  return (config.base ?? {}) as Partial<TrialSpecInput>;
}

export function parseStudyConfig(value: unknown, source = 'study config'): StudyConfig {
  const { direction: _refused, ...config } = parseConfig(StudyConfigSchema, value, source, 'Fix the fields named above; configs/function-demo.yaml is a small complete study.');
  return config;
}

/**
 * A config stored with a study by an earlier skewer, which filled in `direction` itself (always
 * 'maximize' unless written): the objective owns the direction now, so the stored field is dropped.
 */
export function parseStoredStudyConfig(value: unknown, source: string): StudyConfig {
  const { direction: _legacy, ...rest } = (value ?? {}) as Record<string, unknown>;
  return parseStudyConfig(rest, source);
}

/**
 * Loads a study file; a relative `base.dataset.path` (and `base.weights.path`) is resolved against
 * the file's folder, so a study runs the same from any working directory.
 */
export async function loadStudyConfig(file: string): Promise<StudyConfig> {
  const config = parseStudyConfig(await readConfigFile(file), file);
  if (!config.base) return config;
  const dir = path.dirname(path.resolve(file));
  const base: Record<string, unknown> = { ...config.base };
  for (const field of ['dataset', 'weights']) {
    const entry = base[field] as { path?: unknown } | null | undefined;
    if (entry && typeof entry.path === 'string') base[field] = { ...entry, path: path.resolve(dir, entry.path) };
  }
  return { ...config, base };
}
