/**
 * The embedded default's durability: a KvStore decorator that appends every successful write to
 * `.skewer/<study>/journal.jsonl` (one `{ key, value }` line per write, `value: null` for a delete).
 * Replaying the journal (last line per key wins) rebuilds the bucket after a crash, for `--resume`,
 * `skewer status` and export. A torn last line (a crash mid-write) is ignored; a torn line
 * anywhere else is corruption and an error.
 *
 * Compaction keeps its size following the trials, not the reports (every progress report rewrites
 * a whole trial record): when the file grows past `compactFactor` times its live content (one line
 * per current key), the live lines are written to `journal.jsonl.tmp`, flushed to disk, and renamed
 * over the journal. A rename is atomic, so a crash at any point leaves either the old journal or
 * the compacted one, both complete; a stale temporary file is removed on the next open.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import type { KvStore } from '../transport/types.ts';

export const JOURNAL_FILE = 'journal.jsonl';
const COMPACTING_SUFFIX = '.tmp';

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

export interface JournalOptions {
  /** Compact when the file exceeds this many times its live content (default 4). */
  readonly compactFactor?: number;
  /** …and is at least this big (default 1 MiB): small journals are left alone. */
  readonly compactMinBytes?: number;
  /** Test seam: runs after the compacted file is written and flushed, before the rename. */
  readonly beforeRename?: () => void;
}

const DEFAULT_COMPACT_FACTOR = 4;
const DEFAULT_COMPACT_MIN_BYTES = 2 ** 20;

/**
 * Wraps `inner`: reads pass through, writes go to `inner` first and, when they succeed, to the
 * journal (synchronously, so an acknowledged write survives a crash of this process). Compacts
 * the journal as described above.
 */
export function journaledKv<T>(inner: KvStore<T>, dir: string, options: JournalOptions = {}): KvStore<T> {
  const factor = options.compactFactor ?? DEFAULT_COMPACT_FACTOR;
  const minBytes = options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES;
  if (!(factor > 1)) throw new Error(`journal compactFactor is ${factor}, but must be > 1 (the file may not grow past its live content otherwise)`);
  mkdirSync(dir, { recursive: true });
  const file = journalPath(dir);
  const temporary = file + COMPACTING_SUFFIX;
  rmSync(temporary, { force: true }); // left by a crash mid-compaction: the journal itself is whole
  // The live content: one line per current key, as a compaction would write it.
  const live = new Map<string, string>();
  for (const [key, value] of readJournal(dir) ?? []) live.set(key, `${JSON.stringify({ key, value })}\n`);
  let liveBytes = 0;
  for (const line of live.values()) liveBytes += Buffer.byteLength(line);
  let fileBytes = existsSync(file) ? statSync(file).size : 0;

  const compact = (): void => {
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, [...live.values()].join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    options.beforeRename?.();
    renameSync(temporary, file);
    fileBytes = liveBytes;
  };
  const append = (key: string, value: T | null): void => {
    const line = `${JSON.stringify({ key, value })}\n`;
    appendFileSync(file, line);
    const bytes = Buffer.byteLength(line);
    fileBytes += bytes;
    liveBytes -= live.has(key) ? Buffer.byteLength(live.get(key)!) : 0;
    if (value === null) live.delete(key);
    else {
      live.set(key, line);
      liveBytes += bytes;
    }
    if (fileBytes >= minBytes && fileBytes > factor * liveBytes) compact();
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
  options: JournalOptions = {},
): Promise<KvStore<T>> {
  const entries = readJournal(dir);
  if (entries) for (const [key, value] of entries) await inner.put(key, decode(value, key));
  return journaledKv(inner, dir, options);
}
