// BMP files decoded by our decoder (the prebuilt sharp reads none), written here by an
// independent little encoder so each variant's bytes follow the format's own rules.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { decodeBmp } from '../../src/data/bmp.ts';
import { checkImage, decodeImageBytes } from '../../src/data/decode.ts';
import { scanDataset } from '../../src/data/scan.ts';

const W = 5; // odd, so 24-bit rows need padding
const H = 3;
/** A 5x3 RGB test pattern, top row first. */
const PIXELS = Uint8Array.from({ length: W * H * 3 }, (_, i) => (i * 37 + 11) % 256);
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Variant {
  bits: 1 | 4 | 8 | 16 | 24 | 32;
  header?: 12 | 40 | 124;
  topDown?: boolean;
  /** bit fields for 16/32 bits: [r, g, b, a] */
  masks?: [number, number, number, number];
  palette?: Array<[number, number, number]>;
  /** palette index per pixel, top row first (for bits <= 8) */
  indices?: number[];
  /** pixel data given whole (RLE), bottom-up */
  rle?: number[];
  rgba?: Uint8Array;
}

function u16(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff];
}
function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function encode(v: Variant, width = W, height = H, rgb = PIXELS): Buffer {
  const headerSize = v.header ?? 40;
  const compression = v.rle ? 1 : v.masks ? 3 : 0;
  const pixelRows: number[][] = [];
  for (let y = 0; y < height; y++) {
    const row: number[] = [];
    if (v.bits <= 8) {
      let acc = 0;
      let used = 0;
      for (let x = 0; x < width; x++) {
        acc = (acc << v.bits) | v.indices![y * width + x]!;
        used += v.bits;
        if (used === 8) [row[row.length], acc, used] = [acc, 0, 0];
      }
      if (used > 0) row.push(acc << (8 - used));
    } else {
      for (let x = 0; x < width; x++) {
        const p = (y * width + x) * 3;
        const [r, g, b] = [rgb[p]!, rgb[p + 1]!, rgb[p + 2]!];
        if (v.bits === 24) row.push(b, g, r);
        else {
          const [mr, mg, mb, ma] = v.masks!;
          const a = v.rgba ? v.rgba[y * width + x]! : 255;
          const pack = (value: number, mask: number) => {
            if (!mask) return 0;
            const shift = Math.log2(mask & -mask);
            const max = mask / 2 ** shift;
            return Math.round((value * max) / 255) * 2 ** shift;
          };
          const word = pack(r, mr) + pack(g, mg) + pack(b, mb) + pack(a, ma);
          row.push(...(v.bits === 16 ? u16(word) : u32(word)));
        }
      }
    }
    while (row.length % 4) row.push(0);
    pixelRows.push(row);
  }
  const ordered = v.topDown ? pixelRows : [...pixelRows].reverse();
  const pixelBytes = v.rle ?? ordered.flat();
  const palette = (v.palette ?? []).flatMap(([r, g, b]) => (headerSize === 12 ? [b, g, r] : [b, g, r, 0]));
  const maskBytes = v.masks && headerSize === 40 ? v.masks.slice(0, 3).flatMap(u32) : [];
  let info: number[];
  if (headerSize === 12) {
    info = [...u32(12), ...u16(width), ...u16(height), ...u16(1), ...u16(v.bits)];
  } else {
    info = [...u32(headerSize), ...u32(width), ...u32(v.topDown ? -height : height), ...u16(1), ...u16(v.bits), ...u32(compression),
      ...u32(pixelBytes.length), ...u32(2835), ...u32(2835), ...u32(v.palette?.length ?? 0), ...u32(0)];
    if (headerSize === 124) {
      const [mr, mg, mb, ma] = v.masks ?? [0, 0, 0, 0];
      info.push(...u32(mr), ...u32(mg), ...u32(mb), ...u32(ma));
      while (info.length < 124) info.push(0);
    }
  }
  const offset = 14 + info.length + maskBytes.length + palette.length;
  const file = [0x42, 0x4d, ...u32(offset + pixelBytes.length), 0, 0, 0, 0, ...u32(offset), ...info, ...maskBytes, ...palette, ...pixelBytes];
  return Buffer.from(file);
}

const GRAYS: Array<[number, number, number]> = [[0, 0, 0], [255, 255, 255], [200, 10, 30], [5, 90, 250]];
const INDICES = Array.from({ length: W * H }, (_, i) => (i * 7) % 4);
const fromPalette = (palette: Array<[number, number, number]>, indices: number[]) => Buffer.from(indices.flatMap((i) => palette[i]!));

test('24-bit BMP, bottom-up and top-down, BITMAPINFOHEADER and OS/2 header: exact pixels, padding skipped', () => {
  for (const variant of [{ bits: 24 }, { bits: 24, topDown: true }, { bits: 24, header: 12 }] as Variant[]) {
    const image = decodeBmp(encode(variant));
    assert.deepEqual([image.width, image.height, image.channels], [W, H, 3], JSON.stringify(variant));
    assert.deepEqual([...image.data], [...PIXELS], JSON.stringify(variant));
  }
});

test('palette BMPs of 1, 4 and 8 bits map indices to their colours', () => {
  const two = GRAYS.slice(0, 2);
  const binary = INDICES.map((i) => i % 2);
  assert.deepEqual(decodeBmp(encode({ bits: 1, palette: two, indices: binary })).data, fromPalette(two, binary));
  assert.deepEqual(decodeBmp(encode({ bits: 4, palette: GRAYS, indices: INDICES })).data, fromPalette(GRAYS, INDICES));
  assert.deepEqual(decodeBmp(encode({ bits: 8, palette: GRAYS, indices: INDICES, topDown: true })).data, fromPalette(GRAYS, INDICES));
});

