import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTrialSpec, specFromParams } from '../../src/config/trial.ts';

const dataset = { path: '/tmp/x' };

test('pretraining defaults to none; simclr alone takes the documented defaults', () => {
  assert.deepEqual(parseTrialSpec({ dataset }).pretraining, { method: 'none' });
  assert.deepEqual(parseTrialSpec({ dataset, pretraining: 'simclr' }).pretraining, {
    method: 'simclr', epochs: 10, temperature: 0.5, projectionDim: 64, batchSize: 32, learningRate: 1e-3, cropMinArea: 0.85, colorJitter: 0.4,
  });
  const spec = parseTrialSpec({ dataset, pretraining: { method: 'simclr', epochs: 3 } });
  assert.equal(spec.pretraining.method === 'simclr' && spec.pretraining.epochs, 3);
  // The parsed form parses again unchanged (export writes it back).
  assert.deepEqual(parseTrialSpec({ ...spec }).pretraining, spec.pretraining);
  assert.throws(() => parseTrialSpec({ dataset, pretraining: { method: 'simclr', temperature: 0 } }), /pretraining/);
  assert.throws(() => parseTrialSpec({ dataset, pretraining: 'byol' }), /pretraining/);
});

test('pretraining is a search dimension: method and settings from params', () => {
  const simclr = specFromParams({ dataset }, { pretraining: 'simclr', pretrainingTemperature: 0.2, pretrainingEpochs: 2 });
  assert.equal(simclr.pretraining.method, 'simclr');
  assert.equal(simclr.pretraining.method === 'simclr' && simclr.pretraining.temperature, 0.2);
  assert.equal(simclr.pretraining.method === 'simclr' && simclr.pretraining.epochs, 2);
  assert.deepEqual(specFromParams({ dataset, pretraining: 'simclr' }, { pretraining: 'none', pretrainingEpochs: 4 }).pretraining, { method: 'none' });
  const over = specFromParams({ dataset, pretraining: { method: 'simclr', batchSize: 8 } }, { pretrainingProjectionDim: 16 });
  assert.equal(over.pretraining.method === 'simclr' && over.pretraining.batchSize, 8);
  assert.equal(over.pretraining.method === 'simclr' && over.pretraining.projectionDim, 16);
});
