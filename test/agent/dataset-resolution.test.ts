// Issue 11: every branch of how an agent finds a trial's dataset (transport/dataset-archive.ts
// resolveDataset, wired into `skewer agent`): the coordinator's path used in place when it holds
// the same content; else a complete cached copy; else fetched from the object store into
// <cache>/skewer/datasets/<hash> (over a real nats-server too); a path with other content, a copy
// torn by a crash and a damaged archive are never used; and when nothing works, the error says
// which dataset, what was found where, and what to do, and the trial's failure carries it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { defaultDatasetCache, hashDataset, packDataset, publishDataset, resolveDataset } from '../../src/transport/dataset-archive.ts';
import { connectNats, createMemoryTransport } from '../../src/transport/index.ts';
import { DATASET_BUCKET } from '../../src/transport/subjects.ts';
import type { ObjectStore } from '../../src/transport/types.ts';
import { startTestNatsServer } from '../helpers/nats-server.ts';
import { functionStudy, runStudy } from '../coordinator/harness.ts';

const base = mkdtempSync(path.join(tmpdir(), 'skewer-resolve-'));
after(() => rmSync(base, { recursive: true, force: true }));
let serial = 0;
const fresh = (label: string): string => path.join(base, `${label}-${++serial}`);

function makeDataset(root: string, marker = 'defect'): void {
  mkdirSync(path.join(root, 'defect'), { recursive: true });
  mkdirSync(path.join(root, 'good'), { recursive: true });
  writeFileSync(path.join(root, 'defect', 'a.png'), Buffer.from(marker));
  writeFileSync(path.join(root, 'good', 'b.png'), Buffer.alloc(4_096, 7));
  writeFileSync(path.join(root, 'labels.csv'), 'path,label\ndefect/a.png,defect\ngood/b.png,good\n');
}

/** Counts fetches, so "fetched" and "not fetched" are checked rather than assumed. */
function counting(store: ObjectStore): ObjectStore & { gets: number } {
  const counted = {
    gets: 0,
    has: (name: string) => store.has(name),
    put: (name: string, data: AsyncIterable<Uint8Array> | Uint8Array) => store.put(name, data),
    get: (name: string) => ((counted.gets += 1), store.get(name)),
  };
  return counted;
}

async function published(): Promise<{ source: string; objects: ObjectStore & { gets: number }; ref: Awaited<ReturnType<typeof publishDataset>> }> {
  const source = fresh('source');
  makeDataset(source);
  const objects = counting(await createMemoryTransport().objects(DATASET_BUCKET));
  return { source, objects, ref: await publishDataset(objects, source) };
}