test('16- and 32-bit BMPs with bit fields, and 32-bit alpha in a V5 header', () => {
  const rgb565 = decodeBmp(encode({ bits: 16, masks: [0xf800, 0x07e0, 0x001f, 0] }));
  for (let i = 0; i < PIXELS.length; i++) {
    const bitsOf = i % 3 === 1 ? 6 : 5;
    assert.ok(Math.abs(rgb565.data[i]! - PIXELS[i]!) <= 256 / 2 ** bitsOf, `channel ${i}: ${rgb565.data[i]} vs ${PIXELS[i]}`);
  }
  const bgrx = decodeBmp(encode({ bits: 32, masks: [0xff0000, 0xff00, 0xff, 0] }));
  assert.equal(bgrx.channels, 3);
  assert.deepEqual([...bgrx.data], [...PIXELS]);
  const alpha = Uint8Array.from({ length: W * H }, (_, i) => i * 17);
  const rgba = decodeBmp(encode({ bits: 32, header: 124, masks: [0xff0000, 0xff00, 0xff, 0xff000000], rgba: alpha, topDown: true }));
  assert.equal(rgba.channels, 4);
  for (let p = 0; p < W * H; p++) {
    assert.deepEqual([...rgba.data.subarray(p * 4, p * 4 + 3)], [...PIXELS.subarray(p * 3, p * 3 + 3)]);
    assert.equal(rgba.data[p * 4 + 3], alpha[p]);
  }
});

test('RLE8: runs, an absolute run, end of line, a delta and end of bitmap', () => {
  // 4x2 image, bottom row first: a run of 3 x index 2, end of line; then a delta one pixel right,
  // an absolute run [3, 1, 3] (padded to 16 bits), end of bitmap. Unwritten pixels are index 0.
  const rle = [3, 2, 0, 0, 0, 2, 1, 0, 0, 3, 3, 1, 3, 0, 0, 1];
  const image = decodeBmp(encode({ bits: 8, palette: GRAYS, indices: [], rle }, 4, 2));
  const top = [0, 3, 1, 3];
  const bottom = [2, 2, 2, 0];
  assert.deepEqual(image.data, fromPalette(GRAYS, [...top, ...bottom]));
});

test('RLE4: a run alternates its two nibbles; an absolute run reads nibbles in order', () => {
  const rle = [4, 0x13, 0, 0, 0, 3, 0x21, 0x30, 0, 1];
  const file = encode({ bits: 4, palette: GRAYS, indices: [], rle }, 4, 2);
  file.writeUInt32LE(2, 30); // BI_RLE4 (the encoder writes RLE8's code)
  assert.deepEqual(decodeBmp(file).data, fromPalette(GRAYS, [2, 1, 3, 0, 1, 3, 1, 3]));
});

test('bad BMPs are refused with the reason: truncated pixels, truncated RLE, unsupported compression', () => {
  const whole = encode({ bits: 24 });
  assert.throws(() => decodeBmp(whole.subarray(0, whole.length - 5)), /truncated \(pixel data/);
  assert.throws(() => decodeBmp(encode({ bits: 8, palette: GRAYS, indices: [], rle: [3, 2, 0] }, 4, 2)), /truncated \(RLE/);
  const jpegInside = Buffer.from(whole);
  jpegInside.writeUInt32LE(4, 30);
  assert.throws(() => decodeBmp(jpegInside), /JPEG or PNG inside BMP/);
});

test('a BMP decodes through the pipeline exactly like the same pixels as PNG, is checked, and scans as an image', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-bmp-'));
  dirs.push(dir);
  const [width, height] = [40, 24];
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 13) % 251);
  const bmp = encode({ bits: 24 }, width, height, rgb);
  const png = await sharp(Buffer.from(rgb), { raw: { width, height, channels: 3 } }).png().toBuffer();
  for (const fit of ['stretch', 'contain', 'cover'] as const) {
    const fromBmp = await decodeImageBytes(bmp, { resolution: 32, fit });
    const fromPng = await decodeImageBytes(png, { resolution: 32, fit });
    assert.deepEqual(fromBmp, fromPng, fit);
  }
  assert.deepEqual(await checkImage(bmp), { ok: true, width, height });
  const truncated = await checkImage(bmp.subarray(0, 200));
  assert.equal(truncated.ok, false);
  assert.match(truncated.reason!, /truncated/);
  // A folder dataset with BMP files (one of them cut short) scans them as images.
  for (const label of ['defect', 'ok']) mkdirSync(path.join(dir, 'data', label), { recursive: true });
  writeFileSync(path.join(dir, 'data', 'defect', 'a.BMP'), bmp);
  writeFileSync(path.join(dir, 'data', 'defect', 'cut.bmp'), bmp.subarray(0, 300));
  for (let i = 0; i < 3; i++) writeFileSync(path.join(dir, 'data', 'ok', `${i}.bmp`), bmp);
  const index = await scanDataset(path.join(dir, 'data'));
  assert.deepEqual(index.counts, { defect: 1, ok: 3 });
  assert.deepEqual(index.unreadable.map((u) => [path.basename(u.path), /truncated/.test(u.reason)]), [['cut.bmp', true]]);
  assert.deepEqual(await decodeImageBytes(path.join(dir, 'data', 'defect', 'a.BMP'), { resolution: 32, fit: 'stretch' }), await decodeImageBytes(png, { resolution: 32, fit: 'stretch' }));
});
