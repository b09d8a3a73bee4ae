// The IDX reader and the one-vs-one task builder, on tiny IDX files the tests write themselves
// (gzipped with node:zlib as Fashion-MNIST ships them); CI does not depend on the Debian package.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { DatasetError } from '../../src/core/errors.ts';
import { encodeIdx, parseIdx, readIdxImages, readIdxLabels, readIdxSet, scanDataset, writeOneVsOneTask } from '../../src/data/index.ts';
import { tempDir } from './fixtures.ts';

const ROWS = 5;
const COLUMNS = 4;

/** Image i is filled with grey level 10 * i except pixel (row 1, column 2), which is 255 - i. */
function tinyImages(count: number): Uint8Array {
  const pixels = new Uint8Array(count * ROWS * COLUMNS);
  for (let i = 0; i < count; i++) {
    pixels.fill(10 * i, i * ROWS * COLUMNS, (i + 1) * ROWS * COLUMNS);
    pixels[i * ROWS * COLUMNS + 1 * COLUMNS + 2] = 255 - i;
  }
  return pixels;
}

// 20 images: labels cycle 0..3, so label 1 is images 1, 5, 9, 13, 17 and label 3 is 3, 7, 11, 15, 19.
const COUNT = 20;
const LABELS = Uint8Array.from({ length: COUNT }, (_, i) => i % 4);

function writeSet(dir: string, gzip = true): { images: string; labels: string } {
  const images = `images-idx3-ubyte${gzip ? '.gz' : ''}`;
  const labels = `labels-idx1-ubyte${gzip ? '.gz' : ''}`;
  const wrap = (bytes: Uint8Array) => (gzip ? gzipSync(bytes) : bytes);
  writeFileSync(path.join(dir, images), wrap(encodeIdx([COUNT, ROWS, COLUMNS], tinyImages(COUNT))));
  writeFileSync(path.join(dir, labels), wrap(encodeIdx([COUNT], LABELS)));
  return { images, labels };
}

test('reads gzipped and plain IDX images and labels: dims, pixels in row-major order, labels', async () => {
  for (const gzip of [true, false]) {
    const dir = tempDir();
    const files = writeSet(dir, gzip);
    const images = await readIdxImages(path.join(dir, files.images));
    assert.deepEqual([images.count, images.rows, images.columns], [COUNT, ROWS, COLUMNS]);
    assert.equal(images.pixels.length, COUNT * ROWS * COLUMNS);
    assert.equal(images.pixels[7 * ROWS * COLUMNS], 70);
    assert.equal(images.pixels[7 * ROWS * COLUMNS + 1 * COLUMNS + 2], 248);
    assert.deepEqual([...(await readIdxLabels(path.join(dir, files.labels)))], [...LABELS]);
  }
});

test('bad IDX files fail with what is wrong and which file', async () => {
  const where = 'x.idx';
  const rejects = (bytes: Uint8Array, message: RegExp) =>
    assert.throws(() => parseIdx(bytes, where), (e: unknown) => e instanceof DatasetError && message.test(e.message) && e.where === where);
  rejects(Uint8Array.of(0x89, 0x50, 0x4e, 0x47), /not an IDX file: magic number starts 0x8950/);
  rejects(Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0), /element type 0x0d is not supported/);
  rejects(Uint8Array.of(0, 0), /too short/);
  rejects(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 2), /declares 3 dimensions but the file ends after 8 bytes/);
  const truncated = encodeIdx([3, 2, 2], new Uint8Array(12)).subarray(0, 20);
  rejects(truncated, /dimensions 3 x 2 x 2 need 12 data bytes, the file has 4/);
  rejects(gzipSync(encodeIdx([2], Uint8Array.of(1, 2))).subarray(0, 12), /not a readable gzip file/);

  const dir = tempDir();
  const files = writeSet(dir);
  await assert.rejects(readIdxImages(path.join(dir, files.labels)), /3 dimensions .* this one has 1 \(20\).*/);
  await assert.rejects(readIdxLabels(path.join(dir, files.images)), (e: unknown) => e instanceof DatasetError && /1 dimension/.test(e.message) && /images file/.test(e.hint ?? ''));
  await assert.rejects(readIdxImages(path.join(dir, 'missing.gz')), (e: unknown) => e instanceof DatasetError && /not found/.test(e.message) && e.where!.endsWith('missing.gz'));
});

test('one-vs-one task: the asked counts per class folder, pixels of the chosen images, seeded choice', async () => {
  const dir = tempDir();
  const files = writeSet(dir);
  const { images, labels } = await readIdxSet(dir, files);
  const names = ['a', 'b', 'c', 'd'];
  const task = { name: 'b-vs-d', majorityLabel: 1, minorityLabel: 3 };
  const write = (seed: number, out = tempDir()) => writeOneVsOneTask({ images, labels, task, classNames: names, majorityCount: 4, minorityCount: 2, seed, out });
  const one = await write(7);
  assert.deepEqual([one.majorityClass, one.minorityClass], ['b', 'd']);
  assert.deepEqual(readdirSync(one.dir).sort(), ['b', 'd']);
  assert.equal(readdirSync(path.join(one.dir, 'b')).length, 4);
  assert.equal(readdirSync(path.join(one.dir, 'd')).length, 2);
  for (const index of one.indices.majority) assert.equal(index % 4, 1);
  for (const index of one.indices.minority) assert.equal(index % 4, 3);
  assert.equal(new Set(one.indices.majority).size, 4);
  // The PNG holds the chosen image's pixels: grey, 4 x 5, level 10 * index with the marked pixel.
  const chosen = one.indices.minority[1]!;
  const file = path.join(one.dir, 'd', '0001.png');
  const meta = await sharp(file).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', COLUMNS, ROWS, 1]);
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  assert.equal(data[0], 10 * chosen);
  assert.equal(data[(1 * COLUMNS + 2) * info.channels], 255 - chosen);
  // Same seed, same choice; the 5-choose-4 majority choice differs for some other seed.
  assert.deepEqual((await write(7)).indices, one.indices);
  const others = await Promise.all([1, 2, 3, 4, 5].map((seed) => write(seed)));
  assert.ok(others.some((o) => o.indices.majority.join() !== one.indices.majority.join()));
  // skewer's scanner sees a two-class dataset with the rarer class as the minority.
  const scan = await scanDataset(one.dir);
  assert.deepEqual(scan.classNames, ['b', 'd']);
  assert.equal(scan.items.length, 6);
});

test('one-vs-one task: too few images of a label, or mismatched files, say so', async () => {
  const dir = tempDir();
  const files = writeSet(dir);
  const { images, labels } = await readIdxSet(dir, files);
  const task = { name: 't', majorityLabel: 1, minorityLabel: 3 };
  await assert.rejects(
    writeOneVsOneTask({ images, labels, task, classNames: ['a', 'b', 'c', 'd'], majorityCount: 6, minorityCount: 1, seed: 1, out: tempDir() }),
    (e: unknown) => e instanceof DatasetError && /label 1 has 5 images, 6 were asked for/.test(e.message),
  );
  await assert.rejects(
    writeOneVsOneTask({ images, labels: labels.subarray(0, 10), task, classNames: ['a', 'b', 'c', 'd'], majorityCount: 2, minorityCount: 1, seed: 1, out: tempDir() }),
    /10 labels for 20 images/,
  );
});
