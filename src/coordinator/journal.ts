/**
 * The embedded default's durability: a KvStore decorator that appends every successful write to
 * `.skewer/<study>/journal.jsonl` (one `{ key, value }` line per write, `value: null` for a delete).
 * Replaying the journal (last line per key wins) rebuilds the bucket after a crash, for `--resume`,
 * `skewer status` and export. A torn last line (a crash mid-write) is ignored; a torn line
 * anywhere else is corruption and an error.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import type { KvStore } from '../transport/types.ts';

export const JOURNAL_FILE = 'journal.jsonl';

/** `.skewer/<study>` under `root` (default: the working directory). */
export function studyDir(study: string, root = process.cwd()): string {
  return path.join(root, '.skewer', study);
}

export function journalPath(dir: string): string {
  return path.join(dir, JOURNAL_FILE);
}

export interface JournalLine {
  readonly key: string;
  readonly value: unknown;
}

/** Parses journal text; returns the latest value per key (deleted keys absent) and the lines read. */
export function replayJournal(text: string, where: string): { entries: Map<string, unknown>; lines: number } {
  const entries = new Map<string, unknown>();
  const rows = text.split('\n');
  let lines = 0;
  rows.forEach((row, index) => {
    if (row.trim() === '') return;
    let line: JournalLine;
    try {
      line = JSON.parse(row) as JournalLine;
    } catch (error) {
      const isLast = rows.slice(index + 1).every((r) => r.trim() === '');
      if (isLast) return; // torn by a crash mid-append
      throw new UserError(`journal line ${index + 1} is not JSON (${(error as Error).message})`, {
        where,
        hint: 'The journal is corrupt; restore it from a backup or start a new study.',
      });
    }
    lines += 1;
    if (line.value === null) entries.delete(line.key);
    else entries.set(line.key, line.value);
  });
  return { entries, lines };
}

export function readJournal(dir: string): Map<string, unknown> | undefined {
  const file = journalPath(dir);
  if (!existsSync(file)) return undefined;
  return replayJournal(readFileSync(file, 'utf8'), file).entries;
}

/**
 * Wraps `inner`: reads pass through, writes go to `inner` first and, when they succeed, to the
 * journal (synchronously, so an acknowledged write survives a crash of this process).
 */
export function journaledKv<T>(inner: KvStore<T>, dir: string): KvStore<T> {
  mkdirSync(dir, { recursive: true });
  const file = journalPath(dir);
  const append = (key: string, value: T | null): void => {
    appendFileSync(file, `${JSON.stringify({ key, value })}\n`);
  };
  return {
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    watch: (prefix, signal) => inner.watch(prefix, signal),
    async create(key, value) {
      const revision = await inner.create(key, value);
      if (revision !== undefined) append(key, value);
      return revision;
    },
    async update(key, value, expectedRevision) {
      const revision = await inner.update(key, value, expectedRevision);
      if (revision !== undefined) append(key, value);
      return revision;
    },
    async put(key, value) {
      const revision = await inner.put(key, value);
      append(key, value);
      return revision;
    },
    async delete(key) {
      await inner.delete(key);
      append(key, null);
    },
  };
}

/** Loads a journal into an (empty) in-process bucket, then journals further writes. */
export async function restoreJournaledKv<T>(
  inner: KvStore<T>,
  dir: string,
  decode: (value: unknown, key: string) => T,
): Promise<KvStore<T>> {
  const entries = readJournal(dir);
  if (entries) for (const [key, value] of entries) await inner.put(key, decode(value, key));
  return journaledKv(inner, dir);
}
