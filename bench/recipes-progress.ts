/**
 * bench:recipes' progress file: one JSON line per finished run (a recipe on one seed, the baseline on
 * one seed, one search trial), appended as soon as the run ends, so a bench that takes hours can be
 * stopped or killed and resumed without losing a finished run. A rerun reuses a recorded run only when
 * its key matches exactly: the key holds everything that decides the run's figure (task, image counts,
 * epochs, resolution, seed, the recipe's spec fields; for a search trial its index and the parameters
 * the seeded sampler proposed). Anything else changed means a new key, so a stale figure is never
 * reused. Each line names the commit that produced it.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RecordedRun {
  key: string;
  /** The run's figure; null for a failed search trial. */
  value: number | null;
  durationMs: number;
  commit: string;
  error?: string;
  /** Other figures of the run, by name (a SimCLR run's linear evaluation). */
  extra?: Record<string, number>;
}

/** A key that does not depend on the order object fields were written in. */
export function runKey(parts: Record<string, unknown>): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  return JSON.stringify(canonical(parts));
}

export class ProgressFile {
  readonly #file: string;
  readonly #commit: string;
  readonly #runs = new Map<string, RecordedRun>();
  reused = 0;
  ran = 0;

  /** Reads what `file` holds (nothing with `fresh`, which starts it again). A torn last line is ignored. */
  constructor(file: string, commit: string, { fresh = false } = {}) {
    this.#file = file;
    this.#commit = commit;
    mkdirSync(path.dirname(file), { recursive: true });
    if (fresh || !existsSync(file)) {
      writeFileSync(file, '');
      return;
    }
    const lines = readFileSync(file, 'utf8').split('\n');
    let torn = false;
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const run = JSON.parse(line) as RecordedRun;
        if (typeof run.key !== 'string' || !(typeof run.value === 'number' || run.value === null)) throw new Error('no key or value');
        this.#runs.set(run.key, run);
      } catch (error) {
        // A line cut short by a kill is the last one; anything else is damage the user must look at.
        if (lines.slice(i + 1).some((l) => l.trim())) throw new Error(`${file}:${i + 1}: not a recorded run (${(error as Error).message}); fix or remove the line, or rerun with --fresh`);
        torn = true;
      }
    });
    // Rewrite without the torn line, so the next append starts on a line of its own.
    if (torn) writeFileSync(file, [...this.#runs.values()].map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  get size(): number {
    return this.#runs.size;
  }

  /** The commits of every run recorded or reused so far. */
  commits(keys?: Iterable<string>): string[] {
    const runs = keys ? [...keys].map((k) => this.#runs.get(k)).filter((r): r is RecordedRun => r !== undefined) : [...this.#runs.values()];
    return [...new Set(runs.map((r) => r.commit))].sort();
  }

  /** The recorded run for `key`, or runs `fn` and records it before returning. */
  async once(key: string, fn: () => Promise<{ value: number | null; durationMs: number; error?: string; extra?: Record<string, number> }>): Promise<RecordedRun & { reused: boolean }> {
    const known = this.#runs.get(key);
    if (known) {
      this.reused++;
      return { ...known, reused: true };
    }
    const result = await fn();
    const run: RecordedRun = { key, value: result.value, durationMs: result.durationMs, commit: this.#commit, ...(result.error !== undefined && { error: result.error }), ...(result.extra && { extra: result.extra }) };
    appendFileSync(this.#file, `${JSON.stringify(run)}\n`);
    this.#runs.set(key, run);
    this.ran++;
    return { ...run, reused: false };
  }
}
