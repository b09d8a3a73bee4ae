// A CSV manifest names only images inside its own folder (issue 11): that folder is what the
// dataset hash covers and what remote agents receive, so a row outside it is refused up front
// (a remote agent once saw 56 of 57 images missing). Links inside the folder are shipped as the
// files they name; links out of it are refused by the archive too.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DatasetError, UserError } from '../../src/core/errors.ts';
import { scanDataset } from '../../src/data/index.ts';
import { hashDataset, publishDataset, resolveDataset } from '../../src/transport/dataset-archive.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { tempDir, tinyDataset } from './fixtures.ts';

async function manifestError(csv: string): Promise<DatasetError> {
  const error = await scanDataset(csv).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${String(error)}`);
  return error;
}

test("rows outside the manifest's folder (../, absolute, a link out) are refused, listed by line", async () => {
  const images = await tinyDataset({ images: 20 });
  const elsewhere = await tinyDataset({ images: 20, seed: 2 });
  const folder = path.join(images, 'lists');
  mkdirSync(folder);
  symlinkSync(path.join(elsewhere, 'ok', '0001.png'), path.join(folder, 'linked.png'));
  const csv = path.join(folder, 'manifest.csv');
  const original = ['path,label', '../defect/0000.png,defect', `${path.join(elsewhere, 'ok', '0000.png')},ok`, 'linked.png,ok', ''].join('\n');
  writeFileSync(csv, original);
  const error = await manifestError(csv);
  assert.equal(error.where, csv);
  assert.match(error.message, /3 of 3 manifest row\(s\) name images outside the manifest's folder/);
  assert.match(error.message, /line 2: \.\.\/defect\/0000\.png/);
  assert.ok(error.message.includes(`line 3: ${path.join(elsewhere, 'ok', '0000.png')}`), error.message);
  assert.ok(error.message.includes(`line 4: linked.png -> ${path.join(elsewhere, 'ok', '0001.png')}`), error.message);
  assert.match(error.hint ?? '', /what remote agents receive[\s\S]*Move the CSV up/);
  assert.equal(readFileSync(csv, 'utf8'), original, 'the manifest is left as it was');

  // The advice works: the same rows from the folder that holds them scan fine (absolute paths inside too).
  const moved = path.join(images, 'manifest.csv');
  writeFileSync(moved, ['path,label', 'defect/0000.png,defect', 'defect/0001.png,defect', `${path.join(images, 'ok', '0000.png')},ok`, 'ok/0001.png,ok', ''].join('\n'));
  assert.deepEqual((await scanDataset(moved)).counts, { defect: 2, ok: 2 });
});

test('two rows naming one file through a link are listed twice; a manifest that is not UTF-8 is named as such', async () => {
  const dir = await tinyDataset({ images: 20 });
  symlinkSync(path.join('ok', '0000.png'), path.join(dir, 'alias.png'));
  writeFileSync(path.join(dir, 'a.csv'), 'path,label\nok/0000.png,ok\nalias.png,defect\ndefect/0000.png,defect\n');
  const twice = await manifestError(path.join(dir, 'a.csv'));
  assert.match(twice.message, /image listed twice: alias\.png is the file of line 2 \(through a symlink\)/);
  assert.equal(twice.where, `${path.join(dir, 'a.csv')}:3`);

  writeFileSync(path.join(dir, 'b.csv'), Buffer.concat([Buffer.from('path,label\nok/0000.png,ok\nok/caf'), Buffer.from([0xe9]), Buffer.from('.png,ok\n')]));
  const latin1 = await manifestError(path.join(dir, 'b.csv'));
  assert.match(latin1.message, /not valid UTF-8; line 3 reads 'ok\/caf\\xe9\.png,ok'/);
  assert.equal(latin1.where, `${path.join(dir, 'b.csv')}:3`);
  assert.match(latin1.hint ?? '', /iconv -f latin1 -t utf-8/);
});

test('a link inside the dataset folder is hashed and shipped as its file; a link out of it is refused by the archive', async () => {
  const base = tempDir('skewer-archive-links-');
  const dir = await tinyDataset({ images: 20 });
  renameSync(path.join(dir, 'defect'), path.join(dir, '.pool'));
  symlinkSync('.pool', path.join(dir, 'defect'));
  const scanned = await scanDataset(dir);
  assert.equal(scanned.counts.defect, 4);
  const objects = await createMemoryTransport().objects('datasets');
  const ref = await publishDataset(objects, dir);
  const copy = await resolveDataset(objects, { ...ref, path: path.join(base, 'not-here') }, path.join(base, 'cache'));
  assert.notEqual(copy, dir);
  assert.equal(await hashDataset(copy), ref.hash);
  // The remote copy holds the linked images as files: the agent's scan counts what the coordinator's did.
  const remote = await scanDataset(copy);
  assert.deepEqual(remote.counts, scanned.counts);
  assert.equal(remote.hash, scanned.hash);

  const outside = await tinyDataset({ images: 20, seed: 3 });
  symlinkSync(path.join(outside, 'ok'), path.join(dir, 'ok', 'more'));
  await assert.rejects(
    publishDataset(objects, dir),
    (e: unknown) => e instanceof UserError && e.where === dir && e.message.includes(`ok/more -> ${path.join(outside, 'ok')}: outside the dataset folder`) && /cp -rL/.test(e.hint ?? ''),
  );
  symlinkSync('..', path.join(dir, 'ok', 'loop'));
  await assert.rejects(hashDataset(dir), (e: unknown) => e instanceof UserError && /ok\/loop -> .*: a symlink loop/.test(e.message));
});
