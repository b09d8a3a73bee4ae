/**
 * The trial spec: one training recipe, everything a trainer needs to run and judge it.
 * `skewer train` reads it from YAML; the coordinator builds it from a search space point with
 * `specFromParams`; `skewer export` writes it back out so that `skewer train` accepts it unchanged.
 *
 * The names of backbones, sampling strategies, augmentations, fits, losses and optimizers are
 * spelled here once; src/data takes its types from these lists.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import type { ParamValue, Params } from '../core/trial.ts';
import { FinalPlanSchema } from '../core/final-plan.ts';
import { MetricSchema } from '../core/metric.ts';
import { parseConfig } from './parse.ts';

export const BACKBONE_NAMES = ['small-cnn', 'mobilenetv2', 'densenet121', 'densenet201', 'efficientnetb3'] as const;
export const SAMPLING_NAMES = ['none', 'undersample', 'undersample-per-epoch', 'oversample', 'balanced-batch', 'class-power'] as const;
export const AUGMENTATION_NAMES = ['hflip', 'vflip', 'rot90', 'cutmix', 'mixup', 'augmix', 'crop', 'cutpaste'] as const;
export const FIT_NAMES = ['stretch', 'contain', 'cover'] as const;
export const LOSS_NAMES = ['ce', 'focal', 'logit-adjusted'] as const;
export const OPTIMIZER_NAMES = ['adam', 'sgd', 'rmsprop'] as const;
export const BACKEND_PREFERENCES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

const positive = () => z.number().positive();

const AugmentationOptionsSchema = z.strictObject({
  cutmixAlpha: positive().optional(),
  mixupAlpha: positive().optional(),
  augmixWidth: z.number().int().min(1).optional(),
  augmixDepth: z.number().int().min(-1).max(3).optional(),
  augmixAlpha: positive().optional(),
  augmixSeverity: z.number().min(1).max(10).optional(),
  cropMinArea: z.number().gt(0).max(1).optional(),
  /** CutPaste: largest pasted patch as a fraction of the image area (default 0.1). */
  cutpasteMaxArea: z.number().gt(0).max(0.25).optional(),
  /** Remix (with cutmix / mixup): count ratio from which the label goes to the rarer class (on when set). */
  remixKappa: z.number().min(1).optional(),
  /** Remix: the rarer image's mix weight must reach 1 - remixTau (default 0.5). */
  remixTau: z.number().min(0).max(1).optional(),
});

/**
 * `minorityWeight` = minority weight / majority weight, so >= 1; `auto` = majority count / minority
 * count; `{ effectiveNumber: beta }` = the ratio of Cui et al.'s (1 - beta) / (1 - beta^n) weights.
 */
const MinorityWeightSchema = z.union([z.literal('auto'), z.number(), z.strictObject({ effectiveNumber: z.number().gt(0).lt(1) })]).superRefine((value, ctx) => {
  if (typeof value === 'number' && !(value >= 1 && Number.isFinite(value))) {
    const inverse = value > 0 ? ` (to weight the minority ${+(1 / value).toPrecision(3)}x, write ${+(1 / value).toPrecision(3)})` : '';
    ctx.addIssue({
      code: 'custom',
      message:
        `must be >= 1 or 'auto', got ${value}: it is the minority class weight divided by the majority class weight, ` +
        `so values above 1 magnify the rare class${inverse}`,
    });
  }
});

/**
 * SimCLR pretraining (Chen et al. 2020) of the backbone before the supervised recipe, on the
 * non-holdout images without labels. Defaults are sized for a CPU: the paper's temperature 0.5 and
 * a small projection head; `cropMinArea` keeps a view's crop at least that share of the image so a
 * defect cannot be cut out (1 = no crop).
 */
