import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { scanDataset } from '../../src/data/index.ts';
import { tempDir, tinyDataset } from './fixtures.ts';

function cacheFile(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1, `one verdict file in ${dir}: ${files.join(', ')}`);
  return path.join(dir, files[0]!);
}

test('scan verdicts are remembered by file content: a later scan takes them instead of decoding', async () => {
  const dir = await tinyDataset({ images: 20 });
  const cache = tempDir('skewer-scan-cache-');
  writeFileSync(path.join(dir, 'ok', 'junk.png'), 'junk\n');
  const first = await scanDataset(dir, { verdictCache: cache });
  const stored = JSON.parse(readFileSync(cacheFile(cache), 'utf8')) as { verdicts: Record<string, { ok: boolean; reason?: string }> };
  assert.equal(Object.keys(stored.verdicts).length, 21, 'one verdict per readable file, the junk one included');
  assert.equal(Object.values(stored.verdicts).filter((v) => !v.ok).length, 1);

  // Proof that the second scan reads the verdicts rather than decoding: a doctored verdict for a
  // good image's bytes is believed. (Nobody but this test writes verdicts that disagree with decoding.)
  const victim = first.items[0]!;
  const { createHash } = await import('node:crypto');
  const digest = createHash('sha256').update(readFileSync(victim.path)).digest('hex');
  stored.verdicts[digest] = { ok: false, reason: 'remembered verdict' };
  writeFileSync(cacheFile(cache), JSON.stringify(stored));
  const second = await scanDataset(dir, { verdictCache: cache });
  assert.deepEqual(second.unreadable.find((u) => u.path === victim.path)?.reason, 'remembered verdict');

  // Without the cache the truth is back; with it, a file whose bytes change is decoded afresh.
  assert.equal((await scanDataset(dir)).unreadable.length, 1);
  writeFileSync(victim.path, readFileSync(victim.path).subarray(0, 40));
  const third = await scanDataset(dir, { verdictCache: cache });
  assert.notEqual(third.unreadable.find((u) => u.path === victim.path)?.reason, 'remembered verdict');
  assert.equal(third.unreadable.length, 2);
  assert.equal(third.counts[victim.label], first.counts[victim.label]! - 1);
});

test('a damaged verdict file is decoded past and rewritten; the same index comes out as without a cache', async () => {
  const dir = await tinyDataset({ images: 12 });
  const cache = tempDir('skewer-scan-cache-');
  const plain = await scanDataset(dir);
  await scanDataset(dir, { verdictCache: cache });
  writeFileSync(cacheFile(cache), '{ torn');
  const again = await scanDataset(dir, { verdictCache: cache });
  assert.deepEqual(again, plain);
  assert.doesNotThrow(() => JSON.parse(readFileSync(cacheFile(cache), 'utf8')));
});
