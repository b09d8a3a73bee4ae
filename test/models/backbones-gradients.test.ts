import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKBONES, buildModel } from '../../src/models/backbones/index.ts';
import { compareGradients } from '../../src/models/index.ts';

// One training step of every whole backbone + head on wasm (with our training kernels) against
// the pure-JS cpu backend: same weights, same batch, batch norm in inference mode. 32 px is the
// smallest size every backbone builds at; one image keeps the cpu side affordable.
const RESOLUTION = 32;

for (const name of BACKBONES) {
  test(`${name}: one step's gradients on wasm match cpu`, async () => {
    const comparison = await compareGradients(() => buildModel(name, { resolution: RESOLUTION, numClasses: 2, seed: 1 }), [RESOLUTION, RESOLUTION, 3], {
      batchSize: 1,
      seed: name,
    });
    assert.ok(comparison.perWeight.length > 0);
    assert.ok(Math.abs(comparison.loss.tested - comparison.loss.cpu) < 1e-4 * Math.max(1, comparison.loss.cpu), `loss ${JSON.stringify(comparison.loss)}`);
    assert.ok(comparison.maxRelativeError < 1e-4, `${name}: relative error ${comparison.maxRelativeError} at ${comparison.worstWeight}`);
  });
}
