/**
 * The harder recipe surface of bench:search: more categorical levels (8 backbones, 5 losses, 4
 * optimisers, 4 schedules, 8 augmentations, 4 batch sizes), conditional parameters two kinds deep
 * (the loss decides whether minorityWeight, focalGamma or logitTau exist; the optimiser whether
 * momentum or weightDecay does; the schedule whether warmupEpochs does; the augmentation whether
 * cutmixAlpha or mixupAlpha does), an integer epoch count, and interactions across branches: the
 * best learning rate moves with backbone and optimiser, the best resolution with the backbone, the
 * best minority weight with the sampling strategy and loss, the best epoch count with the schedule.
 *
 * Every continuous term is a penalty that reaches zero inside its range for every categorical
 * combination, so the optimum is the best categorical combination with each active continuous
 * parameter at its best: found by enumeration (`recipeHardArgmax`), and tested.
 */
import type { Params } from '../src/core/trial.ts';
import { parseSearchSpace } from '../src/config/space.ts';

const BACKBONES = {
  resnet50: { bonus: -0.01, resolution: 320, lr: 1e-3 },
  densenet121: { bonus: 0, resolution: 384, lr: 1e-3 },
  densenet201: { bonus: 0.008, resolution: 448, lr: 5e-4 },
  efficientnetb0: { bonus: 0.004, resolution: 288, lr: 2e-3 },
  efficientnetb3: { bonus: 0.018, resolution: 520, lr: 3e-4 },
  efficientnetb5: { bonus: 0.012, resolution: 576, lr: 2e-4 },
  'convnext-tiny': { bonus: 0.02, resolution: 400, lr: 1.5e-4 },
  'vit-small': { bonus: 0.006, resolution: 352, lr: 1e-4 },
} as const;
const SAMPLING = { none: { bonus: -0.02, weight: 12 }, undersample: { bonus: -0.03, weight: 1.5 }, 'undersample-per-epoch': { bonus: 0, weight: 2 }, oversample: { bonus: -0.01, weight: 3 }, 'balanced-batch': { bonus: 0.01, weight: 1.2 } } as const;
/** Loss bonus, and how much it gains on top of each sampling strategy's correction (interaction). */
const LOSSES = { ce: -0.02, 'weighted-ce': 0, focal: 0.012, 'logit-adjusted': 0.016, ldam: 0.006 } as const;
const LOSS_WITH_BALANCING: Record<string, number> = { 'balanced-batch': -0.012, oversample: -0.006 };
const OPTIMISERS = { sgd: { bonus: 0, lrScale: 20 }, adam: { bonus: 0.004, lrScale: 1 }, adamw: { bonus: 0.012, lrScale: 1 }, lion: { bonus: 0.008, lrScale: 0.3 } } as const;
const SCHEDULES = { constant: { bonus: -0.015, epochs: 12 }, cosine: { bonus: 0.01, epochs: 24 }, step: { bonus: 0, epochs: 18 }, onecycle: { bonus: 0.006, epochs: 15 } } as const;
const AUGMENTATIONS = { none: -0.03, 'hflip+vflip': 0, 'hflip+vflip+rot90': 0.01, cutmix: 0.015, mixup: 0.005, augmix: 0.015, 'hflip+vflip+cutmix': 0.03, 'hflip+vflip+mixup': 0.02 } as const;
const BATCH = { '8': -0.006, '16': 0.004, '32': 0.002, '64': -0.004 } as const;

const keys = <T extends object>(o: T) => Object.keys(o) as Array<keyof T & string>;

export const RECIPE_HARD_SPACE = parseSearchSpace({
  backbone: { type: 'categorical', values: keys(BACKBONES) },
  samplingStrategy: { type: 'categorical', values: keys(SAMPLING) },
  loss: { type: 'categorical', values: keys(LOSSES) },
  minorityWeight: { type: 'float', low: 1, high: 50, log: true, when: { loss: ['weighted-ce', 'focal'] } },
  focalGamma: { type: 'float', low: 0.5, high: 5, when: { loss: ['focal'] } },
  logitTau: { type: 'float', low: 0.1, high: 3, when: { loss: ['logit-adjusted'] } },
  optimizer: { type: 'categorical', values: keys(OPTIMISERS) },
  learningRate: { type: 'float', low: 1e-5, high: 0.1, log: true },
  momentum: { type: 'float', low: 0.5, high: 0.99, when: { optimizer: ['sgd'] } },
  weightDecay: { type: 'float', low: 1e-6, high: 0.1, log: true, when: { optimizer: ['adamw', 'lion'] } },
  schedule: { type: 'categorical', values: keys(SCHEDULES) },
  warmupEpochs: { type: 'int', low: 0, high: 5, when: { schedule: ['cosine', 'onecycle'] } },
  epochs: { type: 'int', low: 5, high: 40 },
  augmentation: { type: 'categorical', values: keys(AUGMENTATIONS) },
  cutmixAlpha: { type: 'float', low: 0.1, high: 2, when: { augmentation: ['cutmix', 'hflip+vflip+cutmix'] } },
  mixupAlpha: { type: 'float', low: 0.1, high: 1, when: { augmentation: ['mixup', 'hflip+vflip+mixup'] } },
  resolution: { type: 'int', low: 224, high: 600, step: 8 },
  batchSize: { type: 'categorical', values: [8, 16, 32, 64] },
});

