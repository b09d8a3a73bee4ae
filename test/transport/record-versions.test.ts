// Record versions (issue 11): every record a coordinator writes carries its key's rev, signed; a
// reader that read rev n refuses an older genuine version written back (and a deletion), keeping
// the newer; the coordinator's side writes the newer one back. A record or message of a later
// format is refused as "written by a newer skewer", not as unsigned or malformed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesCodec, envelopeCodec, newStudySigner, signedRecordCodec, studyRecordKv, verifiedRecordCodec, type RecordRefusal } from '../../src/transport/auth/index.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { busCodec, PROTOCOL_VERSION, studyRecordCodec, type StoredTrial, type StudyRecordValue } from '../../src/transport/messages.ts';
import { trialKey } from '../../src/transport/subjects.ts';

const study = 'versions';
const signer = newStudySigner(study);
const trial = (state: StoredTrial['state'], updatedAt: number): StoredTrial => ({
  v: PROTOCOL_VERSION, type: 'trial', id: '0000', number: 0, state, params: { x: 1 },
  resources: { class: 'cpu', memoryBytes: 0 }, dispatches: 1, attempts: [], reports: [], createdAt: 1, updatedAt,
});
const stateOf = (value: StudyRecordValue | undefined) => (value?.type === 'trial' ? `${value.state} rev ${value.rev}` : String(value));

async function setup() {
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const raw = await transport.kv('skewer_study_versions', bytesCodec);
  const coordinatorRefusals: RecordRefusal[] = [];
  const restored: unknown[] = [];
  const coordinator = studyRecordKv(raw, signedRecordCodec(studyRecordCodec, signer), (r) => coordinatorRefusals.push(r), { restore: true, onRestored: (r) => restored.push(r) });
  const readerRefusals: RecordRefusal[] = [];
  const reader = studyRecordKv(raw, verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: signer.publicKey }), (r) => readerRefusals.push(r));
  return { transport, raw, coordinator, coordinatorRefusals, restored, reader, readerRefusals };
}

test('writes stamp rev 1, 2, 3 under a key; a reader refuses an older genuine version written back and keeps the newer', async () => {
  const { transport, raw, coordinator, reader, readerRefusals } = await setup();
  const key = trialKey('0000');
  await coordinator.create(key, trial('waiting', 1));
  const waiting = (await raw.get(key))!.value; // a genuine copy, kept by whoever can write the bucket
  let entry = (await coordinator.get(key))!;
  await coordinator.update(key, { ...(entry.value as StoredTrial), state: 'running' }, entry.revision);
  entry = (await coordinator.get(key))!;
  await coordinator.update(key, { ...(entry.value as StoredTrial), state: 'complete', value: 2 }, entry.revision);
  assert.equal(stateOf((await reader.get(key))?.value), 'complete rev 3');
  assert.equal(readerRefusals.length, 0);

  await raw.put(key, waiting); // the rollback: genuine, verifies, rev 1
  assert.equal(stateOf((await reader.get(key))?.value), 'complete rev 3', 'the reader keeps the newer version');
  assert.equal(readerRefusals.length, 1);
  assert.match(readerRefusals[0]!.reason, /^refused an older version of the record \(rev 1; rev 3 was read before\): rolled back$/);
  assert.equal(stateOf((await reader.list('trial.'))[0]?.value), 'complete rev 3');
  // A reader that never read the key cannot know: it trusts the bucket as it finds it (stated in README).
  const fresh = studyRecordKv(raw, verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: signer.publicKey }), () => undefined);
  assert.equal(stateOf((await fresh.get(key))?.value), 'waiting rev 1');
  await transport.close();
});

test('the coordinator side restores a rolled-back or deleted record at a rev above both; its own history replayed is no rollback', async () => {
  const { transport, raw, coordinator, coordinatorRefusals, restored } = await setup();
  const key = trialKey('0000');
  await coordinator.create(key, trial('waiting', 1));
  const waiting = (await raw.get(key))!.value;
  const first = (await coordinator.get(key))!;
  await coordinator.update(key, { ...(first.value as StoredTrial), state: 'running' }, first.revision);

  // Replaying the key's history (a watch that lags its own writes) shows rev 1 at its old revision: no refusal.
  const stop = new AbortController();
  const seen: string[] = [];
  const watching = (async () => {
    for await (const change of coordinator.watch('trial.', stop.signal)) {
      seen.push(stateOf(change.value ?? undefined));
      if (seen.length === 1) break;
    }
  })();
  await watching;
  assert.equal(coordinatorRefusals.length, 0);

  await raw.put(key, waiting);
  const back = (await coordinator.get(key))!;
  assert.equal(stateOf(back.value), 'running rev 3', 'written back as the newest, at a rev above both');
  const look = studyRecordKv(raw, verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: signer.publicKey }), () => undefined);
  assert.equal(stateOf((await look.get(key))?.value), 'running rev 3', 'the bucket holds it again');
  assert.deepEqual(restored, [{ key, found: 1, rev: 3 }]);
  assert.match(coordinatorRefusals[0]!.reason, /rolled back, restored$/);

  await raw.delete(key);
  assert.equal(stateOf((await coordinator.get(key))?.value), 'running rev 4');
  assert.match(coordinatorRefusals[1]!.reason, /^refused the record's deletion \(rev 3 was read before\), restored$/);

  // A restarted coordinator (nothing read yet) that puts a key learns its rev first and stays above it.
  const restarted = studyRecordKv(raw, signedRecordCodec(studyRecordCodec, signer), () => undefined);
  await restarted.put(key, { ...trial('running', 9) });
  const reader = studyRecordKv(raw, verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: signer.publicKey }), () => undefined);
  assert.equal(stateOf((await reader.get(key))?.value), 'running rev 5');
  stop.abort();
  await transport.close();
});

test('a record or message of a later format is refused as a newer skewer\'s, naming both versions', () => {
  const sealed = JSON.parse(new TextDecoder().decode(signedRecordCodec(studyRecordCodec, signer).encode(trial('waiting', 1))));
  const newer = new TextEncoder().encode(JSON.stringify({ ...sealed, kv: 3 }));
  assert.throws(
    () => verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: signer.publicKey }).decode(newer),
    /written by a newer skewer \(KV record format 3; this skewer reads up to 2\): upgrade skewer here to read it/,
  );
  // Format 1 (before rev and rerun records) still reads... but its payload must not be a newer protocol.
  const newerPayload = { ...sealed, payload: JSON.stringify({ ...trial('waiting', 1), v: 2 }) };
  assert.throws(() => studyRecordCodec.decode(new TextEncoder().encode(newerPayload.payload)), /newer skewer \(message protocol 2; this skewer reads up to 1\)/);
  assert.throws(() => busCodec.decode(new TextEncoder().encode(JSON.stringify({ v: 2, type: 'heartbeat' }))), /written by a newer skewer \(message protocol 2/);
  assert.throws(() => envelopeCodec.decode(new TextEncoder().encode(JSON.stringify({ auth: 9 }))), /newer skewer \(message envelope format 9; this skewer reads up to 1\)/);
  // An older version is not "newer": it fails its schema as before.
  assert.throws(() => busCodec.decode(new TextEncoder().encode(JSON.stringify({ v: 0, type: 'heartbeat' }))), (error: Error) => !/newer skewer/.test(error.message));
});