export const SimclrSchema = z.strictObject({
  method: z.literal('simclr'),
  /** Passes over the non-holdout images (default 10). */
  epochs: z.number().int().min(1).max(10000).default(10),
  /** NT-Xent temperature tau (default 0.5). */
  temperature: z.number().gt(0).max(10).default(0.5),
  /** Output size of the projection head (discarded after pretraining; default 64). */
  projectionDim: z.number().int().min(2).max(4096).default(64),
  /** Images per batch; each gives two views, so 2 x batchSize rows per step (default 32). */
  batchSize: z.number().int().min(2).max(4096).default(32),
  /** Adam learning rate (default 1e-3). */
  learningRate: z.number().positive().max(10).default(1e-3),
  /** Smallest share of the image area a view's random crop keeps (default 0.85; 1 = no crop). */
  cropMinArea: z.number().min(0.5).max(1).default(0.85),
  /** Colour jitter strength: brightness, contrast and saturation drawn in 1 +- strength (default 0.4; 0 = off). */
  colorJitter: z.number().min(0).max(1).default(0.4),
});
export type SimclrSettings = z.infer<typeof SimclrSchema>;

/** `none`, `simclr` (with the defaults) or `{ method: simclr, ... }`; always parsed to the object form. */
export const PretrainingSchema = z.union([
  z.literal('none').transform(() => ({ method: 'none' as const })),
  z.literal('simclr').transform(() => SimclrSchema.parse({ method: 'simclr' })),
  z.strictObject({ method: z.literal('none') }),
  SimclrSchema,
]);
export type Pretraining = z.infer<typeof PretrainingSchema>;
export const PRETRAINING_NAMES = ['none', 'simclr'] as const;

/** Search parameters for the SimCLR settings (`pretrainingEpochs` -> `pretraining.epochs`, ...). */
export const PRETRAINING_PARAMS: Readonly<Record<string, keyof Omit<SimclrSettings, 'method'>>> = {
  pretrainingEpochs: 'epochs',
  pretrainingTemperature: 'temperature',
  pretrainingProjectionDim: 'projectionDim',
  pretrainingBatchSize: 'batchSize',
  pretrainingLearningRate: 'learningRate',
  pretrainingCropMinArea: 'cropMinArea',
  pretrainingColorJitter: 'colorJitter',
};

