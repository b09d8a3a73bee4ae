// Per-study message authentication (src/transport/auth): join tokens, who may sign what, and the
// replay rules, on envelopes made the way the real parties make them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUser } from '@nats-io/nkeys';
import {
  Gate,
  StudyTrust,
  decodeJoinToken,
  encodeJoinToken,
  envelopeCodec,
  mintJoinCredential,
  newStudySigner,
  seal,
  sealBus,
  sealResult,
  sealTrial,
  type Envelope,
  type JoinCredential,
} from '../../src/transport/auth/index.ts';
import { PROTOCOL_VERSION, type BusMessage, type ResultMessage, type TrialMessage } from '../../src/transport/messages.ts';

const signer = newStudySigner('alpha');
const agent = mintJoinCredential(signer);
const trust = new StudyTrust('alpha', signer.publicKey);

const trial: TrialMessage = {
  v: PROTOCOL_VERSION, type: 'trial', study: 'alpha', trialId: 't0', number: 0, params: { x1: 1, x2: 2 },
  work: { kind: 'function', function: 'branin', delayMs: 0 }, resources: { class: 'cpu', memoryBytes: 0 },
  attemptOffset: 0, maxAttempts: 3, retryDelayMs: 10, ackWaitMs: 1_000,
};
const outcome: ResultMessage = {
  v: PROTOCOL_VERSION, type: 'trial-outcome', study: 'alpha', trialId: 't0', attempt: 1, agent: 'a1',
  startedAt: 1, endedAt: 2, outcome: 'complete', value: -12345, reports: [],
};
const prune: BusMessage = { v: PROTOCOL_VERSION, type: 'prune', study: 'alpha', trialId: 't0', attempt: 1, reason: 'x' };

const refusedWith = (pattern: RegExp) => (error: unknown) => {
  assert.equal((error as Error).name, 'AuthError');
  assert.match((error as Error).message, pattern);
  return true;
};

test('a join token round-trips to a credential the coordinator granted; a tampered or foreign one is refused', () => {
  const token = encodeJoinToken(agent);
  assert.match(token, /^skj1\.alpha\.A[A-Z2-7]{55}\.SU[A-Z2-7]+\.[A-Za-z0-9_-]+$/);
  const decoded = decodeJoinToken(token);
  assert.equal(decoded.study, 'alpha');
  assert.equal(decoded.publicKey, agent.publicKey);
  assert.equal(decoded.coordinatorKey, signer.publicKey);
  // The same agent seed presented as another study's, or with another coordinator's key.
  const parts = token.split('.');
  assert.throws(() => decodeJoinToken([parts[0], 'beta', ...parts.slice(2)].join('.')), /grant is not signed/);
  assert.throws(() => decodeJoinToken([parts[0], parts[1], newStudySigner('alpha').publicKey, ...parts.slice(3)].join('.')), /grant is not signed/);
  assert.throws(() => decodeJoinToken('skj1.alpha.nope'), /not a skewer join token/);
  assert.throws(() => decodeJoinToken(token.replace(/\.SU[A-Z2-7]+\./, '.SUAAAA.')), /no valid agent seed/);
});

test('trials and prunes verify only from the coordinator key; results and heartbeats only from granted agents', () => {
  assert.deepEqual(trust.openTrial(sealTrial(signer, trial, Date.now())), trial);
  assert.deepEqual(trust.openResult(sealResult(agent, outcome, Date.now())), outcome);
  assert.equal(trust.openBus(sealBus(signer, prune, Date.now())).type, 'prune');
  // A granted agent still cannot send trials or prunes, nor the coordinator results.
  assert.throws(() => trust.openTrial(sealTrial(agent, trial, Date.now())), refusedWith(/'trial' signed by an agent/));
  assert.throws(() => trust.openBus(sealBus(agent, prune, Date.now())), refusedWith(/'prune' signed by an agent/));
  assert.throws(() => trust.openResult(sealResult(signer, outcome, Date.now())), refusedWith(/signed by the coordinator/));
  // Another study's coordinator, and an agent of that study: no key of theirs is ours.
  const other = newStudySigner('alpha');
  assert.throws(() => trust.openTrial(sealTrial(other, trial, Date.now())), refusedWith(/not this study's coordinator and has no grant/));
  assert.throws(() => trust.openResult(sealResult(mintJoinCredential(other), outcome, Date.now())), refusedWith(/no grant from this study's coordinator/));
  // A self-made agent key with a grant copied from a real agent.
  const key = createUser();
  const impostor: JoinCredential = { ...agent, key, publicKey: key.getPublicKey() };
  assert.throws(() => trust.openResult(sealResult(impostor, outcome, Date.now())), refusedWith(/no grant/));
  // Foreign study, wrong channel, payload naming another study.
  assert.throws(() => trust.openTrial(sealTrial(newStudySigner('beta'), { ...trial, study: 'beta' }, Date.now())), refusedWith(/study 'beta', not 'alpha'/));
  assert.throws(() => trust.openBus(sealResult(agent, outcome, Date.now())), refusedWith(/result message on the bus channel/));
  const smuggled = seal(agent, 'result', JSON.stringify({ ...outcome, study: 'beta' }), Date.now());
  assert.throws(() => trust.openResult(smuggled), refusedWith(/names study 'beta'/));
});

test('any change to a signed envelope breaks its signature', () => {
  const genuine = sealResult(agent, outcome, Date.now());
  const tampered: Envelope[] = [
    { ...genuine, payload: genuine.payload.replace('-12345', '-99999') },
    { ...genuine, nonce: `${genuine.nonce}A` },
    { ...genuine, at: genuine.at + 1 },
    { ...genuine, sig: genuine.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
  ];
  for (const envelope of tampered) assert.throws(() => trust.openResult(envelope), refusedWith(/bad signature/));
  // Unsigned: a bare payload is no envelope at all.
  assert.throws(() => envelopeCodec.decode(new TextEncoder().encode(JSON.stringify(outcome))), /invalid message/);
});

test('replays: a queue copy published again is refused, a redelivery passes; a bus message counts once and only while fresh', () => {
  let now = 1_000_000_000;
  const gate = new Gate([trust], () => now);
  const result = sealResult(agent, outcome, now);
  assert.equal(gate.admitResult(result, 1).ok, true);
  assert.equal(gate.admitResult(result, 2).ok, true, 'a redelivery (next delivery count) is the same message, not a replay');
  const again = gate.admitResult(result, 1);
  assert.ok(!again.ok && /replayed trial-outcome/.test(again.reason));
  const beat: BusMessage = { v: PROTOCOL_VERSION, type: 'agent-leaving', at: now, agent: 'a1' };
  const sealed = sealBus(agent, beat, now);
  assert.equal(gate.admitBus(sealed).ok, true);
  const replayed = gate.admitBus(sealed);
  assert.ok(!replayed.ok && /replayed agent-leaving/.test(replayed.reason));
  const old = sealBus(agent, beat, now - 10 * 60_000);
  const stale = gate.admitBus(old);
  assert.ok(!stale.ok && /stale agent-leaving: sent 600 s ago/.test(stale.reason));
  // A study this party has not joined is told apart (an agent hands such trials back).
  const foreign = gate.admitTrial(sealTrial(newStudySigner('beta'), { ...trial, study: 'beta' }, now), 1);
  assert.ok(!foreign.ok && foreign.unknownStudy);
});
