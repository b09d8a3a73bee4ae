/**
 * Buckets written before KV records were signed (issue 11). Their records are plain JSON, which
 * no reader can tell apart from records planted by a client able to write the bucket, so readers
 * refuse them all (the study record first: "resume it once with this version"). The owner's
 * `skewer search --resume` is the one act that adopts them: on the machine holding the study's
 * key, the coordinator signs every well-formed unsigned record whose key matches, once, saying
 * how many. Only a study whose *study record* is unsigned is adopted: in a study whose record is
 * signed, an unsigned record can only have been planted, and it stays refused.
 *
 * What adoption cannot undo: a record planted in a legacy bucket before it was adopted is signed
 * with the rest (earlier versions believed it just the same). `skewer status` before the resume
 * shows nothing to compare with, so the README advises resuming from a server that applied
 * configs/nats-least-privilege.conf.
 */
import { UserError } from '../../core/errors.ts';
import { studyRecordCodec } from '../messages.ts';
import { STUDY_KEY, studyBucketName } from '../subjects.ts';
import type { KvStore } from '../types.ts';
import type { StudySigner } from './keys.ts';
import { signedRecordCodec } from './records.ts';
import { claimOf, keyMismatch } from './study-records.ts';

/**
 * Before a coordinator resumes over `raw` with `signer`: refuses a study signed by another key,
 * and signs a legacy unsigned study's records. Returns how many records were adopted.
 */
export async function prepareResume(raw: KvStore<Uint8Array>, signer: StudySigner, log: (line: string) => void): Promise<number> {
  const study = await raw.get(STUDY_KEY);
  if (!study) return 0; // nothing to resume: the coordinator says so
  const claim = claimOf(study.value);
  if (claim.kind === 'signed') {
    if (claim.signer !== signer.publicKey) {
      throw new UserError(`this coordinator key is not study '${signer.study}'s (its records are signed by ${claim.signer.slice(0, 8)}…)`, {
        where: studyBucketName(signer.study),
        hint: 'Resume the study where it was started: its key is in .skewer/<study>/coordinator.nk there.',
      });
    }
    return 0;
  }
  if (claim.value?.type !== 'study') return 0; // neither signed nor a study record: refused as it is
  if (claim.value.coordinatorKey !== undefined && claim.value.coordinatorKey !== signer.publicKey) {
    throw new UserError(`this coordinator key is not study '${signer.study}'s (the study record names ${claim.value.coordinatorKey.slice(0, 8)}…)`, {
      where: studyBucketName(signer.study),
      hint: 'Resume the study where it was started: its key is in .skewer/<study>/coordinator.nk there.',
    });
  }
  const sealed = signedRecordCodec(studyRecordCodec, signer);
  let adopted = 0;
  let skipped = 0;
  const entries = await raw.list('');
  // The study record last: a resume cut short adopts the rest next time.
  entries.sort((a, b) => Number(a.key === STUDY_KEY) - Number(b.key === STUDY_KEY));
  for (const entry of entries) {
    const record = claimOf(entry.value);
    if (record.kind === 'signed') continue;
    const mismatch = record.value && keyMismatch(entry.key, record.value);
    if (!record.value || mismatch !== undefined) {
      skipped += 1;
      log(`left unsigned record ${entry.key} unadopted: ${mismatch ?? 'not a study record'}`);
      continue;
    }
    if ((await raw.update(entry.key, sealed.encode(record.value), entry.revision)) !== undefined) adopted += 1;
  }
  log(
    `study '${signer.study}' was stored unsigned (by a skewer before signed KV records): signed its ${adopted} records with the study's key` +
      (skipped ? `; ${skipped} malformed record(s) stay refused` : ''),
  );
  return adopted;
}
