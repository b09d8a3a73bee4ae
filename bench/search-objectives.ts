/**
 * Objectives of the search benchmark: Branin (2-D), Hartmann-6 (6-D), and a synthetic response
 * surface over the seed's recipe space (configs/recipe-space.yaml) with a known optimum.
 * Each objective states its direction and optimum so simple regret = |best found - optimum|.
 */
import type { Params } from '../src/core/trial.ts';
import type { SearchSpace } from '../src/config/space.ts';
import { OBJECTIVE_FUNCTIONS, evaluateObjective } from '../src/objectives/index.ts';
import { RECIPE_HARD_SPACE, recipeHardArgmax, recipeHardResponse } from './search-recipe-hard.ts';

export interface Objective {
  readonly name: string;
  readonly space: SearchSpace;
  readonly direction: 'minimize' | 'maximize';
  readonly optimum: number;
  readonly evaluate: (params: Params) => number;
  /** A space with grid `values`, when a grid search is meaningful for this objective. */
  readonly gridSpace?: SearchSpace;
}

const num = (params: Params, name: string): number => params[name] as number;

/** The textbook functions from src/search/objectives.ts (what agents run), adapted to this harness. */
function fromSearchObjective(name: 'branin' | 'hartmann6', gridSpace?: SearchSpace): Objective {
  const fn = OBJECTIVE_FUNCTIONS[name]!;
  return {
    name,
    space: fn.space,
    ...(gridSpace ? { gridSpace } : {}),
    direction: fn.direction,
    optimum: fn.optimum,
    evaluate: (p) => evaluateObjective(name, p),
  };
}

const linspace = (low: number, high: number, n: number): number[] => Array.from({ length: n }, (_, i) => low + ((high - low) * i) / (n - 1));

/** Branin, with a 10 x 10 grid for the grid sampler (100 points = the trial budget). */
export const BRANIN = fromSearchObjective('branin', {
  x1: { type: 'float', low: -5, high: 10, values: linspace(-5, 10, 10) },
  x2: { type: 'float', low: 0, high: 15, values: linspace(0, 15, 10) },
});

export const HARTMANN6 = fromSearchObjective('hartmann6');

/**
 * A made-up but plausible response of balanced accuracy to the recipe, with interactions a
 * real search would face: the best minorityWeight depends on the sampling strategy (balanced
 * sampling already corrects the prior), the best resolution on the backbone, CutMix and MixUp only
 * help with a well-chosen alpha (conditional parameters), learning rate is log-quadratic.
 */
const SAMPLING: Record<string, { bonus: number; bestWeight: number }> = {
  none: { bonus: -0.02, bestWeight: 20 },
  undersample: { bonus: -0.03, bestWeight: 1.5 },
  'undersample-per-epoch': { bonus: 0.0, bestWeight: 2 },
  oversample: { bonus: -0.01, bestWeight: 3 },
  'balanced-batch': { bonus: 0.01, bestWeight: 1.5 },
};
const BACKBONE: Record<string, { bonus: number; bestResolution: number; bestLearningRate: number }> = {
  densenet121: { bonus: 0, bestResolution: 384, bestLearningRate: 1e-3 },
  densenet201: { bonus: 0.01, bestResolution: 448, bestLearningRate: 5e-4 },
  efficientnetb3: { bonus: 0.02, bestResolution: 520, bestLearningRate: 3e-4 },
};
const AUGMENTATION: Record<string, number> = {
  none: -0.03,
  'hflip+vflip': 0,
  'hflip+vflip+rot90': 0.01,
  cutmix: 0.015,
  mixup: 0.005,
  augmix: 0.015,
  'hflip+vflip+cutmix': 0.03,
  'hflip+vflip+mixup': 0.02,
};
const BATCH: Record<string, number> = { '8': -0.005, '16': 0.005, '32': 0 };

export function recipeResponse(p: Params): number {
  const sampling = SAMPLING[String(p.samplingStrategy)]!;
  const backbone = BACKBONE[String(p.backbone)]!;
  const augmentation = String(p.augmentation);
  let value = 0.85 + sampling.bonus + backbone.bonus + AUGMENTATION[augmentation]! + BATCH[String(p.batchSize)]!;
  value -= 0.04 * Math.log(num(p, 'minorityWeight') / sampling.bestWeight) ** 2;
  value -= 0.08 * ((num(p, 'resolution') - backbone.bestResolution) / 344) ** 2 * 4;
  value -= 0.03 * Math.log10(num(p, 'learningRate') / backbone.bestLearningRate) ** 2;
  if (p.cutmixAlpha !== undefined) value -= 0.04 * (num(p, 'cutmixAlpha') - 1) ** 2;
  if (p.mixupAlpha !== undefined) value -= 0.1 * (num(p, 'mixupAlpha') - 0.3) ** 2;
  return value;
}

/** The argmax, by construction: every term at its best. */
export const RECIPE_OPTIMUM_PARAMS: Params = {
  samplingStrategy: 'balanced-batch',
  augmentation: 'hflip+vflip+cutmix',
  cutmixAlpha: 1,
  backbone: 'efficientnetb3',
  resolution: 520,
  minorityWeight: 1.5,
  learningRate: 3e-4,
  batchSize: 16,
  epochs: 10,
};

export function recipeObjective(space: SearchSpace): Objective {
  return { name: 'recipe', space, gridSpace: space, direction: 'maximize', optimum: recipeResponse(RECIPE_OPTIMUM_PARAMS), evaluate: recipeResponse };
}

/** The harder variant (bench/search-recipe-hard.ts): more levels, conditionals two kinds deep. */
export function recipeHardObjective(): Objective {
  return { name: 'recipe-hard', space: RECIPE_HARD_SPACE, direction: 'maximize', optimum: recipeHardResponse(recipeHardArgmax()), evaluate: recipeHardResponse };
}
