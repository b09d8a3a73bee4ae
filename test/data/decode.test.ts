import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { DatasetError, UserError } from '../../src/core/errors.ts';
import { decodeImage } from '../../src/data/index.ts';
import { tempDir } from './fixtures.ts';

const dir = tempDir();

/** RGB pixel (r, c) of a decoded n x n image. */
function pixel(data: Float32Array, n: number, r: number, c: number): number[] {
  const i = (r * n + c) * 3;
  return [data[i]!, data[i + 1]!, data[i + 2]!].map((v) => Math.round(v * 255));
}

test('any resolution from 32 to 1024; outside is a UserError, as is an unknown fit', async () => {
  const file = path.join(dir, 'small.png');
  await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toFile(file);
  for (const resolution of [32, 77, 1024]) {
    const data = await decodeImage(file, { resolution, fit: 'stretch' });
    assert.equal(data.length, resolution * resolution * 3);
    assert.deepEqual(pixel(data, resolution, resolution - 1, 0), [255, 0, 0]);
  }
  await assert.rejects(decodeImage(file, { resolution: 31, fit: 'stretch' }), (e: unknown) => e instanceof UserError && /31 is out of range/.test(e.message) && /32 to 1024/.test(e.hint ?? ''));
  await assert.rejects(decodeImage(file, { resolution: 1025, fit: 'stretch' }), UserError);
  await assert.rejects(decodeImage(file, { resolution: 64.5, fit: 'stretch' }), UserError);
  await assert.rejects(decodeImage(file, { resolution: 64, fit: 'squash' as never }), (e: unknown) => e instanceof UserError && /unknown fit 'squash'/.test(e.message));
});

test('fit: stretch distorts, contain pads with black, cover crops the centre', async () => {
  // 80x40: left half red, right half blue.
  const file = path.join(dir, 'wide.png');
  const raw = Buffer.alloc(80 * 40 * 3);
  for (let r = 0; r < 40; r++) for (let c = 0; c < 80; c++) raw.set(c < 40 ? [255, 0, 0] : [0, 0, 255], (r * 80 + c) * 3);
  await sharp(raw, { raw: { width: 80, height: 40, channels: 3 } }).png().toFile(file);
  const n = 40;
  const stretch = await decodeImage(file, { resolution: n, fit: 'stretch' });
  assert.deepEqual(pixel(stretch, n, 0, 0), [255, 0, 0]);
  assert.deepEqual(pixel(stretch, n, 0, n - 1), [0, 0, 255]);
  const contain = await decodeImage(file, { resolution: n, fit: 'contain' });
  assert.deepEqual(pixel(contain, n, 0, 0), [0, 0, 0], 'top band is padding');
  assert.deepEqual(pixel(contain, n, n / 2, 2), [255, 0, 0]);
  assert.deepEqual(pixel(contain, n, n - 1, n - 1), [0, 0, 0], 'bottom band is padding');
  const cover = await decodeImage(file, { resolution: n, fit: 'cover' });
  // The centre 40x40 of the 80x40 image: columns 20..59, half red, half blue, no padding.
  assert.deepEqual(pixel(cover, n, 0, 0), [255, 0, 0]);
  assert.deepEqual(pixel(cover, n, n - 1, n - 1), [0, 0, 255]);
});

test('grayscale becomes RGB, alpha is dropped, 16-bit is read', async () => {
  const gray = path.join(dir, 'gray.png');
  await sharp(Buffer.alloc(32 * 32, 100), { raw: { width: 32, height: 32, channels: 1 } }).toColourspace('b-w').png().toFile(gray);
  assert.equal((await sharp(gray).metadata()).channels, 1);
  const g = await decodeImage(gray, { resolution: 32, fit: 'stretch' });
  assert.deepEqual(pixel(g, 32, 5, 5), [100, 100, 100]);

  const rgba = path.join(dir, 'rgba.png');
  await sharp({ create: { width: 32, height: 32, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).png().toFile(rgba);
  const a = await decodeImage(rgba, { resolution: 32, fit: 'stretch' });
  assert.equal(a.length, 32 * 32 * 3);
  assert.deepEqual(pixel(a, 32, 3, 3), [10, 200, 30]);

  const deep = path.join(dir, 'deep.png');
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 255, g: 128, b: 0 } } }).toColourspace('rgb16').png().toFile(deep);
  assert.equal((await sharp(deep).metadata()).depth, 'ushort');
  const d = await decodeImage(deep, { resolution: 32, fit: 'stretch' });
  assert.deepEqual(pixel(d, 32, 0, 0), [255, 128, 0]);
  assert.ok(d.every((v) => v >= 0 && v <= 1));
});

test('EXIF orientation is honoured', async () => {
  // Stored 64 wide x 32 high, top half white; orientation 6 = display rotated 90° clockwise.
  const raw = Buffer.alloc(64 * 32 * 3);
  for (let r = 0; r < 16; r++) raw.fill(255, r * 64 * 3, (r + 1) * 64 * 3);
  const file = path.join(dir, 'rotated.jpg');
  await sharp(raw, { raw: { width: 64, height: 32, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(file);
  assert.equal((await sharp(file).metadata()).orientation, 6);
  const data = await decodeImage(file, { resolution: 32, fit: 'stretch' });
  // After rotating clockwise the stored top (white) is on the right.
  assert.ok(pixel(data, 32, 16, 31)[0]! > 200, 'right is white');
  assert.ok(pixel(data, 32, 16, 0)[0]! < 50, 'left is black');
});

test('an undecodable file is a DatasetError naming the path', async () => {
  const file = path.join(dir, 'bad.png');
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toFile(file);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, 'not a png');
  await assert.rejects(decodeImage(file, { resolution: 32, fit: 'cover' }), (e: unknown) => e instanceof DatasetError && e.where === file);
});
