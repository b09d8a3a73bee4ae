/**
 * One pretraining per encoder key on one machine: trials run in separate child processes, so two
 * trials with the same key would both pretrain. The first takes `<cacheDir>/<key>.lock` (created
 * exclusively; it holds the holder's pid and is touched every few seconds); the others wait until
 * it is gone, then look at the cache again. A lock is stale, and is taken over, when its pid is
 * not alive on this machine or it was not touched for `staleMs` (a holder frozen or on another
 * host sharing the folder).
 */
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface KeyLockOptions {
  /** How often a waiter looks again (default 500 ms). */
  readonly pollMs?: number;
  /** Untouched this long = stale (default 60 s); the holder touches it every staleMs / 4. */
  readonly staleMs?: number;
  readonly signal?: AbortSignal;
  /** Called once when this call has to wait for another holder. */
  readonly onWait?: (holder: string) => void;
}

/** Runs `fn` holding the lock of `key` in `dir`; `fn` runs only after any other holder released it. */
export async function withKeyLock<T>(dir: string, key: string, fn: () => Promise<T>, options: KeyLockOptions = {}): Promise<T> {
  const file = path.join(dir, `${key}.lock`);
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 500;
  let announced = false;
  for (;;) {
    options.signal?.throwIfAborted();
    const handle = await open(file, 'wx').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return undefined;
      throw error;
    });
    if (handle) {
      await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() }));
      await handle.close();
      const touch = setInterval(() => {
        const now = new Date();
        utimes(file, now, now).catch(() => undefined);
      }, Math.max(50, staleMs / 4));
      try {
        return await fn();
      } finally {
        clearInterval(touch);
        await rm(file, { force: true });
      }
    }
    const holder = await readHolder(file);
    if (await isStale(file, holder, staleMs)) {
      await rm(file, { force: true });
      continue;
    }
    if (!announced && holder !== undefined) {
      announced = true;
      options.onWait?.(`pid ${holder.pid} on ${holder.host}`);
    }
    await sleep(pollMs, undefined, options.signal ? { signal: options.signal } : undefined);
  }
}

interface Holder {
  readonly pid: number;
  readonly host: string;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<Holder>;
    return { pid: typeof parsed.pid === 'number' ? parsed.pid : -1, host: typeof parsed.host === 'string' ? parsed.host : '' };
  } catch {
    // Gone already, or being written this instant (empty): look again next round.
    return undefined;
  }
}

async function isStale(file: string, holder: Holder | undefined, staleMs: number): Promise<boolean> {
  if (holder && holder.host === hostname() && !alive(holder.pid)) return true;
  try {
    return Date.now() - (await stat(file)).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