test('no cache folder given: the copy lands in $XDG_CACHE_HOME or ~/.cache, under skewer/datasets/<hash>', async () => {
  const { source, objects, ref } = await published();
  const saved = { HOME: process.env.HOME, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
  const home = fresh('home');
  try {
    process.env.HOME = home;
    delete process.env.XDG_CACHE_HOME;
    assert.equal(defaultDatasetCache(), path.join(home, '.cache', 'skewer', 'datasets'));
    const local = await resolveDataset(objects, { ...ref, path: path.join(base, 'elsewhere') });
    assert.equal(local, path.join(home, '.cache', 'skewer', 'datasets', ref.hash));
    assert.equal(await hashDataset(local), ref.hash);
    process.env.XDG_CACHE_HOME = path.join(home, 'xdg');
    assert.equal(await resolveDataset(objects, { ...ref, path: path.join(base, 'elsewhere') }), path.join(home, 'xdg', 'skewer', 'datasets', ref.hash));
    assert.deepEqual(readFileSync(path.join(local, 'defect', 'a.png')), readFileSync(path.join(source, 'defect', 'a.png')));
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test('a path that exists with other content is not used: the right copy is fetched, the local files stay as they are', async () => {
  const { objects, ref } = await published();
  // This machine has a folder at the coordinator's path, but with one image changed.
  const local = fresh('same-path-other-content');
  makeDataset(local, 'changed');
  assert.notEqual(await hashDataset(local), ref.hash);
  const cache = fresh('cache');
  const resolved = await resolveDataset(objects, { ...ref, path: local }, cache);
  assert.equal(resolved, path.join(cache, ref.hash));
  assert.equal(objects.gets, 1);
  assert.equal(readFileSync(path.join(resolved, 'defect', 'a.png'), 'utf8'), 'defect');
  assert.equal(readFileSync(path.join(local, 'defect', 'a.png'), 'utf8'), 'changed', 'the local folder is untouched');
  // A manifest ref at such a path resolves to the manifest inside the cached copy, with no new fetch.
  const viaManifest = await resolveDataset(objects, { ...ref, path: path.join(local, 'labels.csv'), entry: 'labels.csv' }, cache);
  assert.equal(viaManifest, path.join(cache, ref.hash, 'labels.csv'));
  assert.equal(objects.gets, 1, 'the complete cached copy is used');
});

test('a copy torn by a crash mid-fetch (no completion marker, a stale partial folder) is fetched again', async () => {
  const { objects, ref } = await published();
  const cache = fresh('cache');
  mkdirSync(path.join(cache, ref.hash, 'defect'), { recursive: true });
  writeFileSync(path.join(cache, ref.hash, 'defect', 'a.png'), 'half');
  mkdirSync(path.join(cache, `${ref.hash}.partial-${process.pid}`), { recursive: true });
  const resolved = await resolveDataset(objects, { ...ref, path: path.join(base, 'absent') }, cache);
  assert.equal(objects.gets, 1);
  assert.equal(await hashDataset(resolved), ref.hash);
  assert.deepEqual(readdirSync(cache), [ref.hash], 'the partial folder is gone');
});

test('neither the path nor the object store has it: the error names the dataset, what is at the path, the object, and what to do', async () => {
  const { ref } = await published();
  const empty = counting(await createMemoryTransport().objects(DATASET_BUCKET)); // another server: nothing stored
  const cache = fresh('cache');
  const absent = path.join(base, 'not-on-this-machine');
  const error = await resolveDataset(empty, { ...ref, path: absent }, cache).then(
    () => assert.fail('resolved without a dataset'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UserError);
  assert.equal(error.message, `dataset ${ref.hash.slice(0, 12)}… is neither at ${absent} (absent on this machine) nor in the object store (object ${ref.object})`);
  assert.equal(error.where, `dataset cache ${cache}`);
  assert.match(error.hint ?? '', /against the server its study was started on .*or mount the study's dataset at/);
  assert.equal(existsSync(cache), false, 'nothing was written to the cache');

  const other = fresh('other');
  makeDataset(other, 'other');
  await assert.rejects(resolveDataset(empty, { ...ref, path: other }, cache), (e: Error) => {
    assert.ok(e.message.includes(`neither at ${other} (other content here (hash `), e.message);
    assert.match(e.message, /\(hash [0-9a-f]{12}…\)\) nor in the object store/);
    return true;
  });
});

test('a damaged archive in the store is refused and nothing is cached; once stored right, it resolves', async () => {
  const { source, ref } = await published();
  const store = counting(await createMemoryTransport().objects(DATASET_BUCKET));
  const wrong = fresh('wrong');
  makeDataset(wrong, 'not the same');
  await store.put(ref.object, packDataset(wrong)); // the object name of `ref`, another folder's content
  const cache = fresh('cache');
  await assert.rejects(resolveDataset(store, { ...ref, path: path.join(base, 'absent') }, cache), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /the copy fetched from the object store has other content \(hash [0-9a-f]{12}…\); nothing was cached/);
    assert.equal(e.where, `object ${ref.object}`);
    return true;
  });
  assert.deepEqual(readdirSync(cache), [], 'no partial or unmarked copy is left');
  const good = counting(await createMemoryTransport().objects(DATASET_BUCKET));
  await publishDataset(good, source);
  assert.equal(await resolveDataset(good, { ...ref, path: path.join(base, 'absent') }, cache), path.join(cache, ref.hash));
});

test('over a real nats-server object store: fetched into the cache; a dataset not stored there is the same clear error', async () => {
  const server = await startTestNatsServer();
  const [coordinatorSide, agentSide] = await Promise.all([connectNats({ servers: server.url }), connectNats({ servers: server.url })]);
  try {
    const source = fresh('source');
    makeDataset(source);
    const ref = await publishDataset(await coordinatorSide.objects(DATASET_BUCKET), source);
    const objects = await agentSide.objects(DATASET_BUCKET);
    const cache = fresh('cache');
    const local = await resolveDataset(objects, { ...ref, path: path.join(base, 'remote-only') }, cache);
    assert.equal(local, path.join(cache, ref.hash));
    assert.equal(await hashDataset(local), ref.hash);
    const unknown = { hash: 'f'.repeat(64), object: `${'f'.repeat(64)}${ref.object.slice(64)}`, path: path.join(base, 'nowhere') };
    await assert.rejects(resolveDataset(objects, unknown, cache), /is neither at .*nowhere \(absent on this machine\) nor in the object store/);
  } finally {
    await Promise.all([coordinatorSide.close(), agentSide.close()]);
    await server.stop();
  }
});

test('an agent that cannot resolve the dataset fails the trial with the reason, where and what to do', async () => {
  const { ref } = await published();
  const empty = await createMemoryTransport().objects(DATASET_BUCKET);
  const cache = fresh('cache');
  const { outcome } = await runStudy(functionStudy({ name: 'nodata', trials: 1, maxAttempts: 1 }), [
    { name: 'a', resolveDataset: () => resolveDataset(empty, { ...ref, path: path.join(base, 'absent') }, cache) },
  ]);
  const [trial] = outcome.trials;
  assert.equal(trial?.state, 'failed');
  assert.match(trial?.error ?? '', /^agent a: dataset [0-9a-f]{12}… is neither at .*absent \(absent on this machine\) nor in the object store .* \(dataset cache .*\)\. Run this agent against the server/);
});
