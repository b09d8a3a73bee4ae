// A one-row label typo ('okk') used to become a third class announced as the study's minority
// (issue 11): the scan now refuses it, naming the class, its count and where its image came from.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { DatasetError } from '../../src/core/errors.ts';
import { scanDataset } from '../../src/data/index.ts';
import { tinyDataset } from './fixtures.ts';

async function scanError(source: string): Promise<DatasetError> {
  const error = await scanDataset(source).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof DatasetError, `expected a DatasetError, got ${String(error)}`);
  return error;
}

function rowsOf(dir: string): string[] {
  return ['defect', 'ok'].flatMap((label) => readdirSync(path.join(dir, label)).sort().map((file) => `${label}/${file},${label}`));
}

test("a CSV row labelled 'okk' is refused as a likely typo, naming its manifest line; the manifest is left as it was", async () => {
  const dir = await tinyDataset({ images: 30 });
  const rows = rowsOf(dir);
  rows[7] = rows[7]!.replace(/,ok$/, ',okk').replace(/,defect$/, ',okk');
  const csv = path.join(dir, 'labels.csv');
  const text = ['path,label', ...rows, ''].join('\n');
  writeFileSync(csv, text);
  const error = await scanError(csv);
  assert.match(error.message, /class 'okk' has 1 image \(line 9\) — a typo\?/);
  assert.match(error.message, /counts: defect=\d+, ok=\d+, okk=1/);
  assert.match(error.hint ?? '', /fix the label/);
  assert.equal(readFileSync(csv, 'utf8'), text);

  // The same rows with the label fixed scan as two classes.
  rows[7] = rows[7]!.replace(/,okk$/, rows[7]!.startsWith('ok/') ? ',ok' : ',defect');
  writeFileSync(csv, ['path,label', ...rows, ''].join('\n'));
  const index = await scanDataset(csv);
  assert.deepEqual(index.classNames, ['defect', 'ok']);
});

test('a stray folder of one image beside two real classes is refused by its path; a real small third class is not', async () => {
  const dir = await tinyDataset({ images: 30 });
  mkdirSync(path.join(dir, 'Ok'));
  const first = readdirSync(path.join(dir, 'ok')).sort()[0]!;
  copyFileSync(path.join(dir, 'ok', first), path.join(dir, 'Ok', 'stray.png'));
  const error = await scanError(dir);
  assert.match(error.message, /class 'Ok' has 1 image \(Ok\/stray\.png\) — a typo\?/);

  // Three images in the third class, no longer ten times smaller than the largest: accepted.
  for (const [i, file] of readdirSync(path.join(dir, 'ok')).sort().slice(1, 3).entries()) copyFileSync(path.join(dir, 'ok', file), path.join(dir, 'Ok', `more${i}.png`));
  const index = await scanDataset(dir);
  assert.deepEqual(index.classNames, ['Ok', 'defect', 'ok']);
});
