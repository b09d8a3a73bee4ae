// Bad input in a dataset folder (issue 11): symlink loops, links leaving the root, aliases that
// count one image twice or under two labels, and file names that are not UTF-8. Each is reported
// with what, where and what to do; the scan never changes the dataset.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DatasetError } from '../../src/core/errors.ts';
import { scanDataset } from '../../src/data/index.ts';
import { tempDir, tinyDataset } from './fixtures.ts';

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

async function refusal(dir: string): Promise<DatasetError> {
  const error = await scanDataset(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${String(error)}`);
  assert.equal(error.where, dir);
  return error;
}

test('symlink loops (to an ancestor, to the root, to itself) are refused by name, not a stack overflow', async () => {
  const dir = await tinyDataset({ images: 20 });
  symlinkSync('..', path.join(dir, 'ok', 'up'));
  symlinkSync(path.join(dir, 'defect'), path.join(dir, 'defect', 'again'));
  symlinkSync('self.png', path.join(dir, 'ok', 'self.png'));
  const before = listing(dir);
  const error = await refusal(dir);
  assert.match(error.message, /3 symlink loop\(s\)/);
  assert.match(error.message, /ok\/up -> \.\. \(leads back to the dataset root, which contains it\)/);
  assert.match(error.message, /defect\/again -> .*defect \(leads back to defect\/, which contains it\)/);
  assert.match(error.message, /ok\/self\.png -> self\.png \(links never reach a file or folder\)/);
  assert.match(error.hint ?? '', /remove the looping links/);
  assert.deepEqual(listing(dir), before, 'the scan changed nothing');
});

test('a link that leaves the dataset root is refused: the hash and the shipped copy could not hold it', async () => {
  const pool = await tinyDataset({ images: 20 });
  const dir = await tinyDataset({ images: 20, seed: 2 });
  symlinkSync(path.join(pool, 'defect'), path.join(dir, 'defect', 'more'));
  symlinkSync(path.join(pool, 'ok', '0000.png'), path.join(dir, 'ok', 'borrowed.png'));
  const error = await refusal(dir);
  assert.match(error.message, /2 symlink\(s\) lead outside the dataset root/);
  assert.ok(error.message.includes(`defect/more -> ${path.join(pool, 'defect')}`), error.message);
  assert.ok(error.message.includes(`ok/borrowed.png -> ${path.join(pool, 'ok', '0000.png')}`), error.message);
  assert.match(error.hint ?? '', /cp -rL/);
});

test('an alias through a link counts no image twice: two labels, or one label twice, are both named', async () => {
  const dir = await tinyDataset({ images: 20 });
  symlinkSync(path.join('..', 'defect', '0000.png'), path.join(dir, 'ok', 'zz-looks-fine.png'));
  mkdirSync(path.join(dir, 'ok', 'nested'));
  symlinkSync(path.join('..', '0001.png'), path.join(dir, 'ok', 'nested', 'copy.png'));
  const error = await refusal(dir);
  assert.match(error.message, /2 image\(s\) reached twice through symlinks/);
  assert.match(error.message, /ok\/zz-looks-fine\.png \(class 'ok'\) is defect\/0000\.png \(class 'defect'\)/);
  assert.match(error.message, /ok\/nested\/copy\.png is ok\/0001\.png \(twice in class 'ok'\)/);
  assert.match(error.hint ?? '', /one class, once/);

  // A whole class folder that is a link to another class: every image under two labels.
  const aliased = await tinyDataset({ images: 20 });
  symlinkSync('ok', path.join(aliased, 'ok-too'));
  assert.match((await refusal(aliased)).message, /16 image\(s\) reached twice[\s\S]*ok\/0000\.png \(class 'ok'\) is ok-too\/0000\.png \(class 'ok-too'\)|ok-too\/0000\.png \(class 'ok-too'\) is ok\/0000\.png \(class 'ok'\)/);
});

test('a file name that is not UTF-8 is left out as unreadable with its bytes shown, not as ENOENT', async () => {
  const dir = await tinyDataset({ images: 20 });
  const bytes = readFileSync(path.join(dir, 'ok', '0000.png'));
  const latin1 = Buffer.concat([Buffer.from(path.join(dir, 'ok', 'caf')), Buffer.from([0xe9]), Buffer.from('.png')]);
  writeFileSync(latin1, bytes);
  // A real U+FFFD in a valid UTF-8 name is just a name.
  writeFileSync(path.join(dir, 'ok', 'odd-\uFFFD.png'), bytes);
  const index = await scanDataset(dir);
  assert.equal(index.counts.ok, 17, 'the valid U+FFFD name counts');
  assert.equal(index.unreadable.length, 1);
  const [bad] = index.unreadable;
  assert.equal(bad!.path, path.join(dir, 'ok', 'caf\\xe9.png'));
  assert.match(bad!.reason, /not valid UTF-8 \(bytes shown escaped\)/);
  assert.match(bad!.reason, /convmv -f latin1 -t utf-8/);
  assert.doesNotMatch(bad!.reason, /ENOENT/);

  // A class folder's name is the label: it must be text.
  const classes = await tinyDataset({ images: 20 });
  mkdirSync(Buffer.concat([Buffer.from(path.join(classes, 'd')), Buffer.from([0xe9]), Buffer.from('faut')]));
  const error = await refusal(classes);
  assert.match(error.message, /a class folder's name is not valid UTF-8: 'd\\xe9faut'/);
  assert.match(error.hint ?? '', /rename it in UTF-8/);
});

test('no class folders is still its own message', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'x.png'), 'x');
  assert.match((await refusal(dir)).message, /no class folders found/);
});
