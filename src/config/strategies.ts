/**
 * How a study searches (sampler) and how patiently (pruner), as the study file writes them: a name
 * (`tpe`) or an object (`{ type: tpe, startupTrials: 10 }`). The schemas live here, beside the
 * study schema, so that an unknown sampler, pruner or option is a zod error with its path when the
 * file is parsed, before anything is stored; src/search builds the strategies from the parsed form.
 *
 * DEFAULT_SAMPLER is the one default of the whole project: the study schema, the programmatic
 * `createStudy` and the README all use it (a test pins them together).
 */
import { z } from 'zod';

export const SAMPLER_NAMES = ['grid', 'random', 'tpe', 'gp'] as const;
export const SamplerNameSchema = z.enum(SAMPLER_NAMES);
export type SamplerName = z.infer<typeof SamplerNameSchema>;

/**
 * The GP, chosen by `npm run bench:search` (README, "Search"): at 50 trials its median simple regret
 * is one to three orders of magnitude below TPE's on Branin and Hartmann-6 and below it on the recipe
 * surface, sequential and with 8 trials in flight. Its cost per ask (tens of ms at 100 trials) is
 * nothing beside one image trial.
 */
export const DEFAULT_SAMPLER: SamplerName = 'gp';

const startupTrials = z.number().int().min(1).max(10_000).optional();

const candidates = z.number().int().min(1).max(10_000);

export const SamplerConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('grid') }),
  z.strictObject({ type: z.literal('random') }),
  z.strictObject({
    type: z.literal('tpe'),
    /** Space-filling proposals before the model is used; default one per searched dimension, 5..10. */
    startupTrials,
    /** Candidates drawn from the good density per proposal (default 24). */
    candidates: candidates.optional(),
    /** Fraction of ranked trials in the "good" group, capped at 25 trials (default 0.1, Optuna's). */
    gamma: z.number().gt(0).max(1).optional(),
    /** Weight of the prior kernel in each density (default 1, Optuna's). */
    priorWeight: z.number().nonnegative().max(1000).optional(),
    /** Kernel bandwidth rule: 'scott' (default) or 'optuna' (Optuna 5's neighbour gaps). */
    bandwidth: z.enum(['scott', 'optuna']).optional(),
    /** Scale of the 'scott' rule (default 0.1). */
    bandwidthMagnitude: z.number().positive().max(10).optional(),
    /** 'optuna' rule: the range's ends bound the outermost kernels' neighbour gaps (default false). */
    considerEndpoints: z.boolean().optional(),
    /** 'optuna' rule: the lower clip range / min(100, n + 2) of the bandwidths (default true). */
    magicClip: z.boolean().optional(),
    /** Conditional parameters: one density per 'group' of co-occurring parameters (default) or one 'joint'. */
    conditional: z.enum(['group', 'joint']).optional(),
    /** Trials in flight count as bad ("above") while they run (default true, Optuna 5's). */
    constantLiar: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('gp'),
    startupTrials,
    /** How asks with trials in flight treat them: kriging 'believer' (default), joint 'qei' (fantasies), or 'penalised' (local penalisation). */
    parallel: z.enum(['believer', 'qei', 'penalised']).optional(),
    /** With trials in flight, every other ask is a local step around the incumbent: 'ucb' (default), 'qei', or false. */
    parallelExploitation: z.union([z.literal(false), z.enum(['ucb', 'qei'])]).optional(),
    /** Kernel on spaces with numeric and categorical dimensions: 'sum-product' (default) or 'product'. */
    kernel: z.enum(['sum-product', 'product']).optional(),
    /** Best observed points used as anchors of local candidates. */
    anchors: z.number().int().min(1).max(1000).optional(),
    /** Acquisition optimiser's budget per ask (defaults 300 / 40 / 4 / 40). */
    acquisition: z
      .strictObject({
        randomCandidates: z.number().int().nonnegative().max(100_000).optional(),
        perturbationsPerAnchor: z.number().int().nonnegative().max(100_000).optional(),
        polishStarts: z.number().int().nonnegative().max(1000).optional(),
        polishIterations: z.number().int().nonnegative().max(10_000).optional(),
      })
      .optional(),
  }),
]);
export type SamplerConfig = z.infer<typeof SamplerConfigSchema>;

export const PrunerConfigSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('asha'),
      /** The first rung's resource (step), e.g. 1 epoch or 1 fold. */
      minResource: z.number().positive(),
      reductionFactor: z.number().min(2, 'reductionFactor must be at least 2 (keep the top half or less at each rung)'),
      /** The full resource of a trial (e.g. folds * epochs); no rung at or above it. */
      maxResource: z.number().positive(),
    })
    .refine((c) => c.maxResource > c.minResource, { path: ['maxResource'], message: 'maxResource must be greater than minResource' }),
  z.strictObject({
    type: z.literal('median'),
    warmupSteps: z.number().int().nonnegative().default(0),
    minTrials: z.number().int().positive().default(5),
  }),
  z.strictObject({ type: z.literal('none') }),
]);
export type PrunerConfig = z.input<typeof PrunerConfigSchema>;
export type ParsedPrunerConfig = z.infer<typeof PrunerConfigSchema>;

/** `'tpe'` or `{ type: 'tpe', … }`, parsed to the object form. */
function strategy<S extends z.ZodType>(schema: S, names: readonly string[]) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? { type: value } : value),
    schema,
    // zod's own message for a bad discriminator lists the names; say what the field is too.
  ).describe(`one of ${names.join(', ')}, or an object with type and options`);
}

export const SamplerFieldSchema = strategy(SamplerConfigSchema, SAMPLER_NAMES);
export const PrunerFieldSchema = strategy(PrunerConfigSchema, ['asha', 'median', 'none']);
