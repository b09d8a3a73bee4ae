/**
 * A study's keys, all NATS nkeys (Ed25519, `@nats-io/nkeys`; we only create, sign and verify):
 * - the coordinator key (an nkeys *account* key, public key `A…`): signs trials and prunes, and
 *   grants agents. Its seed stays with whoever owns the study (`.skewer/<study>/coordinator.nk`,
 *   mode 0600); its public key is written into the study record for people to read.
 * - agent keys (nkeys *user* keys, `U…`): sign results, reports, heartbeats and goodbyes.
 *
 * How an agent is authorised: a **grant**, the coordinator's signature over the study name and
 * the agent's public key (the shape of NATS' own account-signs-user JWTs, without the JWT). Every
 * agent message carries its grant, so the coordinator checks "signed by a key my key vouched for,
 * for this study" from the message alone: no list of agents to keep, and nothing trusted from
 * the KV bucket (which a client without NATS permissions could write). The join token bundles
 * study, coordinator public key, agent seed and grant, so joining is one flag.
 */
import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { createAccount, createUser, fromPublic, fromSeed, type KeyPair } from '@nats-io/nkeys';
import { NAME_PATTERN } from '../../core/names.ts';

const encoder = new TextEncoder();

/** The coordinator's side: the study and the key that speaks for it. */
export interface StudySigner {
  readonly study: string;
  readonly key: KeyPair;
  /** Public key (`A…`): what agents and the study record know. */
  readonly publicKey: string;
}

/** An agent's credential for one study (what a join token decodes to). */
export interface JoinCredential {
  readonly study: string;
  /** The study's coordinator public key: the only signer of its trials and prunes. */
  readonly coordinatorKey: string;
  readonly key: KeyPair;
  readonly publicKey: string;
  /** The coordinator's signature over grantBytes(study, publicKey), base64url. */
  readonly grant: string;
}

export function newStudySigner(study: string): StudySigner {
  return studySignerFromSeed(study, createAccount().getSeed());
}

export function studySignerFromSeed(study: string, seed: Uint8Array): StudySigner {
  const key = fromSeed(seed);
  const publicKey = key.getPublicKey();
  if (!publicKey.startsWith('A')) throw new Error('a study coordinator key must be an nkeys account key (seed SA…)');
  return { study, key, publicKey };
}

/** What a grant signs: a fixed label, the study, the agent's public key. */
export function grantBytes(study: string, agentKey: string): Uint8Array {
  return encoder.encode(JSON.stringify(['skewer-grant-v1', study, agentKey]));
}

/** A fresh agent key granted by the coordinator for its study. */
export function mintJoinCredential(signer: StudySigner): JoinCredential {
  const key = createUser();
  const publicKey = key.getPublicKey();
  const grant = Buffer.from(signWith(signer.key, grantBytes(signer.study, publicKey))).toString('base64url');
  return { study: signer.study, coordinatorKey: signer.publicKey, key, publicKey, grant };
}

/** Whether `grant` is the study coordinator's signature for `agentKey` (a `U…` key). */
export function grantIsValid(study: string, coordinatorKey: string, agentKey: string, grant: string): boolean {
  if (!agentKey.startsWith('U')) return false;
  return verifyWith(coordinatorKey, grantBytes(study, agentKey), grant);
}

/**
 * Ed25519 by node:crypto on the nkeys' raw keys. nkeys signs and verifies in pure JavaScript and
 * re-derives the key pair from the seed on every signature: with every message signed and checked,
 * that was ~90% of the coordinator's CPU (bench:coordinator, issue 14). Ed25519 is deterministic,
 * so the signatures are the same bytes nkeys makes (a test pins it).
 */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const digit = BASE32.indexOf(ch);
    if (digit < 0) throw new Error('not base32');
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** The 32 raw bytes of an nkeys public key (`A…`, `U…`): prefix byte, key, CRC-16. */
function rawPublic(publicKey: string): Buffer {
  return Buffer.from(base32Decode(publicKey).subarray(1, 33));
}