/** The fields alone (partial base specs of a study are checked against this). */
export const TrialSpecFieldsSchema = z.strictObject({
  dataset: z.strictObject({
    /** Folder-per-class directory or CSV manifest. */
    path: z.string().min(1),
    /** The rare class by name; inferred from counts when absent. */
    minorityClass: z.string().min(1).optional(),
  }),
  seed: z.number().int().min(0).default(0),
  folds: z.number().int().min(2).max(20).default(3),
  /**
   * Repeated stratified k-fold: the k folds are drawn this many times from differently seeded
   * shuffles of the same non-holdout images (the first draw is the plain k-fold of `seed`), every
   * fold of every repeat is trained, and the trial's figures are over all folds x repeats. Each
   * fold's out-of-fold threshold is tuned on the other folds of its own repeat. With few minority
   * images one k-fold's figure moves by points with the seed alone, so a search that ranks on one
   * draw picks lucky splits; repeats cost repeats x the training.
   */
  repeats: z.number().int().min(1).max(10).default(1),
  /**
   * Sealed balanced holdout, the same number of images per class: a whole number of images per
   * class, or a fraction (< 1) of the minority count held out from each class; 0 = none.
   */
  holdout: z
    .number()
    .min(0)
    .refine((v) => v < 1 || Number.isInteger(v), { message: 'a whole number of images per class, or a fraction below 1 of the minority count' })
    .default(0.2),
  backbone: z.enum(BACKBONE_NAMES).default('small-cnn'),
  resolution: z.number().int().min(32).max(1024).default(64),
  fit: z.enum(FIT_NAMES).default('stretch'),
  sampling: z.enum(SAMPLING_NAMES).default('none'),
  /** For `oversample`: target minority/majority ratio after repetition (the data side's default when absent). */
  oversampleRatio: z.number().gt(0).max(1).optional(),
  augmentations: z.array(z.enum(AUGMENTATION_NAMES)).default([]),
  augmentationOptions: AugmentationOptionsSchema.default({}),
  loss: z.enum(LOSS_NAMES).default('ce'),
  minorityWeight: MinorityWeightSchema.default(1),
  /** Focal loss focusing parameter (used when loss is `focal`). */
  focalGamma: z.number().min(0).max(10).default(2),
  /** Logit adjustment strength (used when loss is `logit-adjusted`). */
  logitTau: z.number().min(0).max(5).default(1),
  /** Label smoothing: targets y (1 - e) + e / classes (0 = off). */
  labelSmoothing: z.number().min(0).lt(1).default(0),
  /**
   * Deferred re-balancing (DRW / DRS): the fraction of the epochs trained with natural sampling and
   * unit class weights, after which `sampling` and `minorityWeight` switch on; null = from the start.
   */
  rebalanceFrom: z.number().min(0).max(1).nullable().default(null),
  /** For `class-power` sampling: class drawn with probability ~ count^(1 - q) (0 natural, 0.5 square-root, 1 balanced). */
  samplingQ: z.number().min(0).max(1).default(0.5),
  /** Weight of the AugMix Jensen-Shannon consistency term (used when `augmix` is on). */
  augmixJsdWeight: z.number().min(0).default(12),
  optimizer: z.enum(OPTIMIZER_NAMES).default('adam'),
  learningRate: z.number().positive().max(10).default(1e-3),
  /** Decoupled weight decay (AdamW-style): kernels *= 1 - learningRate * weightDecay after each step. */
  weightDecay: z.number().min(0).max(1).default(0),
  /** Max-norm of each class's head weight vector, enforced after each step; null = none. */
  headMaxNorm: z.number().positive().nullable().default(null),
  /** tau-normalisation of the trained head (Kang et al. 2020): w_c / ||w_c||^tau; 0 = off. */
  headTauNorm: z.number().min(0).max(2).default(0),
  /**
   * Weight averaging (model EMA, Polyak averaging): after every step of the main stage a shadow of
   * each weight that trains moves as d * shadow + (1 - d) * weight, d = min(weightEma, (1 + n) / (10 + n))
   * at step n; validation predictions and the finished model use the shadows (cRT then retrains the
   * averaged network's head). 0 = off; 0.99 averages over about the last 100 steps.
   */
  weightEma: z.number().min(0).lt(1).default(0),
  /**
   * cRT (Kang et al. 2020): after the epochs, `epochs` more of the head alone on balanced batches,
   * the backbone frozen (inference mode); starts from the learned head. null = no second stage.
   */
  classifierRetrain: z.strictObject({ epochs: z.number().int().min(1).max(1000) }).nullable().default(null),
  batchSize: z.number().int().min(1).max(4096).default(16),
  epochs: z.number().int().min(1).max(10000).default(10),
  /**
   * Stop a fold's training when `metric` has not gained more than `minDelta` for `patience` epochs
   * on an INNER validation split: `validationFraction` of each class of the fold's training part
   * (seeded), held out from fitting. The scored validation fold never chooses the epoch; it is
   * scored on the epoch the inner split chose.
   */
  earlyStopping: z
    .strictObject({
      patience: z.number().int().min(1),
      minDelta: z.number().min(0).default(0),
      validationFraction: z.number().gt(0).max(0.5).default(0.2),
    })
    .nullable()
    .default(null),
  dropout: z.number().min(0).lt(1).default(0.2),
  /**
   * What the trial's value is: this metric on each validation fold, averaged over the folds (all
   * maximised). Early stopping monitors it too. An image study sets it from its own `metric`.
   */
  metric: MetricSchema.default({ name: 'balancedAccuracy' }),
  /** Pretrained backbone weights: a local tfjs model directory or model.json. */
  weights: z.strictObject({ path: z.string().min(1) }).nullable().default(null),
  /**
   * Self-supervised pretraining of the backbone before the supervised recipe starts from it:
   * `none` (default) or SimCLR (see SimclrSchema). The result then also reports the linear
   * evaluation protocol (the pretrained encoder frozen, a logistic head over the same folds).
   */
  pretraining: PretrainingSchema.default({ method: 'none' }),
  /** Backbone layers frozen from the input side (0 = train everything, 'all' = the whole backbone). */
  freeze: z.union([z.number().int().min(0), z.literal('all')]).default(0),
  /** Byte budget of the decoded-image cache. */
  cacheBytes: z.number().int().min(0).default(256 * 1024 * 1024),
  backend: z.enum(BACKEND_PREFERENCES).default('auto'),
  /**
   * The final model's threshold and epochs, fixed by cross-validation (written by `skewer export`
   * from the winning trial's result, see `finalPlanOf`). `skewer retrain` uses them; without them
   * it runs the cross-validation first. Ignored by `skewer train`.
   */
  final: FinalPlanSchema.optional(),
  /** Where the recipe came from (study, trial, metrics): written by export, ignored by training. */
  provenance: z.record(z.string(), z.unknown()).optional(),
});

