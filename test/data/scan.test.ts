import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DatasetError, UserError } from '../../src/core/errors.ts';
import { ensureDemoDataset, scanDataset } from '../../src/data/index.ts';
import { tempDir, tinyDataset } from './fixtures.ts';

test('a folder-per-class dataset: classes sorted, counts, inferred minority, sizes, hash', async () => {
  const dir = await tinyDataset({ images: 50, minorityFraction: 0.2, size: 16 });
  const index = await scanDataset(dir);
  assert.deepEqual(index.classNames, ['defect', 'ok']);
  assert.deepEqual(index.counts, { defect: 10, ok: 40 });
  assert.equal(index.minorityClass, 'defect');
  assert.equal(index.majorityClass, 'ok');
  assert.equal(index.items.length, 50);
  assert.ok(index.items.every((item) => path.isAbsolute(item.path) && item.path.includes(`${path.sep}${item.label}${path.sep}`)));
  assert.deepEqual(index.imageSizes, { minWidth: 16, maxWidth: 16, minHeight: 16, maxHeight: 16 });
  assert.deepEqual(index.unreadable, []);
  assert.match(index.hash, /^[0-9a-f]{64}$/);
  assert.equal((await scanDataset(dir, { minorityClass: 'ok' })).minorityClass, 'ok');
});

