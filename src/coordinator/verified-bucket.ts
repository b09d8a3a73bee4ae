/**
 * A reader's view of a study's bucket (issue 11): every record verified against the study's
 * coordinator key and checked against its key; a refused one is logged (once per key and reason)
 * and counted, never applied.
 *
 * Which key: the reader's trust root when it has one (`--study-key A…` as `skewer search`
 * prints it, a join token, or the owner's `.skewer/<study>/coordinator.nk`). Without one, the key
 * the study record names, and the figures are marked unverified: planted unsigned or foreign-key
 * records are still refused, but a client that replaced the whole study (its record and every
 * trial, signed by a key of its own) would not be noticed. Unsigned study records (a legacy
 * study, or a planted one) are refused outright: there is nothing to verify anything with.
 */
import { UserError } from '../core/errors.ts';
import {
  bytesCodec,
  claimOf,
  studyRecordKv,
  verifiedRecordCodec,
  type RecordRefusal,
} from '../transport/auth/index.ts';
import { studyRecordCodec, type StudyRecordValue } from '../transport/messages.ts';
import { STUDY_KEY, studyBucketName } from '../transport/subjects.ts';
import { AnchorKeeper, anchorPath, loadAnchor } from './record-anchor.ts';
import type { KvStore, Transport } from '../transport/types.ts';

/** What a reader trusts the study's records to be signed by, and where that came from. */
export interface ReaderTrust {
  readonly coordinatorKey: string;
  /** For people: `--study-key`, `the join token`, `.skewer/x/coordinator.nk`. */
  readonly source: string;
}

/** How far a read can be believed. */
export interface RecordIntegrity {
  /**
   * `trust-root`: verified against the reader's own key for the study; `self-named`: only
   * against the key the study record names (no trust root: unverified); `journal`: an embedded
   * study's journal on this machine (not signed; its trust is the file system's).
   */
  readonly basis: 'trust-root' | 'self-named' | 'journal';
  readonly coordinatorKey?: string;
  readonly source?: string;
  /** Records left out of the latest read, with their keys and reasons. */
  readonly refused: readonly RecordRefusal[];
}

export interface VerifiedBucket {
  readonly kv: KvStore<StudyRecordValue>;
  /** Starts a fresh count of refusals (call before a full read of the bucket). */
  beginRead(): void;
  /** After a full read: saves what it read as this machine's anchor (when the reader has one). */
  endRead(): Promise<void>;
  integrity(): RecordIntegrity;
}

const resumeHint = (study: string): string =>
  `If the study was run by a skewer before signed KV records, resume it once with this version where it was started (\`skewer search --resume ${study} --server …\`): its coordinator signs its records. Otherwise a client that can write the bucket planted it: restrict the server (configs/nats-least-privilege.conf).`;

/**
 * `anchorDir`: where this machine keeps what it read of the study's records before
 * (record-anchor.ts). With it, a record first read here below the rev an earlier read saw, or
 * gone, is refused: a rollback while nobody watched. Without it (tests, library use) a reader
 * believes the bucket as it finds it, as before.
 */
export async function openVerifiedBucket(
  transport: Transport,
  study: string,
  trust: ReaderTrust | undefined,
  log: (line: string) => void,
  anchorDir?: string,
): Promise<VerifiedBucket | undefined> {
  const bucket = studyBucketName(study);
  const raw = await transport.kv(bucket, bytesCodec);
  const first = await raw.get(STUDY_KEY);
  if (!first) return undefined;
  const claim = claimOf(first.value);
  if (claim.kind === 'unsigned') {
    throw new UserError(`the study record of '${study}' is not signed`, { where: `${bucket} key ${STUDY_KEY}`, hint: resumeHint(study) });
  }
  const coordinatorKey = trust?.coordinatorKey ?? claim.signer;
  let refused = new Map<string, string>();
  const logged = new Set<string>();
  /** Keys refused against this machine's anchor (rolled back or deleted since it read them). */
  const rolledBack = new Set<string>();
  const onRefused = ({ key, reason, anchored }: RecordRefusal): void => {
    refused.set(key, reason);
    if (anchored) rolledBack.add(key);
    if (logged.has(`${key}\n${reason}`)) return;
    logged.add(`${key}\n${reason}`);
    log(`refused KV record ${key} of study '${study}': ${reason}`);
  };
  const kv = studyRecordKv(raw, verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey }), onRefused);
  // The anchor is chosen by the record's unverified claim (its createdAt); the record itself is
  // verified next, against the anchor too: a study record rolled back is refused like any other.
  const claimed = claim.value?.type === 'study' ? claim.value.createdAt : undefined;
  const anchor = anchorDir !== undefined && claimed !== undefined ? { dir: anchorDir, id: { study, coordinatorKey, createdAt: claimed } } : undefined;
  if (anchor) kv.anchorWith(await loadAnchor(anchor.dir, anchor.id, log));
  if (!(await kv.get(STUDY_KEY))) {
    const why = refused.get(STUDY_KEY) ?? 'not a study record';
    if (anchor && rolledBack.has(STUDY_KEY)) {
      throw new UserError(`the study record of '${study}' was rolled back on the server: ${why}`, {
        where: `${bucket} key ${STUDY_KEY}`,
        hint: `A client that can write the bucket wrote an older genuine version back. This machine read a newer version before: if the server's data was restored from an older copy on purpose, delete ${anchorPath(anchor.dir, anchor.id)} to accept it.`,
      });
    }
    throw new UserError(
      trust
        ? `the study record of '${study}' is not signed by the study key ${coordinatorKey.slice(0, 8)}… (from ${trust.source}): ${why}`
        : `the study record of '${study}' does not verify: ${why}`,
      {
        where: `${bucket} key ${STUDY_KEY}`,
        hint: trust
          ? `Check the key (\`skewer search\` prints it as "study key"); if it is right, the study record was replaced by a client that can write the bucket.`
          : resumeHint(study),
      },
    );
  }
  const integrity = (): RecordIntegrity => ({
    basis: trust ? 'trust-root' : 'self-named',
    coordinatorKey,
    source: trust?.source ?? 'the study record itself',
    refused: [...refused].map(([key, reason]) => ({ key, reason })),
  });
  // The same keeper the coordinator runs: it writes only when a rev moved, and says once if it cannot.
  const keeper = anchor && new AnchorKeeper(kv, anchor.dir, anchor.id, log);
  return {
    kv,
    beginRead: () => {
      refused = new Map();
    },
    endRead: async () => keeper?.save(),
    integrity,
  };
}
