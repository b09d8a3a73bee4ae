// The native Ed25519 path (issue 14: nkeys' pure-JS signing was ~90% of the coordinator's CPU) makes
// the very bytes nkeys makes, and accepts exactly what nkeys accepts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createAccount, createUser, fromPublic } from '@nats-io/nkeys';
import { signWith, verifyWith } from '../../src/transport/auth/keys.ts';

test('signWith is byte for byte nkeys sign, for account and user keys', () => {
  for (const key of [createAccount(), createUser(), createAccount(), createUser()]) {
    for (let i = 0; i < 5; i++) {
      const data = randomBytes(1 + i * 97);
      assert.deepEqual(Buffer.from(signWith(key, data)), Buffer.from(key.sign(data)));
    }
  }
});

test('verifyWith agrees with nkeys verify: good signatures pass, tampered data, signatures and keys fail', () => {
  const key = createUser();
  const other = createUser();
  const data = Buffer.from('a trial result');
  const sig = Buffer.from(key.sign(data));
  assert.equal(verifyWith(key.getPublicKey(), data, sig.toString('base64url')), true);
  assert.equal(fromPublic(key.getPublicKey()).verify(data, sig), true);
  assert.equal(verifyWith(key.getPublicKey(), Buffer.from('a trial resulT'), sig.toString('base64url')), false);
  const flipped = Buffer.from(sig);
  flipped[10]! ^= 1;
  assert.equal(verifyWith(key.getPublicKey(), data, flipped.toString('base64url')), false);
  assert.equal(verifyWith(other.getPublicKey(), data, sig.toString('base64url')), false);
  assert.equal(verifyWith(key.getPublicKey(), data, sig.subarray(0, 63).toString('base64url')), false, 'short signature');
  // A public key with a broken checksum is refused (nkeys' check), never verified against.
  const pk = key.getPublicKey();
  const broken = pk.slice(0, -1) + (pk.endsWith('A') ? 'B' : 'A');
  assert.equal(verifyWith(broken, data, sig.toString('base64url')), false);
  assert.equal(verifyWith('not-a-key', data, sig.toString('base64url')), false);
});
