/**
 * A Windows BMP decoder, because the prebuilt sharp (libvips without ImageMagick) reads no BMP, and
 * industrial cameras and older datasets often write it. It turns a file into raw 8-bit RGB(A) rows,
 * top row first, which sharp then resizes like any other image.
 *
 * Covers what real files use: BITMAPCOREHEADER (OS/2, 12 bytes) and BITMAPINFOHEADER and its V2-V5
 * extensions; 1, 2, 4 and 8 bits with a palette, 16 bits (5-5-5 or bit fields), 24 bits, and 32
 * bits (BGRX, or bit fields with alpha); uncompressed, BI_BITFIELDS, BI_ALPHABITFIELDS, RLE8 and
 * RLE4; bottom-up and top-down rows. JPEG/PNG-in-BMP and CMYK variants are refused by name. A file
 * that ends before its pixels do is an error ("truncated"), never a half image.
 */

export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  /** width * height * channels bytes, top row first. */
  readonly data: Buffer;
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;
const MAX_SIDE = 1 << 15;

export class BmpError extends Error {}

/** True when `bytes` start like a BMP file ("BM"). */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

/** Width and height from the header alone. */
export function bmpSize(bytes: Buffer): { width: number; height: number } {
  const header = readHeader(bytes);
  return { width: header.width, height: header.height };
}

interface Header {
  width: number;
  height: number;
  topDown: boolean;
  bits: number;
  compression: number;
  pixelOffset: number;
  palette: Uint8Array[];
  masks?: { r: number; g: number; b: number; a: number };
}

function readHeader(bytes: Buffer): Header {
  if (!isBmp(bytes)) throw new BmpError('not a BMP file (no "BM" signature)');
  need(bytes, 18, 'file header');
  const pixelOffset = bytes.readUInt32LE(10);
  const size = bytes.readUInt32LE(14);
  need(bytes, 14 + size, 'info header');
  let width: number;
  let rawHeight: number;
  let bits: number;
  let compression = BI_RGB;
  let paletteEntrySize = 4;
  let colorsUsed = 0;
  if (size === 12) {
    width = bytes.readUInt16LE(18);
    rawHeight = bytes.readInt16LE(20);
    bits = bytes.readUInt16LE(24);
    paletteEntrySize = 3;
  } else if (size >= 40) {
    width = bytes.readInt32LE(18);
    rawHeight = bytes.readInt32LE(22);
    bits = bytes.readUInt16LE(28);
    compression = bytes.readUInt32LE(30);
    colorsUsed = bytes.readUInt32LE(46);
  } else {
    throw new BmpError(`unsupported BMP header of ${size} bytes`);
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height <= 0 || width > MAX_SIDE || height > MAX_SIDE) throw new BmpError(`bad BMP size ${width}x${rawHeight}`);
  if (compression === 4 || compression === 5) throw new BmpError('JPEG or PNG inside BMP is not supported; convert the file to PNG');
  if (![BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(compression)) throw new BmpError(`unsupported BMP compression ${compression}`);
  if (![1, 2, 4, 8, 16, 24, 32].includes(bits)) throw new BmpError(`unsupported BMP bit depth ${bits}`);
  if ((compression === BI_RLE8 && bits !== 8) || (compression === BI_RLE4 && bits !== 4)) throw new BmpError(`RLE compression with ${bits} bits per pixel`);

  let masks: Header['masks'];
  if (bits === 16 || bits === 32) {
    if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
      // The masks follow a 40-byte header, or sit inside the V2+ headers at the same place.
      const count = compression === BI_ALPHABITFIELDS || size >= 56 ? 4 : 3;
      need(bytes, 54 + 4 * count, 'bit-field masks');
      masks = { r: bytes.readUInt32LE(54), g: bytes.readUInt32LE(58), b: bytes.readUInt32LE(62), a: count === 4 ? bytes.readUInt32LE(66) : 0 };
    } else if (bits === 16) {
      masks = { r: 0x7c00, g: 0x03e0, b: 0x001f, a: 0 };
    } else {
      masks = { r: 0xff0000, g: 0xff00, b: 0xff, a: 0 };
    }
  }
  const palette: Uint8Array[] = [];
  if (bits <= 8) {
    const entries = colorsUsed > 0 ? Math.min(colorsUsed, 1 << bits) : 1 << bits;
    let at = 14 + size + (compression === BI_BITFIELDS && size === 40 ? 12 : 0);
    for (let i = 0; i < entries && at + paletteEntrySize <= pixelOffset; i++, at += paletteEntrySize) {
      palette.push(Uint8Array.of(bytes[at + 2]!, bytes[at + 1]!, bytes[at]!));
    }
    if (palette.length === 0) throw new BmpError('palette missing');
  }
  return { width, height, topDown, bits, compression, pixelOffset, palette, ...(masks && { masks }) };
}

