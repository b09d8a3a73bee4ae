// One pretraining per key on one machine: the lock file in the cache folder, and obtainEncoder
// called twice at once with one key (real tfjs, real PNGs): one pretrains, the other waits and reads it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { obtainEncoder } from '../../src/training/encoder-cache.ts';
import { withKeyLock } from '../../src/training/encoder-lock.ts';
import { prepareTrial } from '../../src/training/prepare.ts';
import { tinyDataset, tinySpec } from './fixtures.ts';

const KEY = 'a'.repeat(64);

test('two holders of one key run one after the other; the waiter is told who holds it; the lock is gone after', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'skewer-lock-'));
  const order: string[] = [];
  const waits: string[] = [];
  const job = (name: string) => async () => {
    order.push(`${name} start`);
    await sleep(150);
    order.push(`${name} end`);
  };
  await Promise.all([withKeyLock(dir, KEY, job('a'), { pollMs: 20 }), sleep(10).then(() => withKeyLock(dir, KEY, job('b'), { pollMs: 20, onWait: (h) => waits.push(h) }))]);
  assert.deepEqual(order, ['a start', 'a end', 'b start', 'b end']);
  assert.deepEqual(waits, [`pid ${process.pid} on ${hostname()}`]);
  assert.ok(!existsSync(path.join(dir, `${KEY}.lock`)));
  // Another key does not wait.
  const other: string[] = [];
  await Promise.all([withKeyLock(dir, KEY, job('x'), { pollMs: 20 }), withKeyLock(dir, 'b'.repeat(64), async () => void other.push(`during ${order.at(-1)}`), { pollMs: 20 })]);
  assert.deepEqual(other, ['during x start']);
});

test('a lock held by another live process is waited for; a dead holder or an untouched lock is taken over', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'skewer-lock-'));
  const file = path.join(dir, `${KEY}.lock`);
  // A real other process holds the lock for ~600 ms.
  const script = `import('${new URL('../../src/training/encoder-lock.ts', import.meta.url).href}').then(({ withKeyLock }) => withKeyLock(${JSON.stringify(dir)}, '${KEY}', () => { process.stdout.write('held\\n'); return new Promise((r) => setTimeout(r, 600)); }))`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const started = Date.now();
  await withKeyLock(dir, KEY, async () => undefined, { pollMs: 20 });
  assert.ok(Date.now() - started >= 400, `waited for the other process (${Date.now() - started} ms)`);
  // A lock left by a dead process on this host is stale at once.
  await writeFile(file, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), at: 0 }));
  const t0 = Date.now();
  await withKeyLock(dir, KEY, async () => undefined, { pollMs: 20 });
  assert.ok(Date.now() - t0 < 1_000);
  // One from another host (alive for all we know) is stale only once untouched for staleMs.
  await writeFile(file, JSON.stringify({ pid: 1, host: 'elsewhere', at: 0 }));
  const fresh = Date.now();
  await withKeyLock(dir, KEY, async () => undefined, { pollMs: 20, staleMs: 300 });
  assert.ok(Date.now() - fresh >= 250, 'a touched-recently lock of another host was waited for');
  await writeFile(file, JSON.stringify({ pid: 1, host: 'elsewhere', at: 0 }));
  const old = new Date(Date.now() - 3_600_000);
  await utimes(file, old, old);
  const t1 = Date.now();
  await withKeyLock(dir, KEY, async () => undefined, { pollMs: 20, staleMs: 300 });
  assert.ok(Date.now() - t1 < 250);
});

test('two concurrent obtainEncoder calls with one key on one machine pretrain once: the second waits and reads it from disk', async () => {
  const spec = tinySpec(await tinyDataset(), { pretraining: { method: 'simclr', epochs: 2, batchSize: 8, projectionDim: 8 } });
  const trial = await prepareTrial(spec);
  const settings = spec.pretraining.method === 'simclr' ? spec.pretraining : assert.fail('simclr expected');
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'skewer-encoders-'));
  const epochs: number[] = [];
  const logs: string[] = [];
  const options = { cacheDir, onEpoch: (p: { epoch: number }) => epochs.push(p.epoch), log: (line: string) => logs.push(line) };
  const [a, b] = await Promise.all([obtainEncoder(trial, settings, options), obtainEncoder(trial, settings, options)]);
  assert.deepEqual([a.source, b.source].sort(), ['disk', 'pretrained']);
  assert.equal(a.path, b.path);
  assert.deepEqual(epochs, [0, 1], 'pretrained once in total');
  assert.ok(logs.some((line) => /waiting for pid \d+ on .*, which is pretraining it/.test(line)), logs.join('\n'));
  assert.deepEqual(await readdir(cacheDir), [a.key]);
});