export const TrialSpecSchema = TrialSpecFieldsSchema.superRefine((spec, ctx) => {
  if (spec.classifierRetrain && spec.earlyStopping) {
    ctx.addIssue({
      code: 'custom',
      path: ['classifierRetrain'],
      message: 'cannot be combined with earlyStopping: the second stage starts from the last epoch, not the one early stopping chose; set one of them to null',
    });
  }
});

export type TrialSpec = z.infer<typeof TrialSpecSchema>;
export type TrialSpecInput = z.input<typeof TrialSpecSchema>;

/** How many folds a trial trains: folds x repeats (a spec stored before repeats existed has one). */
export function foldRunCount(spec: Pick<TrialSpec, 'folds'> & { repeats?: number }): number {
  return spec.folds * (spec.repeats ?? 1);
}

/** `3-fold`, or `3-fold x 2 repeats` for repeated k-fold. */
export function crossValidationLabel(spec: Pick<TrialSpec, 'folds'> & { repeats?: number }): string {
  const repeats = spec.repeats ?? 1;
  return repeats > 1 ? `${spec.folds}-fold x ${repeats} repeats` : `${spec.folds}-fold`;
}

/** Parses a trial spec from any object (YAML, JSON, a message); errors name the field path. */
export function parseTrialSpec(value: unknown, source = 'trial spec'): TrialSpec {
  return parseConfig(TrialSpecSchema, value, source, 'Fix the fields named above; configs/trial-demo.yaml is a complete trial spec.');
}

/** Search-space parameters that land in `augmentationOptions`. */
const AUGMENTATION_OPTION_PARAMS = new Set(Object.keys(AugmentationOptionsSchema.shape));

/** Search-space parameters copied onto the spec field of the same name. */
const DIRECT_PARAMS = new Set([
  'seed', 'folds', 'repeats', 'holdout', 'backbone', 'resolution', 'fit', 'sampling', 'oversampleRatio', 'loss',
  'minorityWeight', 'focalGamma', 'logitTau', 'augmixJsdWeight', 'optimizer', 'learningRate', 'batchSize',
  'epochs', 'dropout', 'freeze', 'cacheBytes', 'backend', 'minorityClass', 'labelSmoothing', 'rebalanceFrom',
  'samplingQ', 'weightDecay', 'headMaxNorm', 'headTauNorm', 'weightEma',
]);

/** `"hflip+vflip"` (or `,` / space separated, or `none`) -> `['hflip', 'vflip']`. */
export function parseAugmentationList(value: ParamValue): string[] {
  const text = String(value).trim();
  if (text === '' || text === 'none') return [];
  return text.split(/[+,\s]+/).filter(Boolean);
}

/** The inverse of `parseAugmentationList`, for search spaces and export. */
export function formatAugmentationList(names: readonly string[]): string {
  return names.length ? names.join('+') : 'none';
}

/**
 * Maps a flat search-space point onto a trial spec, over `base` (dataset, seed and fixed fields
 * from the study config). Parameter names are spec fields, plus:
 * - `samplingStrategy`: the same as `sampling`;
 * - `augmentation` / `augmentations`: `"hflip+vflip"` or `none`;
 * - `cutmixAlpha`, `mixupAlpha`, `augmix*`, `cropMinArea`: into `augmentationOptions`;
 * - `earlyStoppingPatience` (0 = off), `earlyStoppingMinDelta`: into `earlyStopping` (when on);
 * - `weights`: a path, or `none`; `minorityClass`: into `dataset`;
 * - `effectiveNumberBeta`: `minorityWeight: { effectiveNumber: beta }`;
 * - `classifierRetrainEpochs` (0 = off): `classifierRetrain: { epochs }`;
 * - `rebalanceFrom`, `headMaxNorm`: the value `none` means null (off).
 * An unknown name is a ConfigError naming it; bad values fail the schema with the field path.
 */
