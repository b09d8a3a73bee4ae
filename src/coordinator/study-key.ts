/**
 * Where a study's coordinator key lives: `.skewer/<study>/coordinator.nk` (the nkeys seed, mode
 * 0600), beside the embedded journal, on the machine that owns the study. `skewer search` makes
 * it on first use and reuses it (a --resume, or a key made ahead to start agents first); a file
 * that others may read is refused, as ssh refuses a readable private key.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.ts';
import { newStudySigner, studySignerFromSeed, type StudySigner } from '../transport/auth/index.ts';

export const COORDINATOR_KEY_FILE = 'coordinator.nk';

export function coordinatorKeyPath(dir: string): string {
  return path.join(dir, COORDINATOR_KEY_FILE);
}

/** Reads the study's key from `dir`, or (when `create`) makes one there. */
export function loadStudySigner(study: string, dir: string, create: boolean): StudySigner {
  const file = coordinatorKeyPath(dir);
  if (!existsSync(file)) {
    if (!create) {
      throw new UserError(`study '${study}' has no coordinator key here`, {
        where: file,
        hint: 'Resume a study where it was started (its key stays in .skewer/<study>/), or pass --dir.',
      });
    }
    const signer = newStudySigner(study);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${new TextDecoder().decode(signer.key.getSeed())}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600); // the umask cannot widen it
    return signer;
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new UserError(`the coordinator key of study '${study}' may be read by others`, { where: file, hint: `Run \`chmod 600 ${file}\`.` });
  }
  try {
    return studySignerFromSeed(study, new TextEncoder().encode(readFileSync(file, 'utf8').trim()));
  } catch (error) {
    throw new UserError(`the coordinator key of study '${study}' is not an nkeys account seed (${(error as Error).message})`, { where: file });
  }
}
