// A pretrained encoder travels through a real nats-server's object store: two agents (two
// connections, two cache folders) and two trials with one key pretrain once in total; the second
// reads the encoder from the store. A key that is not a sha256 never reaches the file system.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { objectEncoderStore } from '../../src/transport/encoder-archive.ts';
import { packDataset } from '../../src/transport/dataset-archive.ts';
import { ENCODER_OBJECT_SUFFIX } from '../../src/core/names.ts';
import { DATASET_BUCKET } from '../../src/transport/subjects.ts';
import { obtainEncoder } from '../../src/training/encoder-cache.ts';
import { prepareTrial } from '../../src/training/prepare.ts';
import { sharedNatsServer } from '../helpers/shared-nats.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

const server = sharedNatsServer();

async function agentObjects() {
  const transport = await server.connect();
  return transport.objects(DATASET_BUCKET);
}

async function agentStore() {
  return objectEncoderStore(await agentObjects());
}

test('two agents with separate caches, one key: the first pretrains and publishes, the second fetches from the store', async () => {
  const spec = tinySpec(await tinyDataset(), { pretraining: { method: 'simclr', epochs: 2, batchSize: 8, projectionDim: 8 } });
  const trial = await prepareTrial(spec);
  const settings = spec.pretraining.method === 'simclr' ? spec.pretraining : assert.fail('simclr expected');
  const [storeA, storeB] = [await agentStore(), await agentStore()];
  const [cacheA, cacheB] = [await mkdtemp(path.join(tmpdir(), 'skewer-enc-a-')), await mkdtemp(path.join(tmpdir(), 'skewer-enc-b-'))];
  const epochs: string[] = [];
  const first = await obtainEncoder(trial, settings, { cacheDir: cacheA, store: storeA, onEpoch: (p) => epochs.push(`a${p.epoch}`) });
  const second = await obtainEncoder(trial, settings, { cacheDir: cacheB, store: storeB, onEpoch: (p) => epochs.push(`b${p.epoch}`) });
  assert.equal(first.source, 'pretrained');
  assert.equal(second.source, 'store');
  assert.equal(second.key, first.key);
  assert.deepEqual(epochs, ['a0', 'a1'], 'pretrained once in total');
  assert.ok(second.path.startsWith(cacheB));
  assert.deepEqual((await readdir(second.path)).filter((f) => !f.startsWith('.')).sort(), (await readdir(first.path)).filter((f) => !f.startsWith('.')).sort());
  // Now on B's disk: a third call there needs neither the store nor pretraining.
  assert.equal((await obtainEncoder(trial, settings, { cacheDir: cacheB, store: storeB })).source, 'disk');
});

test('an encoder key that is not 64 hex digits is refused before any file or object is touched', async () => {
  const store = await agentStore();
  const dir = await mkdtemp(path.join(tmpdir(), 'skewer-enc-bad-'));
  for (const key of ['../../etc', 'A'.repeat(64), 'a'.repeat(63), `${'a'.repeat(64)}/x`]) {
    await assert.rejects(store.fetch(key, dir), /refusing encoder key .*64 lowercase hex digits/);
    await assert.rejects(store.publish(key, dir), /refusing encoder key/);
  }
  assert.deepEqual(await readdir(dir), []);
  assert.equal(await store.fetch('c'.repeat(64), dir), false, 'an unknown key is simply not there');
  assert.ok(!existsSync(path.join(dir, 'model.json')));
});

test('a store that refuses the publish (no rights, lost connection) does not fail the trial that pretrained: it is logged', async () => {
  const spec = tinySpec(await tinyDataset(), { seed: 5, pretraining: { method: 'simclr', epochs: 1, batchSize: 8, projectionDim: 8 } });
  const trial = await prepareTrial(spec);
  const settings = spec.pretraining.method === 'simclr' ? spec.pretraining : assert.fail('simclr expected');
  const real = await agentStore();
  const refusing = { fetch: real.fetch, publish: async () => Promise.reject(new Error('Permissions Violation for Publish to "$O.skewer_datasets.C.x"')) };
  const logs: string[] = [];
  const got = await obtainEncoder(trial, settings, { cacheDir: await mkdtemp(path.join(tmpdir(), 'skewer-enc-refused-')), store: refusing, log: (line) => logs.push(line) });
  assert.equal(got.source, 'pretrained');
  assert.ok(logs.some((line) => /could not publish it to the store \(Permissions Violation.*other machines will pretrain/.test(line)), logs.join('\n'));
  assert.equal(await real.fetch(got.key, await mkdtemp(path.join(tmpdir(), 'skewer-enc-none-'))), false, 'nothing was stored');
});

test('a store fetch that throws (here a corrupt object: an archive without model.json) falls back to pretraining here, logged', async () => {
  const spec = tinySpec(await tinyDataset(), { seed: 6, pretraining: { method: 'simclr', epochs: 1, batchSize: 8, projectionDim: 8 } });
  const trial = await prepareTrial(spec);
  const settings = spec.pretraining.method === 'simclr' ? spec.pretraining : assert.fail('simclr expected');
  const objects = await agentObjects();
  const store = objectEncoderStore(objects);
  const { encoderKey } = await import('../../src/training/encoder-cache.ts');
  const key = encoderKey(trial, settings);
  // What a half-published or foreign object under the key looks like: unpacks, but no model.json.
  const junk = await mkdtemp(path.join(tmpdir(), 'skewer-enc-junk-'));
  await writeFile(path.join(junk, 'stray.bin'), 'not an encoder');
  await objects.put(`${key}${ENCODER_OBJECT_SUFFIX}`, packDataset(junk));
  await assert.rejects(store.fetch(key, await mkdtemp(path.join(tmpdir(), 'skewer-enc-probe-'))), /has no model\.json/);
  const logs: string[] = [];
  const epochs: number[] = [];
  const got = await obtainEncoder(trial, settings, { cacheDir: await mkdtemp(path.join(tmpdir(), 'skewer-enc-corrupt-')), store, log: (line) => logs.push(line), onEpoch: (p) => epochs.push(p.epoch) });
  assert.equal(got.source, 'pretrained');
  assert.equal(got.key, key);
  assert.deepEqual(epochs, [0], 'it pretrained');
  assert.ok(logs.some((line) => /could not fetch it from the store \(.*has no model\.json.*\); pretraining it here instead/.test(line)), logs.join('\n'));
  // What the failed fetch unpacked did not end up in the sealed encoder folder.
  const files = await readdir(got.path);
  assert.ok(files.includes('model.json') && !files.includes('stray.bin'), files.join(', '));
  // An abort during the fetch is not a store failure: it still ends the call.
  const controller = new AbortController();
  const aborting = { fetch: async () => { controller.abort(); throw new Error('connection closed'); }, publish: async () => {} };
  await assert.rejects(
    obtainEncoder(trial, { ...settings, temperature: 0.3 }, { cacheDir: await mkdtemp(path.join(tmpdir(), 'skewer-enc-abort-')), store: aborting, signal: controller.signal }),
    (error: Error) => error.name === 'AbortError',
  );
});
