/**
 * A reader for IDX files (the MNIST / Fashion-MNIST container), plain or gzipped (gunzipped with
 * node:zlib when the file starts with the gzip magic). Layout: two zero bytes, a type byte (only
 * 0x08, unsigned bytes, is supported: every MNIST-family file uses it), a dimension count, then
 * one big-endian uint32 per dimension, then the data in row-major order.
 *
 * `readIdxImages` expects 3 dimensions (count, rows, columns), `readIdxLabels` one (count); both
 * say which file and what was found when the file is something else.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../core/errors.ts';

const UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

export interface IdxImages {
  readonly count: number;
  readonly rows: number;
  readonly columns: number;
  /** count x rows x columns grey levels (0-255), row-major. */
  readonly pixels: Uint8Array;
}

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** Parses the bytes of one IDX file (gzipped or not); `where` names it in errors. */
export function parseIdx(raw: Uint8Array, where: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = isGzip(raw) ? gunzipSync(raw) : raw;
  } catch (error) {
    throw new DatasetError(`not a readable gzip file: ${(error as Error).message}`, { where, hint: 'The file is truncated or corrupt; install or download it again.', cause: error });
  }
  const hint = 'Give an IDX file (e.g. train-images-idx3-ubyte.gz of Fashion-MNIST).';
  if (bytes.length < 4) throw new DatasetError(`too short for an IDX header: ${bytes.length} bytes`, { where, hint });
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(`not an IDX file: magic number starts 0x${hex(bytes[0]!)}${hex(bytes[1]!)}, IDX files start with two zero bytes`, { where, hint });
  }
  const type = bytes[2]!;
  if (type !== UNSIGNED_BYTE) throw new DatasetError(`IDX element type 0x${hex(type)} is not supported: only 0x08 (unsigned byte) is`, { where, hint });
  const ndims = bytes[3]!;
  if (ndims < 1) throw new DatasetError('IDX header declares 0 dimensions', { where, hint });
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw new DatasetError(`IDX header declares ${ndims} dimensions but the file ends after ${bytes.length} bytes`, { where, hint });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new DatasetError(`IDX dimensions ${dims.join(' x ')} need ${expected} data bytes, the file has ${actual}`, { where, hint: 'The file is truncated or not what its header says; install or download it again.' });
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

/** An images file: 3 dimensions (count, rows, columns). */
export async function readIdxImages(file: string): Promise<IdxImages> {
  const { dims, data } = parseIdx(await readBytes(file), file);
  if (dims.length !== 3) throw new DatasetError(`an IDX images file has 3 dimensions (count, rows, columns), this one has ${dims.length} (${dims.join(' x ')})`, { where: file, hint: 'Did you pass a labels file (…-labels-idx1-ubyte) as images?' });
  const [count, rows, columns] = dims as [number, number, number];
  if (rows < 1 || columns < 1) throw new DatasetError(`IDX images of ${rows} x ${columns} pixels`, { where: file });
  return { count, rows, columns, pixels: data };
}

/** A labels file: 1 dimension (count), one byte per label. */
export async function readIdxLabels(file: string): Promise<Uint8Array> {
  const { dims, data } = parseIdx(await readBytes(file), file);
  if (dims.length !== 1) throw new DatasetError(`an IDX labels file has 1 dimension (count), this one has ${dims.length} (${dims.join(' x ')})`, { where: file, hint: 'Did you pass an images file (…-images-idx3-ubyte) as labels?' });
  return data;
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(code === 'ENOENT' ? 'IDX file not found' : `cannot read IDX file: ${(error as Error).message}`, { where: file, cause: error });
  }
}

/**
 * The bytes of an IDX file of unsigned bytes (for tests and tools that make small IDX files; gzip
 * them with node:zlib for a `.gz`). The inverse of `parseIdx`.
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new RangeError(`encodeIdx: dims ${dims.join(' x ')} need ${expected} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UNSIGNED_BYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