const privateKeys = new WeakMap<KeyPair, KeyObject>();

function privateKeyOf(key: KeyPair): KeyObject {
  let object = privateKeys.get(key);
  if (!object) {
    // An nkeys seed: two prefix bytes, the 32-byte Ed25519 seed, CRC-16.
    const seed = Buffer.from(base32Decode(new TextDecoder().decode(key.getSeed())).subarray(2, 34));
    const x = rawPublic(key.getPublicKey());
    object = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: x.toString('base64url') }, format: 'jwk' });
    privateKeys.set(key, object);
  }
  return object;
}

/** The Ed25519 signature of `data` by `key` (what `key.sign(data)` returns, natively). */
export function signWith(key: KeyPair, data: Uint8Array): Uint8Array {
  return cryptoSign(null, data, privateKeyOf(key));
}

/** Checked public keys; a study has one coordinator and a few agents, the bound only guards memory. */
const publicKeys = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE = 4096;

function publicKeyOf(publicKey: string): KeyObject {
  let object = publicKeys.get(publicKey);
  if (!object) {
    fromPublic(publicKey); // nkeys' checks: prefix and CRC (throws on a malformed key)
    object = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: rawPublic(publicKey).toString('base64url') }, format: 'jwk' });
    if (publicKeys.size >= PUBLIC_KEY_CACHE) publicKeys.clear();
    publicKeys.set(publicKey, object);
  }
  return object;
}

/** Ed25519 verification of an nkeys public key's signature; false (never a throw) for a malformed key or signature. */
export function verifyWith(publicKey: string, data: Uint8Array, signature: string): boolean {
  try {
    const sig = Buffer.from(signature, 'base64url');
    if (sig.length !== 64) return false;
    return cryptoVerify(null, data, publicKeyOf(publicKey), sig);
  } catch {
    return false; // not a public key, or not a signature: simply not valid
  }
}

const TOKEN_PREFIX = 'skj1';

/**
 * The join token: `skj1.<study>.<coordinator public key>.<agent seed>.<grant>`. It is a secret
 * (it holds the agent seed): whoever has it can act as an agent of this study, nothing more.
 */
export function encodeJoinToken(credential: JoinCredential): string {
  const seed = new TextDecoder().decode(credential.key.getSeed());
  return [TOKEN_PREFIX, credential.study, credential.coordinatorKey, seed, credential.grant].join('.');
}

/** Decodes and checks a join token; throws an Error saying what is wrong (never echoing the seed). */
export function decodeJoinToken(token: string): JoinCredential {
  const parts = token.trim().split('.');
  if (parts.length !== 5 || parts[0] !== TOKEN_PREFIX) throw new Error(`not a skewer join token (expected ${TOKEN_PREFIX}.STUDY.KEY.SEED.GRANT, as \`skewer search --server\` prints it)`);
  const [, study, coordinatorKey, seed, grant] = parts as [string, string, string, string, string];
  if (!NAME_PATTERN.test(study)) throw new Error('the join token names no valid study');
  if (!coordinatorKey.startsWith('A')) throw new Error('the join token holds no coordinator account key');
  let key: KeyPair;
  try {
    key = fromSeed(encoder.encode(seed));
  } catch {
    throw new Error('the join token holds no valid agent seed (was it cut short when copied?)');
  }
  const publicKey = key.getPublicKey();
  if (!grantIsValid(study, coordinatorKey, publicKey, grant)) throw new Error(`the join token's grant is not signed by study '${study}'s coordinator key`);
  return { study, coordinatorKey, key, publicKey, grant };
}

/** Whether `key` is a well-formed nkeys account public key (`A…`, prefix and CRC checked): a study key. */
export function isAccountPublicKey(key: string): boolean {
  if (!/^A[A-Z2-7]{55}$/.test(key)) return false;
  try {
    fromPublic(key);
    return true;
  } catch {
    return false;
  }
}
