/**
 * The CSV manifest source: a `path,label` header, then one image per row. Paths are relative to
 * the CSV's folder (absolute paths are kept). Quoted fields ("a,b" and "" escapes) are understood.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../core/errors.ts';

export interface ManifestRow {
  path: string;
  relative: string;
  label: string;
  missing?: string;
}

export async function readManifest(csvPath: string): Promise<ManifestRow[]> {
  const text = (await readFile(csvPath, 'utf8')).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
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
  const seen = new Map<string, string>();
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
    const row: ManifestRow = { path: full, relative: path.relative(base, full).split(path.sep).join('/'), label };
    if (!(await exists(full))) row.missing = 'file not found';
    rows.push(row);
  }
  return rows;
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
