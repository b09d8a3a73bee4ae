/**
 * sharp decode + resize: any file sharp reads becomes a square `resolution` x `resolution` RGB
 * Float32Array in [0, 1] (NHWC row order), EXIF orientation honoured, grayscale expanded to RGB,
 * alpha dropped, 16-bit reduced to 8-bit. Nothing is silently resized to a default size.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { DatasetError, UserError } from '../core/errors.ts';
import { bmpSize, decodeBmp, isBmp } from './bmp.ts';
import { FITS, MAX_RESOLUTION, MIN_RESOLUTION, type Fit } from './types.ts';

const SHARP_FIT = { stretch: 'fill', contain: 'contain', cover: 'cover' } as const;

export interface DecodeOptions {
  resolution: number;
  fit: Fit;
}

/** Throws a UserError unless `resolution` is an integer in [32, 1024] and `fit` is known. */
export function checkDecodeOptions(options: DecodeOptions): void {
  const { resolution, fit } = options;
  if (!Number.isInteger(resolution) || resolution < MIN_RESOLUTION || resolution > MAX_RESOLUTION) {
    throw new UserError(`resolution ${resolution} is out of range`, {
      where: 'resolution',
      hint: `use an integer from ${MIN_RESOLUTION} to ${MAX_RESOLUTION} (pixels per side)`,
    });
  }
  if (!FITS.includes(fit)) {
    throw new UserError(`unknown fit '${String(fit)}'`, { where: 'fit', hint: `use one of: ${FITS.join(', ')}` });
  }
}

const MAX_INPUT_PIXELS = 1 << 28;

/**
 * sharp on a file or its bytes; BMP, which this sharp build cannot read, goes through our decoder
 * (src/data/bmp.ts) and reaches sharp as raw pixels. Files are recognised by content, so a
 * mis-named file is read as what it is.
 */
async function open(input: string | Buffer): Promise<Sharp> {
  const bytes = typeof input === 'string' ? (/\.bmp$/i.test(input) ? await readFile(input) : undefined) : input;
  if (bytes && isBmp(bytes)) {
    // The same pixel limit as for sharp's own decoders, checked on the header before any allocation.
    const size = bmpSize(bytes);
    if (size.width * size.height > MAX_INPUT_PIXELS) throw new Error(`image of ${size.width}x${size.height} pixels exceeds the pixel limit`);
    const { width, height, channels, data } = decodeBmp(bytes);
    return sharp(data, { raw: { width, height, channels } });
  }
  return sharp(bytes ?? input, { failOn: 'warning', limitInputPixels: MAX_INPUT_PIXELS });
}

/** The sharp pipeline shared by decoding and checking: orient, drop alpha, sRGB, 8 bit. */
async function pipeline(input: string | Buffer): Promise<Sharp> {
  return (await open(input)).autoOrient().removeAlpha().toColourspace('srgb');
}

/**
 * Decodes one image into `resolution`^2 * 3 RGB bytes (row-major, HWC). A file that cannot be
 * decoded throws a DatasetError naming the path (the scan normally keeps such files out).
 */
export async function decodeImageBytes(input: string | Buffer, options: DecodeOptions, label = typeof input === 'string' ? input : '<buffer>'): Promise<Uint8Array> {
  checkDecodeOptions(options);
  const { resolution, fit } = options;
  let data: Buffer;
  let channels: number;
  try {
    const out = await (await pipeline(input))
      .resize(resolution, resolution, { fit: SHARP_FIT[fit], position: 'centre', background: { r: 0, g: 0, b: 0 } })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    data = out.data;
    channels = out.info.channels;
  } catch (error) {
    throw new DatasetError(`cannot decode image: ${describeSharpError(error)}`, {
      where: label,
      hint: 'the file changed or is corrupt since the scan; re-run `skewer data` and remove or replace it',
      cause: error,
    });
  }
  if (channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.length);
  // sharp keeps single-band output for some inputs; expand gray to RGB ourselves.
  const pixels = resolution * resolution;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) rgb.fill(data[p * channels]!, p * 3, p * 3 + 3);
  return rgb;
}

/** The same image as `resolution`^2 * 3 floats in [0, 1]. */
export async function decodeImage(input: string | Buffer, options: DecodeOptions, label?: string): Promise<Float32Array> {
  const bytes = await decodeImageBytes(input, options, label);
  const out = new Float32Array(bytes.length);
  bytesToFloats(bytes, out, 0);
  return out;
}

/** Writes `bytes` / 255 into `out` from `offset` on. */
export function bytesToFloats(bytes: Uint8Array, out: Float32Array, offset: number): void {
  const scale = 1 / 255;
  for (let i = 0; i < bytes.length; i++) out[offset + i] = bytes[i]! * scale;
}

export interface ImageCheck {
  ok: boolean;
  reason?: string;
  width?: number;
  height?: number;
}

/**
 * Fully decodes `bytes` (header-only checks miss truncated files; `header` mode accepts that for
 * speed) and returns the oriented size, or the reason it is unreadable. Never throws for a bad image.
 */
export async function checkImage(bytes: Buffer, mode: 'decode' | 'header' = 'decode'): Promise<ImageCheck> {
  try {
    if (isBmp(bytes)) {
      const { width, height } = mode === 'decode' ? decodeBmp(bytes) : bmpSize(bytes);
      return { ok: true, width, height };
    }
    const meta = await sharp(bytes, { failOn: 'warning' }).metadata();
    // Decoding every pixel is what catches truncation; a tiny output keeps it cheap.
    if (mode === 'decode') await (await pipeline(bytes)).resize(8, 8, { fit: 'fill' }).raw().toBuffer();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    return { ok: true, width, height };
  } catch (error) {
    return { ok: false, reason: describeSharpError(error) };
  }
}

function describeSharpError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]!.trim() || 'unreadable';
}
