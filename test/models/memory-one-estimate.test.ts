// One memory estimate: the table the coordinator routes by agrees with the built models, so routing,
// `skewer models` and `skewer train` give the same figure for a recipe (they differed 10-14x).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKBONE_COSTS } from '../../src/core/step-memory.ts';
import { estimateResources } from '../../src/coordinator/index.ts';
import { parseTrialSpec } from '../../src/config/trial.ts';
import { BACKBONES, backboneInfo } from '../../src/models/backbones/index.ts';
import { estimateTrainingMemory } from '../../src/models/index.ts';

test('the routing table holds each backbone\'s real parameter count and activation size', () => {
  for (const name of BACKBONES) {
    const cost = BACKBONE_COSTS[name]!;
    assert.equal(cost.params, backboneInfo(name, 224).paramsWithoutTop, `${name} parameters`);
    for (const resolution of [64, 224]) {
      const real = backboneInfo(name, resolution).activationValuesPerImage;
      const table = cost.activationValuesPerPixel * resolution * resolution;
      assert.ok(Math.abs(table / real - 1) < 0.05, `${name} at ${resolution} px: table ${table}, built ${real}`);
    }
  }
});

test('routing, models and train give one figure per recipe (within 5%)', () => {
  for (const [backbone, resolution, batchSize] of [['small-cnn', 64, 16], ['mobilenetv2', 224, 8], ['densenet121', 224, 16], ['efficientnetb3', 300, 8]] as const) {
    const spec = parseTrialSpec({ dataset: { path: '/data' }, backbone, resolution, batchSize });
    const routed = estimateResources({ kind: 'training', spec }).memoryBytes;
    const trained = estimateTrainingMemory(backbone, { resolution, batchSize }).bytes;
    assert.ok(Math.abs(routed / trained - 1) < 0.05, `${backbone} ${resolution} px batch ${batchSize}: routing ${routed}, train ${trained}`);
  }
});