test('corrupt and truncated files are listed as unreadable and left out; the scan goes on', async () => {
  const dir = await tinyDataset({ images: 30 });
  const good = path.join(dir, 'ok', '0000.png');
  writeFileSync(path.join(dir, 'ok', 'junk.png'), 'junk\n');
  const bytes = readFileSync(good);
  writeFileSync(path.join(dir, 'defect', 'truncated.png'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  writeFileSync(path.join(dir, 'ok', 'notes.txt'), 'not an image, ignored');
  const index = await scanDataset(dir);
  assert.deepEqual(
    index.unreadable.map((u) => path.basename(u.path)),
    ['truncated.png', 'junk.png'],
  );
  assert.ok(index.unreadable.every((u) => u.reason.length > 0));
  assert.deepEqual(index.counts, { defect: 6, ok: 24 });
  assert.ok(!index.items.some((item) => /junk|truncated|notes/.test(item.path)));
});

test('the hash follows names and bytes, not the scan', async () => {
  const dir = await tinyDataset({ images: 20 });
  const first = (await scanDataset(dir)).hash;
  assert.equal((await scanDataset(dir)).hash, first);
  // A junk file is not part of the dataset, so it does not change the identity.
  writeFileSync(path.join(dir, 'ok', 'junk.png'), 'junk');
  assert.equal((await scanDataset(dir)).hash, first);
  // Renaming a file changes it, and so do changed bytes under the same name.
  const moved = path.join(dir, 'ok', 'renamed.png');
  copyFileSync(path.join(dir, 'ok', '0000.png'), moved);
  rmSync(path.join(dir, 'ok', '0000.png'));
  const renamed = (await scanDataset(dir)).hash;
  assert.notEqual(renamed, first);
  copyFileSync(path.join(dir, 'defect', '0000.png'), path.join(dir, 'ok', 'renamed.png'));
  assert.notEqual((await scanDataset(dir)).hash, renamed);
});

test('a CSV manifest (path,label; quoted fields; missing files unreadable) gives the same dataset as the folders', async () => {
  const dir = await tinyDataset({ images: 20 });
  const folderIndex = await scanDataset(dir);
  const rows = folderIndex.items.map((item) => `"${path.relative(dir, item.path)}",${item.label}`);
  writeFileSync(path.join(dir, 'manifest.csv'), ['path,label', ...rows, 'ok/missing.png,ok', ''].join('\n'));
  const index = await scanDataset(path.join(dir, 'manifest.csv'));
  assert.deepEqual(index.counts, folderIndex.counts);
  assert.deepEqual(index.items, folderIndex.items);
  assert.equal(index.hash, folderIndex.hash);
  assert.deepEqual(index.unreadable, [{ path: path.join(dir, 'ok', 'missing.png'), reason: 'file not found' }]);
});

test('bad manifests: wrong header, a duplicate row', async () => {
  const dir = await tinyDataset({ images: 10 });
  writeFileSync(path.join(dir, 'a.csv'), 'file,class\nok/0000.png,ok\n');
  await assert.rejects(scanDataset(path.join(dir, 'a.csv')), (e: unknown) => e instanceof DatasetError && /path,label/.test(e.message) && e.where === `${path.join(dir, 'a.csv')}:1`);
  writeFileSync(path.join(dir, 'b.csv'), 'path,label\nok/0000.png,ok\nok/0000.png,defect\n');
  await assert.rejects(scanDataset(path.join(dir, 'b.csv')), (e: unknown) => e instanceof DatasetError && /listed twice/.test(e.message) && /:3$/.test(e.where ?? ''));
});

test('an empty class, a single class, an unknown minority, a missing folder: DatasetErrors naming the counts', async () => {
  const dir = await tinyDataset({ images: 10 });
  mkdirSync(path.join(dir, 'scratched'));
  writeFileSync(path.join(dir, 'scratched', 'bad.png'), 'junk');
  await assert.rejects(scanDataset(dir), (e: unknown) => e instanceof DatasetError && /'scratched' has no readable images/.test(e.message) && /defect=2, ok=8, scratched=0/.test(e.message) && /1 unreadable/.test(e.message));
  rmSync(path.join(dir, 'scratched'), { recursive: true });
  await assert.rejects(scanDataset(dir, { minorityClass: 'crack' }), (e: unknown) => e instanceof DatasetError && /'crack' is not in the dataset \(counts: defect=2, ok=8\)/.test(e.message));
  rmSync(path.join(dir, 'defect'), { recursive: true });
  await assert.rejects(scanDataset(dir), (e: unknown) => e instanceof DatasetError && /only one class found \(counts: ok=8\)/.test(e.message));
  const empty = tempDir();
  await assert.rejects(scanDataset(empty), (e: unknown) => e instanceof DatasetError && /no class folders/.test(e.message) && typeof e.hint === 'string');
  await assert.rejects(scanDataset(path.join(empty, 'nope')), (e: unknown) => e instanceof DatasetError && /not found/.test(e.message));
});

test('symlinked class folders and images inside the root count; header mode skips the full decode', async () => {
  const linked = await tinyDataset({ images: 20 });
  // The real files live in a hidden pool inside the root (hidden folders are no classes).
  renameSync(path.join(linked, 'ok'), path.join(linked, '.pool-ok'));
  symlinkSync(path.join(linked, '.pool-ok'), path.join(linked, 'ok'));
  mkdirSync(path.join(linked, '.pool-defect'));
  for (const name of ['0000.png', '0001.png']) renameSync(path.join(linked, 'defect', name), path.join(linked, '.pool-defect', name));
  rmSync(path.join(linked, 'defect'), { recursive: true });
  mkdirSync(path.join(linked, 'defect'));
  for (const name of ['0000.png', '0001.png']) symlinkSync(path.join('..', '.pool-defect', name), path.join(linked, 'defect', name));
  symlinkSync(path.join(linked, 'defect', 'gone.png'), path.join(linked, 'defect', 'dangling.png'));
  const index = await scanDataset(linked);
  assert.deepEqual(index.counts, { defect: 2, ok: 16 });
  assert.deepEqual(index.unreadable.map((u) => [path.basename(u.path), /dangling symlink/.test(u.reason)]), [['dangling.png', true]]);

  const source = await tinyDataset({ images: 20 });
  const bytes = readFileSync(path.join(source, 'ok', '0000.png'));
  writeFileSync(path.join(source, 'ok', 'truncated.png'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  assert.equal((await scanDataset(source)).unreadable.length, 1);
  assert.equal((await scanDataset(source, { check: 'header' })).unreadable.length, 0, 'a header-only check cannot see truncation');
});

test('ensureDemoDataset makes the demo data once, and never overwrites a foreign folder', async () => {
  const dir = path.join(tempDir(), 'demo');
  assert.deepEqual(await ensureDemoDataset(dir), { dir, created: true });
  assert.deepEqual((await scanDataset(dir)).counts, { defect: 60, ok: 540 });
  assert.deepEqual(await ensureDemoDataset(dir), { dir, created: false });
  const foreign = tempDir();
  writeFileSync(path.join(foreign, 'mine.txt'), 'keep me');
  await assert.rejects(ensureDemoDataset(foreign), (e: unknown) => e instanceof UserError && /holds no defect\/ and ok\//.test(e.message));
  assert.equal(readFileSync(path.join(foreign, 'mine.txt'), 'utf8'), 'keep me');
});
