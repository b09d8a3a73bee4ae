// Dataset distribution: stored once under its content hash, used in place where an agent sees
// the same content at the same path, else fetched once and cached by hash.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hashDataset, publishDataset, resolveDataset } from '../../src/transport/dataset-archive.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import type { ObjectStore } from '../../src/transport/types.ts';

function makeDataset(root: string): void {
  mkdirSync(path.join(root, 'defect'), { recursive: true });
  mkdirSync(path.join(root, 'good', 'nested'), { recursive: true });
  writeFileSync(path.join(root, 'defect', 'a.png'), Buffer.from([0, 1, 2, 255, 10, 13]));
  writeFileSync(path.join(root, 'good', 'b.png'), Buffer.alloc(200_000, 7));
  writeFileSync(path.join(root, 'good', 'nested', 'empty.png'), Buffer.alloc(0));
  writeFileSync(path.join(root, 'labels.csv'), 'path,label\ndefect/a.png,defect\n');
}

/** Counts fetches, so "fetched once" is checked rather than assumed. */
function counting(store: ObjectStore): ObjectStore & { gets: number } {
  const counted = {
    gets: 0,
    has: (name: string) => store.has(name),
    put: (name: string, data: AsyncIterable<Uint8Array> | Uint8Array) => store.put(name, data),
    get: (name: string) => {
      counted.gets += 1;
      return store.get(name);
    },
  };
  return counted;
}

test('published once by hash; a shared path is used in place; elsewhere fetched once and cached', async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'skewer-datasets-'));
  const source = path.join(base, 'source');
  makeDataset(source);
  const objects = counting(await createMemoryTransport().objects('datasets'));
  const ref = await publishDataset(objects, source);
  assert.equal(ref.hash, await hashDataset(source));
  assert.deepEqual(await publishDataset(objects, source), ref, 'publishing again stores nothing new');

  // Same machine (or a shared mount with identical content): the path itself, no fetch.
  assert.equal(await resolveDataset(objects, ref, path.join(base, 'cache-a')), source);
  assert.equal(objects.gets, 0);

  // Another machine: the path is absent, so the archive is fetched and unpacked into the cache.
  const remote = { ...ref, path: path.join(base, 'not-on-this-machine') };
  const cacheRoot = path.join(base, 'cache-b');
  const local = await resolveDataset(objects, remote, cacheRoot);
  assert.equal(local, path.join(cacheRoot, ref.hash));
  assert.equal(objects.gets, 1);
  assert.equal(await hashDataset(local), ref.hash);
  assert.deepEqual(readFileSync(path.join(local, 'good', 'b.png')), readFileSync(path.join(source, 'good', 'b.png')));
  // A second trial (even from a new agent process: a fresh `verified` map) uses the cache.
  assert.equal(await resolveDataset(objects, remote, cacheRoot, new Map()), local);
  assert.equal(objects.gets, 1, 'fetched once');

  // Different content at the same path is not used: the right copy comes from the store.
  writeFileSync(path.join(source, 'defect', 'a.png'), 'tampered');
  const fresh = await resolveDataset(objects, ref, path.join(base, 'cache-c'));
  assert.equal(fresh, path.join(base, 'cache-c', ref.hash));
  assert.deepEqual([...readFileSync(path.join(fresh, 'defect', 'a.png'))], [0, 1, 2, 255, 10, 13]);
  rmSync(base, { recursive: true, force: true });
});

test('a manifest file travels with its folder and resolves to the manifest inside the cache', async () => {
  const base = mkdtempSync(path.join(tmpdir(), 'skewer-manifest-'));
  makeDataset(path.join(base, 'src'));
  const objects = await createMemoryTransport().objects('datasets');
  const ref = await publishDataset(objects, path.join(base, 'src', 'labels.csv'));
  assert.equal(ref.entry, 'labels.csv');
  const local = await resolveDataset(objects, { ...ref, path: '/elsewhere/labels.csv' }, path.join(base, 'cache'));
  assert.equal(local, path.join(base, 'cache', ref.hash, 'labels.csv'));
  assert.match(readFileSync(local, 'utf8'), /defect\/a\.png/);
  await assert.rejects(publishDataset(objects, path.join(base, 'missing')), /dataset not found/);
  rmSync(base, { recursive: true, force: true });
});

test('a dataset ref from the bus is checked by pattern: a forged hash or entry never becomes a path', async () => {
  const { DatasetRefSchema } = await import('../../src/transport/messages.ts');
  const base = mkdtempSync(path.join(tmpdir(), 'skewer-datasets-'));
  try {
    const source = path.join(base, 'source');
    makeDataset(source);
    const objects = await createMemoryTransport().objects('datasets');
    const ref = await publishDataset(objects, path.join(source, 'labels.csv'));
    assert.equal(DatasetRefSchema.safeParse(ref).success, true, 'a real ref passes');
    const forged = [
      { ...ref, hash: '../../../tmp/owned', object: '../../../tmp/owned.skewer-dataset' },
      { ...ref, hash: ref.hash.toUpperCase(), object: `${ref.hash.toUpperCase()}.skewer-dataset` },
      { ...ref, entry: '../../escape.csv' },
      { ...ref, entry: '..' },
      { ...ref, object: 'someone-elses-object' },
    ];
    for (const bad of forged) assert.equal(DatasetRefSchema.safeParse(bad).success, false, `refused: ${JSON.stringify(bad)}`);
    // Even handed past the schema, the file system edge refuses it and writes nothing.
    const cache = path.join(base, 'cache');
    await assert.rejects(resolveDataset(objects, forged[0]!, cache), /refusing dataset ref/);
    await assert.rejects(resolveDataset(objects, forged[2]!, cache), /refusing dataset ref/);
    assert.deepEqual(readdirSync(base).sort(), ['source']);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
