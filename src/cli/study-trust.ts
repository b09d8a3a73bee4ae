/**
 * A reader's trust root for a study on a server (issue 11), from its flags: `--study-key A…`
 * (the public key `skewer search` prints; a join token is accepted too, it carries the key), else
 * the owner's `.skewer/<study>/coordinator.nk` under --dir (default: here). None: the reader
 * verifies against the key the study record names and marks what it shows unverified.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { coordinatorKeyPath, loadStudySigner, studyDir, type ReaderTrust, type RecordIntegrity } from '../coordinator/index.ts';
import { UserError } from '../core/errors.ts';
import { decodeJoinToken, isAccountPublicKey } from '../transport/auth/index.ts';

export interface StudyTrustFlags {
  studyKey?: string;
  dir?: string;
}

export function addStudyKeyOption(command: Command): Command {
  return command.option('--study-key <key>', "with --server: the study's public key (A…, printed by `skewer search`) to verify its records with");
}

export function readerTrustFromFlags(study: string, flags: StudyTrustFlags): ReaderTrust | undefined {
  const given = flags.studyKey?.trim();
  if (given) {
    if (given.startsWith('skj1.')) {
      const credential = decodeJoinToken(given);
      if (credential.study !== study) throw new UserError(`the join token is study '${credential.study}'s, not '${study}'s`, { where: '--study-key' });
      return { coordinatorKey: credential.coordinatorKey, source: 'the join token' };
    }
    if (!isAccountPublicKey(given)) {
      throw new UserError(`'${given.slice(0, 12)}…' is not a study key`, {
        where: '--study-key',
        hint: 'Give the public key `skewer search --server` prints as "study key" (A followed by 55 letters and digits).',
      });
    }
    return { coordinatorKey: given, source: '--study-key' };
  }
  const dir = studyDir(study, flags.dir);
  if (!existsSync(coordinatorKeyPath(dir))) return undefined;
  return { coordinatorKey: loadStudySigner(study, dir, false).publicKey, source: coordinatorKeyPath(dir) };
}

/** "2 KV records refused: not signed by the study's coordinator key". */
function refusalSummary(integrity: RecordIntegrity): string | undefined {
  const count = integrity.refused.length;
  if (count === 0) return undefined;
  const misplaced = integrity.refused.filter((r) => / under (the study )?key |no study record belongs/.test(r.reason)).length;
  const kinds = [
    ...(count - misplaced > 0 ? ["not signed by the study's coordinator key"] : []),
    ...(misplaced > 0 ? ['a record under a key not its own'] : []),
  ];
  return `${count} KV record${count === 1 ? '' : 's'} refused: ${kinds.join('; ')}`;
}

/** Lines for people, before a table: refused records, and whether the figures are verified. */
export function integrityLines(integrity: RecordIntegrity): string[] {
  const lines: string[] = [];
  if (integrity.basis === 'self-named') {
    lines.push(
      'UNVERIFIED: no study key to check these records with; they are checked only against the key the study record names ' +
        '(pass --study-key A… as `skewer search` printed it, or run where .skewer/<study>/coordinator.nk is)',
    );
  }
  const summary = refusalSummary(integrity);
  if (summary) {
    lines.push(`${summary} (not shown; someone who can write the study's bucket planted or altered them)`);
    for (const { key, reason } of integrity.refused.slice(0, 10)) lines.push(`  ${key}: ${reason}`);
    if (integrity.refused.length > 10) lines.push(`  … and ${integrity.refused.length - 10} more`);
  }
  return lines;
}
