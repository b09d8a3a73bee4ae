/**
 * The signed envelope every study message travels in (trial queues, results queues, bus).
 *
 *   { auth: 1, channel, study, signer, grant?, nonce, at, payload, sig }
 *
 * `payload` is the JSON text of one member of the channel's zod union (messages.ts), kept as text
 * so the bytes verified are the bytes parsed (no canonical-JSON scheme of our own). `sig` is the
 * signer's nkeys (Ed25519) signature over the JSON array of every other field: channel, study,
 * signer, grant, nonce, at and payload are all covered, so a message cannot be moved to another
 * study, another channel, or given another nonce. `grant` is present on agent messages (keys.ts).
 * `nonce` is random per message; `at` is the sender's clock (bus freshness, see trust.ts).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { NAME_PATTERN, NAME_RULE } from '../../core/names.ts';
import { zodCodec } from '../codec.ts';
import { signWith, type JoinCredential, type StudySigner } from './keys.ts';

/** Bumped on an incompatible change of the envelope; payload versions are messages.ts' own. */
export const AUTH_VERSION = 1 as const;

export const CHANNELS = ['trial', 'result', 'bus'] as const;
export type Channel = (typeof CHANNELS)[number];

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, 'base64url');

export const EnvelopeSchema = z.strictObject({
  auth: z.literal(AUTH_VERSION),
  channel: z.enum(CHANNELS),
  study: z.string().regex(NAME_PATTERN, NAME_RULE),
  signer: z.string().regex(/^[AU][A-Z2-7]{55}$/, 'an nkeys public key (A… or U…)'),
  grant: base64url.optional(),
  nonce: base64url.min(16).max(64),
  at: z.number().int().nonnegative(),
  payload: z.string().min(2),
  sig: base64url,
});

export type Envelope = z.infer<typeof EnvelopeSchema>;

/** What transports carry: the envelope, checked for shape only (trust.ts checks the rest). */
export const envelopeCodec = zodCodec(EnvelopeSchema, { field: 'auth', current: AUTH_VERSION, what: 'message envelope format' });

/** The bytes a signature covers. */
export function signedBytes(envelope: Omit<Envelope, 'sig' | 'auth'>): Uint8Array {
  const { channel, study, signer, grant, nonce, at, payload } = envelope;
  return new TextEncoder().encode(JSON.stringify(['skewer-envelope-v1', channel, study, signer, grant ?? '', nonce, at, payload]));
}

/** Whoever seals: the coordinator (its signer) or an agent (its credential for that study). */
export type Sealer = StudySigner | JoinCredential;

function isCredential(sealer: Sealer): sealer is JoinCredential {
  return 'grant' in sealer;
}

/**
 * Seals `payload` (already a valid member of the channel's union: the caller encodes it with the
 * channel's codec first, which refuses an invalid one) for `sealer`'s study.
 */
export function seal(sealer: Sealer, channel: Channel, payloadText: string, at: number): Envelope {
  const unsigned = {
    channel,
    study: sealer.study,
    signer: sealer.publicKey,
    ...(isCredential(sealer) && { grant: sealer.grant }),
    nonce: randomBytes(16).toString('base64url'),
    at,
    payload: payloadText,
  };
  const sig = Buffer.from(signWith(sealer.key, signedBytes(unsigned))).toString('base64url');
  return { auth: AUTH_VERSION, ...unsigned, sig };
}
