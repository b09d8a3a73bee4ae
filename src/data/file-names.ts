/**
 * File names that are not UTF-8. On Linux a name is bytes; Node decodes it as UTF-8 and replaces
 * what does not decode with U+FFFD, so the decoded name names no file (ENOENT). These helpers find
 * such names and show their bytes escaped, so a person can see and rename the file.
 */
import { isUtf8 } from 'node:buffer';
import { readdir } from 'node:fs/promises';

/** The byte sequences that are valid UTF-8 stay as text; every other byte shows as `\xNN`. */
export function escapeBytes(bytes: Buffer): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i]!;
    const length = byte < 0x80 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 0;
    const piece = length > 0 ? bytes.subarray(i, i + length) : undefined;
    if (piece && piece.length === length && isUtf8(piece) && (length > 1 || (byte >= 0x20 && byte !== 0x7f && byte !== 0x5c))) {
      out += piece.toString('utf8');
      i += length;
    } else {
      out += `\\x${byte.toString(16).padStart(2, '0')}`;
      i += 1;
    }
  }
  return out;
}

export const RENAME_ADVICE = 'rename it in UTF-8, e.g. `convmv -f latin1 -t utf-8 --notest -r DIR` (or mv it by hand)';

/**
 * The entries of `dir` whose names are not valid UTF-8, as raw bytes, given the names readdir
 * decoded. Costs a second readdir only when a decoded name holds U+FFFD (where a bad one may hide).
 */
export async function undecodableNames(dir: string, decoded: readonly string[]): Promise<Buffer[]> {
  if (!decoded.some((name) => name.includes('\uFFFD'))) return [];
  return (await readdir(dir, { encoding: 'buffer' })).filter((name) => !isUtf8(name));
}

/** Whether a decoded name stands for an undecodable one (a real U+FFFD in a UTF-8 name does not). */
export function isMangled(name: string, bad: readonly Buffer[]): boolean {
  return bad.length > 0 && name.includes('\uFFFD') && bad.some((raw) => raw.toString('utf8') === name);
}
