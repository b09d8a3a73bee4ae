/**
 * Signed KV records (issue 11): what the coordinator writes into its study's bucket, sealed by the
 * study's coordinator key, so that a client able to write the bucket (a server without
 * configs/nats-least-privilege.conf) cannot plant a trial or study record that readers believe.
 *
 *   { kv: 2, study, signer, payload, sig }
 *
 * `payload` is the inner codec's JSON text, kept as text so the bytes verified are the bytes
 * parsed; `sig` is the coordinator's nkeys (Ed25519) signature over
 * ['skewer-kv-v2', study, signer, payload] (keys.ts' primitives; no cryptography of our own).
 * Format 2 (this one) added the rerun record and the per-key version `rev` in the payload;
 * format 1 records (signed over 'skewer-kv-v1') are still read. A record of a later format is
 * refused as "written by a newer skewer", not as unsigned.
 * A record signed by any other key, for another study, or altered by one byte fails `decode` with
 * an `InvalidMessageError` naming why, and transports drop it (logged, never applied).
 *
 * Not covered here: the KV key and the revision. Readers check that a record's id matches its key
 * (study-records.ts), and that a key's `rev` never goes back (an older genuine revision written
 * back is refused, and the coordinator restores the newer one).
 */
import { z } from 'zod';
import { NAME_PATTERN, NAME_RULE } from '../../core/names.ts';
import { InvalidMessageError, refuseNewer } from '../codec.ts';
import type { Codec } from '../types.ts';
import { verifyWith, type StudySigner } from './keys.ts';

export const KV_RECORD_VERSION = 2 as const;

const SignedRecordSchema = z.strictObject({
  kv: z.union([z.literal(1), z.literal(KV_RECORD_VERSION)]),
  study: z.string().regex(NAME_PATTERN, NAME_RULE),
  signer: z.string().regex(/^A[A-Z2-7]{55}$/, 'an nkeys account public key (A…)'),
  payload: z.string().min(2),
  sig: z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url'),
});

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function recordBytes(format: number, study: string, signer: string, payload: string): Uint8Array {
  return encoder.encode(JSON.stringify([`skewer-kv-v${format}`, study, signer, payload]));
}

/** Who may read: the study and the coordinator public key its records must be signed by. */
export interface RecordTrust {
  readonly study: string;
  readonly coordinatorKey: string;
}

function verifyRecord<T>(inner: Codec<T>, trust: RecordTrust, bytes: Uint8Array): T {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new InvalidMessageError('refused an unsigned KV record (not a signed record: not JSON text)');
  }
  refuseNewer(json, { field: 'kv', current: KV_RECORD_VERSION, what: 'KV record format' });
  const parsed = SignedRecordSchema.safeParse(json);
  if (!parsed.success) throw new InvalidMessageError(`refused an unsigned KV record (${z.prettifyError(parsed.error).split('\n')[0]})`);
  const record = parsed.data;
  if (record.study !== trust.study) throw new InvalidMessageError(`refused a KV record signed for study '${record.study}', not '${trust.study}'`);
  if (record.signer !== trust.coordinatorKey) throw new InvalidMessageError(`refused a KV record signed by ${record.signer}, not by study '${trust.study}'s coordinator key`);
  if (!verifyWith(record.signer, recordBytes(record.kv, record.study, record.signer, record.payload), record.sig)) {
    throw new InvalidMessageError(`refused a KV record whose signature does not verify (altered or forged)`);
  }
  return inner.decode(encoder.encode(record.payload));
}

/** The coordinator's codec: seals every record it writes, and verifies what it reads (resume). */
export function signedRecordCodec<T>(inner: Codec<T>, signer: StudySigner): Codec<T> {
  const trust: RecordTrust = { study: signer.study, coordinatorKey: signer.publicKey };
  return {
    encode(value) {
      const payload = decoder.decode(inner.encode(value));
      const sig = Buffer.from(signer.key.sign(recordBytes(KV_RECORD_VERSION, signer.study, signer.publicKey, payload))).toString('base64url');
      return encoder.encode(JSON.stringify({ kv: KV_RECORD_VERSION, study: signer.study, signer: signer.publicKey, payload, sig }));
    },
    decode: (bytes) => verifyRecord(inner, trust, bytes),
  };
}

/** A reader's codec (status, report, export, agents): verifies only; it cannot write records. */
export function verifiedRecordCodec<T>(inner: Codec<T>, trust: RecordTrust): Codec<T> {
  return {
    encode() {
      throw new Error(`a reader of study '${trust.study}' holds no coordinator key and cannot write its records`);
    },
    decode: (bytes) => verifyRecord(inner, trust, bytes),
  };
}
