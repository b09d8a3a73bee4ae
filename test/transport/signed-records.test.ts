/**
 * Signed KV records (issue 11) on a real nats-server with no permissions configured: a client
 * without the study's coordinator key writes a forged trial record (a better value) and a forged
 * study record into the study's bucket; a reader verifying with the coordinator's public key
 * drops both (each reported with a reason) and still reads the genuine records.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newStudySigner, signedRecordCodec, verifiedRecordCodec } from '../../src/transport/auth/index.ts';
import type { InvalidMessage } from '../../src/transport/codec.ts';
import { connectNats } from '../../src/transport/index.ts';
import { PROTOCOL_VERSION, studyRecordCodec, type StoredTrial, type StudyRecordValue } from '../../src/transport/messages.ts';
import { STUDY_KEY, studyBucketName, trialKey } from '../../src/transport/subjects.ts';
import { natsSuite } from '../integration/helpers.ts';

const suite = natsSuite('signed-records');

function trial(id: string, value: number): StoredTrial {
  return {
    v: PROTOCOL_VERSION, type: 'trial', id, number: Number(id.slice(1)), state: 'complete', params: { x: value },
    resources: { class: 'cpu', memoryBytes: 0 }, dispatches: 1, attempts: [], reports: [], value, createdAt: 1, updatedAt: 2,
  };
}

test('forged trial and study records are refused with a reason; genuine ones still read', async () => {
  const study = 'signed';
  const signer = newStudySigner(study);
  const refused: InvalidMessage[] = [];
  const coordinator = await connectNats({ servers: suite.server.url, onStatus: () => {}, onInvalid: () => {} });
  const forger = await connectNats({ servers: suite.server.url, onStatus: () => {} });
  const reader = await connectNats({ servers: suite.server.url, onStatus: () => {}, onInvalid: (m) => refused.push(m) });
  try {
    const bucket = studyBucketName(study);
    const owned = await coordinator.kv(bucket, signedRecordCodec(studyRecordCodec, signer));
    const now = 5;
    await owned.create(STUDY_KEY, { v: PROTOCOL_VERSION, type: 'study', name: study, config: { genuine: true }, state: 'running', coordinatorKey: signer.publicKey, createdAt: now, updatedAt: now });
    await owned.create(trialKey('t0'), trial('t0', 3.5));
    await owned.create(trialKey('t1'), trial('t1', 2.25));

    // The forger: plain records (no signature), and records signed by a key of its own.
    const plain = await forger.kv(bucket, studyRecordCodec);
    await plain.put(trialKey('t1'), { ...trial('t1', -1000), params: { x: 42 } });
    const impostor = await forger.kv(bucket, signedRecordCodec(studyRecordCodec, newStudySigner(study)));
    await impostor.put(trialKey('t2'), trial('t2', -999));
    await impostor.put(STUDY_KEY, { v: PROTOCOL_VERSION, type: 'study', name: study, config: { forged: true }, state: 'finished', createdAt: now, updatedAt: now });

    const verified = await reader.kv(bucket, verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: signer.publicKey }));
    const entries = await verified.list('');
    const byKey = new Map(entries.map((e) => [e.key, e.value] as [string, StudyRecordValue]));
    assert.deepEqual([...byKey.keys()].sort(), [trialKey('t0')], 'only t0 is still genuine: t1 and the study record were overwritten by forgeries, t2 is forged');
    assert.equal((byKey.get(trialKey('t0')) as StoredTrial).value, 3.5);
    assert.equal(await verified.get(STUDY_KEY), undefined, 'the forged study record is not adopted');
    assert.equal(await verified.get(trialKey('t1')), undefined, 'the forged better value of t1 is not shown');
    assert.ok(refused.some((m) => m.source.includes(trialKey('t1')) && /unsigned KV record/.test(m.reason)), JSON.stringify(refused));
    assert.ok(refused.some((m) => m.source.includes(trialKey('t2')) && /not by study 'signed's coordinator key/.test(m.reason)), JSON.stringify(refused));
    assert.ok(refused.some((m) => m.source.includes(STUDY_KEY) && /coordinator key/.test(m.reason)), JSON.stringify(refused));

    // The genuine coordinator writes again: its record reads; a byte flipped in it does not.
    await owned.put(STUDY_KEY, { v: PROTOCOL_VERSION, type: 'study', name: study, config: { genuine: true }, state: 'running', coordinatorKey: signer.publicKey, createdAt: now, updatedAt: 9 });
    const study1 = await verified.get(STUDY_KEY);
    assert.equal(study1?.value.type === 'study' && study1.value.updatedAt, 9);
    const raw = TextDecoder;
    const bytes = signedRecordCodec(studyRecordCodec, signer).encode(trial('t3', 1));
    const tampered = new raw().decode(bytes).replace('"value\\":1', '"value\\":0');
    assert.notEqual(tampered, new raw().decode(bytes), 'the test altered the record');
    assert.throws(() => verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: signer.publicKey }).decode(new TextEncoder().encode(tampered)), /does not verify/);
    assert.throws(() => verifiedRecordCodec(studyRecordCodec, { study: 'other', coordinatorKey: signer.publicKey }).decode(bytes), /signed for study 'signed'/);
    assert.throws(() => verified.put(trialKey('t4'), trial('t4', 0)), /cannot write its records/);
  } finally {
    await Promise.all([coordinator.close(), forger.close(), reader.close()]);
  }
});
