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
  const grant = Buffer.from(signer.key.sign(grantBytes(signer.study, publicKey))).toString('base64url');
  return { study: signer.study, coordinatorKey: signer.publicKey, key, publicKey, grant };
}

/** Whether `grant` is the study coordinator's signature for `agentKey` (a `U…` key). */
export function grantIsValid(study: string, coordinatorKey: string, agentKey: string, grant: string): boolean {
  if (!agentKey.startsWith('U')) return false;
  return verifyWith(coordinatorKey, grantBytes(study, agentKey), grant);
}

/** Ed25519 verification by nkeys; false (never a throw) for a malformed key or signature. */
export function verifyWith(publicKey: string, data: Uint8Array, signature: string): boolean {
  try {
    return fromPublic(publicKey).verify(data, Buffer.from(signature, 'base64url'));
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
