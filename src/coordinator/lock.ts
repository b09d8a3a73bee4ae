/**
 * One coordinator per embedded study folder: `skewer search` holds `.skewer/<study>/coordinator.lock`
 * (created exclusively, holding its pid and host) while it runs. A second `--resume` of a live study
 * is refused with the holder named, instead of rerunning its trials into the same journal. A lock
 * left by a process that no longer exists on this host is taken over, saying so.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { UserError } from '../core/errors.ts';

export const LOCK_FILE = 'coordinator.lock';

interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export interface StudyLock {
  readonly file: string;
  /** Removes the lock (only if it is still ours). Safe to call twice. */
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockRecord | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
  } catch {
    return undefined; // absent, or half-written by a holder that died while writing it
  }
}

export function lockStudyDir(dir: string, study: string, log: (line: string) => void = () => {}): StudyLock {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const mine: LockRecord = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let round = 0; round < 2; round++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          if (readLock(file)?.pid === mine.pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(file);
    if (holder && (holder.host !== mine.host || alive(holder.pid))) {
      throw new UserError(`study '${study}' is being run by process ${holder.pid} on ${holder.host} (since ${holder.startedAt})`, {
        where: file,
        hint: `Watch it with \`skewer ui ${study}\`, or stop that process first; delete the lock file only if that process is gone.`,
      });
    }
    log(`taking over the lock of study '${study}' left by process ${holder?.pid ?? '?'}, which is gone`);
    rmSync(file, { force: true });
  }
  throw new UserError(`could not lock study '${study}'`, { where: file, hint: 'Another coordinator is starting it at the same moment; try again.' });
}
