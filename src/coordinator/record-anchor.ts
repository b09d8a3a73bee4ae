/**
 * What this machine last knew of a study's KV records, kept across processes (issue 11): the
 * newest signed `rev` of every key it read or wrote, in one small file per study identity. A
 * reader or a resuming coordinator seeds its studyRecordKv with it, so a record written back to
 * an older genuine version, or deleted, while no skewer here was watching, is refused with the
 * reason instead of believed.
 *
 * Limits, stated where they are used (README, reliability): a machine that never read the study
 * has no anchor, so it trusts the bucket as it finds it; only revs are kept (a trial record can
 * hold a whole result), so a rolled-back record is refused, not restored. An anchor is bound to
 * one study *instance*: its name, its coordinator key and its study record's createdAt. A study
 * made again under the same name starts a fresh anchor; the old file is left alone.
 *
 * The file is this machine's own, like the embedded journal: its trust is the file system's. Its
 * writes are atomic (temporary file + rename) and merge with what another process wrote since
 * (the newest rev of each key wins). Study buckets never delete records, so a merge never has to
 * forget a key.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { StudyRecordKv } from '../transport/auth/index.ts';
import { studyBucketName } from '../transport/subjects.ts';

/** Which study instance an anchor belongs to. */
export interface AnchorIdentity {
  readonly study: string;
  /** The study's coordinator key (A…), as verified or as the study record names it. */
  readonly coordinatorKey: string;
  /** The study record's createdAt: the same name made again is another study. */
  readonly createdAt: number;
}

const AnchorFileSchema = z.strictObject({
  v: z.literal(1),
  study: z.string(),
  coordinatorKey: z.string(),
  createdAt: z.number(),
  savedAt: z.number(),
  revs: z.record(z.string(), z.number().int().min(0)),
});

/** `$XDG_CACHE_HOME/skewer/records` (or `~/.cache/skewer/records`). */
export function defaultAnchorDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'skewer', 'records');
}

/** The anchor file of `id` under `dir`: one per study name and coordinator key. */
export function anchorPath(dir: string, id: AnchorIdentity): string {
  return path.join(dir, `${studyBucketName(id.study)}.${id.coordinatorKey.slice(0, 16)}.json`);
}

/**
 * The revs this machine anchored for `id` (empty when it has none, or only one of another
 * instance of the name). An unreadable file is named in `log` and read as none: the anchor only
 * ever adds refusals, so losing it loses protection, never data.
 */
export async function loadAnchor(dir: string, id: AnchorIdentity, log: (line: string) => void): Promise<Map<string, number>> {
  const file = anchorPath(dir, id);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log(`record anchor ${file} unreadable (${(error as Error).message}); reading the study without it`);
    return new Map();
  }
  const parsed = AnchorFileSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    log(`record anchor ${file} is not an anchor file (${parsed.error.issues[0]?.message ?? 'bad JSON'}); reading the study without it`);
    return new Map();
  }
  const anchor = parsed.data;
  if (anchor.study !== id.study || anchor.coordinatorKey !== id.coordinatorKey || anchor.createdAt !== id.createdAt) return new Map();
  return new Map(Object.entries(anchor.revs));
}

/** Writes `revs` as the anchor of `id`, merged with the file's (the newest rev of each key wins). */
export async function saveAnchor(dir: string, id: AnchorIdentity, revs: ReadonlyMap<string, number>, now = Date.now()): Promise<void> {
  const merged = await loadAnchor(dir, id, () => {});
  for (const [key, rev] of revs) merged.set(key, Math.max(merged.get(key) ?? 0, rev));
  const file = anchorPath(dir, id);
  await mkdir(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.${now}.tmp`;
  const body = { v: 1, study: id.study, coordinatorKey: id.coordinatorKey, createdAt: id.createdAt, savedAt: now, revs: Object.fromEntries([...merged].sort(([a], [b]) => a.localeCompare(b))) };
  await writeFile(temporary, `${JSON.stringify(body)}\n`);
  await rename(temporary, file);
}

/**
 * Keeps `kv`'s anchor on disk while a coordinator runs: saved every `intervalMs` when a rev moved,
 * and once more by `stop()`. A failed save is logged once and tried again at the next tick.
 */
export class AnchorKeeper {
  private timer: NodeJS.Timeout | undefined;
  private saved = '';
  private warned = false;

  constructor(
    private readonly kv: StudyRecordKv,
    private readonly dir: string,
    private readonly id: AnchorIdentity,
    private readonly log: (line: string) => void,
  ) {}

  start(intervalMs = 2_000): void {
    this.timer = setInterval(() => void this.save(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.save();
  }

  /** Saves when any rev changed since the last save. */
  async save(): Promise<void> {
    const revs = this.kv.revs();
    const signature = [...revs].map(([k, r]) => `${k}=${r}`).join(',');
    if (signature === this.saved) return;
    try {
      await saveAnchor(this.dir, this.id, revs);
      this.saved = signature;
    } catch (error) {
      if (!this.warned) this.log(`record anchor ${anchorPath(this.dir, this.id)} not saved: ${(error as Error).message} (a later rollback of this study's records would go unseen here)`);
      this.warned = true;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