/** Decodes a whole BMP into raw RGB (or RGBA, when it has real alpha) rows, top row first. */
export function decodeBmp(bytes: Buffer): RawImage {
  const header = readHeader(bytes);
  const { width, height, bits } = header;
  const hasAlpha = header.masks !== undefined && header.masks.a !== 0;
  const channels = hasAlpha ? 4 : 3;
  const out = Buffer.alloc(width * height * channels);
  const put = (x: number, fileRow: number, r: number, g: number, b: number, a = 255): void => {
    const y = header.topDown ? fileRow : height - 1 - fileRow;
    const at = (y * width + x) * channels;
    out[at] = r;
    out[at + 1] = g;
    out[at + 2] = b;
    if (hasAlpha) out[at + 3] = a;
  };
  if (header.compression === BI_RLE8 || header.compression === BI_RLE4) {
    decodeRle(bytes, header, (x, row, index) => {
      const color = header.palette[index] ?? header.palette[0]!;
      put(x, row, color[0]!, color[1]!, color[2]!);
    });
    return { width, height, channels, data: out };
  }
  const stride = Math.ceil((width * bits) / 32) * 4;
  // The last row needs only its pixels, not its padding.
  need(bytes, header.pixelOffset + stride * (height - 1) + Math.ceil((width * bits) / 8), 'pixel data');
  const fields = header.masks && [channel(header.masks.r), channel(header.masks.g), channel(header.masks.b), channel(header.masks.a)];
  for (let row = 0; row < height; row++) {
    const start = header.pixelOffset + row * stride;
    for (let x = 0; x < width; x++) {
      if (bits <= 8) {
        const bitOffset = x * bits;
        const byte = bytes[start + (bitOffset >> 3)]!;
        const index = (byte >> (8 - bits - (bitOffset & 7))) & ((1 << bits) - 1);
        const color = header.palette[index] ?? header.palette[0]!;
        put(x, row, color[0]!, color[1]!, color[2]!);
      } else if (bits === 24) {
        const at = start + x * 3;
        put(x, row, bytes[at + 2]!, bytes[at + 1]!, bytes[at]!);
      } else {
        const value = bits === 16 ? bytes.readUInt16LE(start + x * 2) : bytes.readUInt32LE(start + x * 4);
        const [r, g, b, a] = fields!;
        put(x, row, r!(value), g!(value), b!(value), hasAlpha ? a!(value) : 255);
      }
    }
  }
  return { width, height, channels, data: out };
}

/** A bit-field mask as an extractor scaled to 0..255. */
function channel(mask: number): (value: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (value) => Math.round((((value & mask) >>> shift) * 255) / max);
}

/** RLE8/RLE4 runs, escapes (end of line, end of bitmap, delta) and absolute runs; pixels not written stay palette 0. */
function decodeRle(bytes: Buffer, header: Header, write: (x: number, row: number, index: number) => void): void {
  const { width, height, bits } = header;
  for (let row = 0; row < height; row++) for (let x = 0; x < width; x++) write(x, row, 0);
  let at = header.pixelOffset;
  let x = 0;
  let row = 0;
  const next = (): number => {
    if (at >= bytes.length) throw new BmpError('BMP is truncated (RLE data ends early)');
    return bytes[at++]!;
  };
  const emit = (index: number): void => {
    if (x < width && row < height) write(x, row, index);
    x++;
  };
  for (;;) {
    const count = next();
    const value = next();
    if (count > 0) {
      for (let i = 0; i < count; i++) emit(bits === 8 ? value : i % 2 === 0 ? value >> 4 : value & 0x0f);
    } else if (value === 0) {
      x = 0;
      row++;
    } else if (value === 1) {
      return;
    } else if (value === 2) {
      x += next();
      row += next();
    } else {
      const byteCount = bits === 8 ? value : Math.ceil(value / 2);
      for (let i = 0; i < value; i++) {
        const byte = bytes[at + (bits === 8 ? i : i >> 1)];
        if (byte === undefined) throw new BmpError('BMP is truncated (RLE data ends early)');
        emit(bits === 8 ? byte : i % 2 === 0 ? byte >> 4 : byte & 0x0f);
      }
      at += byteCount + (byteCount % 2); // absolute runs are padded to 16 bits
    }
    if (row >= height) return;
  }
}

function need(bytes: Buffer, length: number, what: string): void {
  if (bytes.length < length) throw new BmpError(`BMP is truncated (${what} needs ${length} bytes, file has ${bytes.length})`);
}