export function specFromParams(base: Partial<TrialSpecInput>, params: Params): TrialSpec {
  const spec: Record<string, unknown> = structuredClone(base);
  const augmentationOptions: Record<string, unknown> = { ...(base.augmentationOptions ?? {}) };
  let patience: ParamValue | undefined;
  let minDelta: ParamValue | undefined;
  let pretraining: ParamValue | undefined;
  const pretrainingSettings: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(params)) {
    if (name === 'samplingStrategy') {
      spec.sampling = value;
    } else if (name === 'minorityClass') {
      spec.dataset = { ...(spec.dataset as object | undefined), minorityClass: value };
    } else if ((name === 'rebalanceFrom' || name === 'headMaxNorm') && value === 'none') {
      spec[name] = null;
    } else if (DIRECT_PARAMS.has(name)) {
      spec[name] = value;
    } else if (name === 'effectiveNumberBeta') {
      spec.minorityWeight = { effectiveNumber: value };
    } else if (name === 'classifierRetrainEpochs') {
      spec.classifierRetrain = value === 0 || value === 'none' ? null : { epochs: value };
    } else if (name === 'augmentation' || name === 'augmentations') {
      spec.augmentations = parseAugmentationList(value);
    } else if (AUGMENTATION_OPTION_PARAMS.has(name)) {
      augmentationOptions[name] = value;
    } else if (name === 'earlyStoppingPatience') {
      patience = value;
    } else if (name === 'earlyStoppingMinDelta') {
      minDelta = value;
    } else if (name === 'pretraining') {
      pretraining = value;
    } else if (name in PRETRAINING_PARAMS) {
      pretrainingSettings[PRETRAINING_PARAMS[name]!] = value;
    } else if (name === 'weights') {
      spec.weights = value === 'none' || value === false ? null : { path: String(value) };
    } else {
      throw new ConfigError(`unknown search parameter '${name}'`, {
        where: `params.${name}`,
        hint:
          `Search parameters are trial spec fields (${[...DIRECT_PARAMS].join(', ')}), samplingStrategy, augmentation, ` +
          `${[...AUGMENTATION_OPTION_PARAMS].join(', ')}, effectiveNumberBeta, classifierRetrainEpochs, earlyStoppingPatience, earlyStoppingMinDelta, ` +
          `pretraining (${PRETRAINING_NAMES.join(' | ')}), ${Object.keys(PRETRAINING_PARAMS).join(', ')} or weights.`,
      });
    }
  }
  if (Object.keys(augmentationOptions).length) spec.augmentationOptions = augmentationOptions;
  if (pretraining !== undefined || Object.keys(pretrainingSettings).length) {
    spec.pretraining = pretrainingFromParams(base.pretraining, pretraining, pretrainingSettings);
  }
  if (patience !== undefined || minDelta !== undefined) {
    const current = base.earlyStopping ? { ...base.earlyStopping } : undefined;
    // minDelta alone only tunes an early stopping that is on (in the base); patience 0 turns it off.
    if (patience === 0) spec.earlyStopping = null;
    else if (patience !== undefined || current) {
      spec.earlyStopping = { minDelta: 0, ...current, ...(patience !== undefined && { patience }), ...(minDelta !== undefined && { minDelta }) };
    }
  }
  return parseConfig(TrialSpecSchema, spec, 'trial params', 'Check the search space: each parameter must be a valid value of its trial spec field.');
}

/**
 * `pretraining` and its settings from a search point: `none` turns it off (the settings are then
 * inactive, as `when:` would make them); `simclr` or settings alone (over a SimCLR base) give the
 * SimCLR object.
 */
function pretrainingFromParams(base: TrialSpecInput['pretraining'], method: ParamValue | undefined, settings: Record<string, ParamValue>): unknown {
  const baseMethod = base === undefined ? 'none' : typeof base === 'string' ? base : base.method;
  const chosen = method ?? baseMethod;
  if (chosen === 'none') return 'none';
  if (chosen !== 'simclr') return chosen; // the schema names the bad value
  const over = typeof base === 'object' && base.method === 'simclr' ? base : { method: 'simclr' as const };
  return { ...over, ...settings };
}