const num = (p: Params, name: string): number => p[name] as number;

/** The best value of each continuous parameter given the categorical choices. */
function bestContinuous(p: Params): Record<string, number> {
  const backbone = BACKBONES[p.backbone as keyof typeof BACKBONES];
  const optimiser = OPTIMISERS[p.optimizer as keyof typeof OPTIMISERS];
  const sampling = SAMPLING[p.samplingStrategy as keyof typeof SAMPLING];
  return {
    learningRate: backbone.lr * optimiser.lrScale,
    resolution: backbone.resolution,
    epochs: SCHEDULES[p.schedule as keyof typeof SCHEDULES].epochs,
    minorityWeight: p.loss === 'focal' ? Math.max(1, sampling.weight / 2) : sampling.weight,
    focalGamma: 2,
    logitTau: 1,
    momentum: 0.9,
    weightDecay: p.optimizer === 'lion' ? 0.01 : 0.05,
    warmupEpochs: 2,
    cutmixAlpha: 1,
    mixupAlpha: 0.3,
  };
}

export function recipeHardResponse(p: Params): number {
  const best = bestContinuous(p);
  let value = 0.84 + BACKBONES[p.backbone as keyof typeof BACKBONES].bonus + SAMPLING[p.samplingStrategy as keyof typeof SAMPLING].bonus;
  value += LOSSES[p.loss as keyof typeof LOSSES] + (p.loss !== 'ce' ? (LOSS_WITH_BALANCING[String(p.samplingStrategy)] ?? 0) : 0);
  value += OPTIMISERS[p.optimizer as keyof typeof OPTIMISERS].bonus + SCHEDULES[p.schedule as keyof typeof SCHEDULES].bonus;
  value += AUGMENTATIONS[p.augmentation as keyof typeof AUGMENTATIONS] + BATCH[String(p.batchSize) as keyof typeof BATCH];
  value -= 0.03 * Math.log10(num(p, 'learningRate') / best.learningRate!) ** 2;
  value -= 0.32 * ((num(p, 'resolution') - best.resolution!) / 376) ** 2;
  value -= 0.02 * ((num(p, 'epochs') - best.epochs!) / 10) ** 2;
  if (p.minorityWeight !== undefined) value -= 0.04 * Math.log(num(p, 'minorityWeight') / best.minorityWeight!) ** 2;
  if (p.focalGamma !== undefined) value -= 0.01 * (num(p, 'focalGamma') - 2) ** 2;
  if (p.logitTau !== undefined) value -= 0.03 * (num(p, 'logitTau') - 1) ** 2;
  if (p.momentum !== undefined) value -= 2 * (num(p, 'momentum') - 0.9) ** 2;
  if (p.weightDecay !== undefined) value -= 0.008 * Math.log10(num(p, 'weightDecay') / best.weightDecay!) ** 2;
  if (p.warmupEpochs !== undefined) value -= 0.002 * (num(p, 'warmupEpochs') - 2) ** 2;
  if (p.cutmixAlpha !== undefined) value -= 0.04 * (num(p, 'cutmixAlpha') - 1) ** 2;
  if (p.mixupAlpha !== undefined) value -= 0.1 * (num(p, 'mixupAlpha') - 0.3) ** 2;
  return value;
}

/** The argmax by enumeration of the categorical choices, continuous parameters at their best. */
export function recipeHardArgmax(): Params {
  let best: Params | undefined;
  let bestValue = -Infinity;
  for (const backbone of keys(BACKBONES))
    for (const samplingStrategy of keys(SAMPLING))
      for (const loss of keys(LOSSES))
        for (const optimizer of keys(OPTIMISERS))
          for (const schedule of keys(SCHEDULES))
            for (const augmentation of keys(AUGMENTATIONS))
              for (const batchSize of [8, 16, 32, 64]) {
                const p: Params = { backbone, samplingStrategy, loss, optimizer, schedule, augmentation, batchSize };
                const c = bestContinuous(p);
                const params: Record<string, Params[string]> = { ...p, learningRate: c.learningRate!, resolution: c.resolution!, epochs: c.epochs! };
                if (loss === 'weighted-ce' || loss === 'focal') params.minorityWeight = c.minorityWeight!;
                if (loss === 'focal') params.focalGamma = c.focalGamma!;
                if (loss === 'logit-adjusted') params.logitTau = c.logitTau!;
                if (optimizer === 'sgd') params.momentum = c.momentum!;
                if (optimizer === 'adamw' || optimizer === 'lion') params.weightDecay = c.weightDecay!;
                if (schedule === 'cosine' || schedule === 'onecycle') params.warmupEpochs = c.warmupEpochs!;
                if (augmentation.includes('cutmix')) params.cutmixAlpha = c.cutmixAlpha!;
                if (augmentation.includes('mixup')) params.mixupAlpha = c.mixupAlpha!;
                const value = recipeHardResponse(params);
                if (value > bestValue) [best, bestValue] = [params, value];
              }
  return best!;
}
