/**
 * The CSV manifest source: a `path,label` header, then one image per row. Paths are relative to
 * the CSV's folder (absolute paths are kept). Quoted fields ("a,b" and "" escapes) are understood.
 *
 * Every image must lie inside the CSV's folder, symlinks resolved: that folder is what the dataset
 * hash covers and what `publishDataset` ships to remote agents, so a row outside it is refused
 * here (for embedded studies too: one rule, whatever runs the trials) rather than found missing on
 * an agent. Two rows naming one file (also through a link) are refused as listed twice.
 */
import { isUtf8 } from 'node:buffer';
import { access, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../core/errors.ts';
import { escapeBytes } from './file-names.ts';
import type { Candidate } from './folders.ts';

export type ManifestRow = Candidate & { line: number };

const MAX_LISTED = 5;

export async function readManifest(csvPath: string): Promise<ManifestRow[]> {
  const lines = decodeManifest(csvPath, await readFile(csvPath)).split(/\r?\n/);
  const header = parseCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const pathColumn = header.indexOf('path');
  const labelColumn = header.indexOf('label');
  if (pathColumn < 0 || labelColumn < 0) {
    throw new DatasetError(`CSV manifest header is '${lines[0] ?? ''}', expected columns path,label`, {
      where: `${csvPath}:1`,
      hint: 'start the file with the line: path,label',
    });
  }
  const base = path.dirname(csvPath);
  const baseReal = await realpath(base);
  const isInside = (dir: string, file: string): boolean => file.startsWith(dir + path.sep);
  const seen = new Map<string, string>();
  const seenReal = new Map<string, number>();
  const outside: string[] = [];
  const rows: ManifestRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const fields = parseCsvLine(line);
    const file = fields[pathColumn]?.trim() ?? '';
    const label = fields[labelColumn]?.trim() ?? '';
    if (!file || !label) {
      throw new DatasetError(`row needs both a path and a label, got '${line}'`, {
        where: `${csvPath}:${i + 1}`,
        hint: 'each row is: relative/path/to/image.png,classname',
      });
    }
    const full = path.resolve(base, file);
    const previous = seen.get(full);
    if (previous !== undefined) {
      throw new DatasetError(`image listed twice${previous === label ? '' : ` with labels '${previous}' and '${label}'`}: ${file}`, {
        where: `${csvPath}:${i + 1}`,
        hint: 'list each image once; a duplicate would leak between folds',
      });
    }
    seen.set(full, label);
    const row: ManifestRow = { path: full, relative: path.relative(base, full).split(path.sep).join('/'), label, line: i + 1 };
    const real = (await exists(full)) ? await realpath(full) : undefined;
    if (!isInside(path.resolve(base), full) || (real !== undefined && !isInside(baseReal, real))) {
      outside.push(`line ${i + 1}: ${file}${real !== undefined && real !== full ? ` -> ${real}` : ''}`);
      continue;
    }
    if (real === undefined) row.missing = 'file not found';
    else {
      const first = seenReal.get(real);
      if (first !== undefined) {
        throw new DatasetError(`image listed twice: ${file} is the file of line ${first} (through a symlink)`, {
          where: `${csvPath}:${i + 1}`,
          hint: 'list each image once; a duplicate would leak between folds',
        });
      }
      seenReal.set(real, i + 1);
    }
    rows.push(row);
  }
  if (outside.length) {
    const listed = outside.slice(0, MAX_LISTED).map((row) => `\n    ${row}`).join('') + (outside.length > MAX_LISTED ? `\n    … and ${outside.length - MAX_LISTED} more` : '');
    throw new DatasetError(`${outside.length} of ${outside.length + rows.length} manifest row(s) name images outside the manifest's folder ${baseReal}:${listed}`, {
      where: csvPath,
      hint:
        "the manifest's folder is the dataset: it is what the dataset hash covers and what remote agents receive, so every image must lie inside it. " +
        'Move the CSV up to a folder that holds all its images (paths stay relative to it), or copy the images in.',
    });
  }
  return rows;
}

/** The manifest's text; a file that is not UTF-8 is refused with the first bad line shown escaped. */
function decodeManifest(csvPath: string, bytes: Buffer): string {
  if (!isUtf8(bytes)) {
    let start = 0;
    for (let line = 1; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      const piece = bytes.subarray(start, end < 0 ? bytes.length : end);
      if (!isUtf8(piece) || end < 0) {
        throw new DatasetError(`the manifest is not valid UTF-8; line ${line} reads '${escapeBytes(piece).replace(/\r$/, '')}' (bytes shown escaped)`, {
          where: `${csvPath}:${line}`,
          hint: 'save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`); the files it names need UTF-8 names too (`convmv -f latin1 -t utf-8 --notest -r DIR`).',
        });
      }
      start = end + 1;
    }
  }
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Splits one CSV line into fields (RFC 4180 quoting within a line). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}
