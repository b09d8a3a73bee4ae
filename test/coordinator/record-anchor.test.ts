// The record anchor (issue 11): what this machine last read of a study's records, kept in a file
// across processes. A fresh studyRecordKv seeded with it refuses a key first read below its
// anchored rev, or gone; the file is bound to one study instance, merges, and a bad one is read as none.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AnchorKeeper, anchorPath, loadAnchor, saveAnchor, type AnchorIdentity } from '../../src/coordinator/index.ts';
import { bytesCodec, newStudySigner, signedRecordCodec, studyRecordKv, verifiedRecordCodec, type RecordRefusal } from '../../src/transport/auth/index.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { PROTOCOL_VERSION, studyRecordCodec, type StoredTrial } from '../../src/transport/messages.ts';
import { trialKey } from '../../src/transport/subjects.ts';

const study = 'anchored';
const signer = newStudySigner(study);
const id: AnchorIdentity = { study, coordinatorKey: signer.publicKey, createdAt: 1_700_000_000_000 };
const trial = (tid: string, state: StoredTrial['state']): StoredTrial => ({
  v: PROTOCOL_VERSION, type: 'trial', id: tid, number: Number(tid), state, params: { x: 1 },
  resources: { class: 'cpu', memoryBytes: 0 }, dispatches: 1, attempts: [], reports: [], createdAt: 1, updatedAt: 2,
});

test('a fresh reader seeded with the anchor refuses a key rolled back or deleted before it first read it; without the anchor it believes them', async () => {
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const raw = await transport.kv('skewer_study_anchored', bytesCodec);
  const writer = studyRecordKv(raw, signedRecordCodec(studyRecordCodec, signer), () => {});
  await writer.create(trialKey('0000'), trial('0000', 'waiting'));
  const waiting = (await raw.get(trialKey('0000')))!.value;
  const entry = (await writer.get(trialKey('0000')))!;
  await writer.update(trialKey('0000'), { ...(entry.value as StoredTrial), state: 'complete', value: 3 }, entry.revision);
  await writer.create(trialKey('0001'), trial('0001', 'complete'));
  assert.deepEqual([...writer.revs()], [[trialKey('0000'), 2], [trialKey('0001'), 1]]);
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-anchor-'));
  await saveAnchor(dir, id, writer.revs());

  // Later, with nobody watching: 0000 goes back to its waiting record, 0001 is deleted.
  await raw.put(trialKey('0000'), waiting);
  await raw.delete(trialKey('0001'));
  const verify = verifiedRecordCodec(studyRecordCodec, { study, coordinatorKey: signer.publicKey });
  const refusals: RecordRefusal[] = [];
  const anchored = studyRecordKv(raw, verify, (r) => refusals.push(r));
  anchored.anchorWith(await loadAnchor(dir, id, assert.fail));
  assert.equal(await anchored.get(trialKey('0000')), undefined);
  assert.deepEqual(await anchored.list(''), []);
  assert.deepEqual(refusals.map((r) => [r.key, r.anchored, r.reason]), [
    [trialKey('0000'), true, 'refused an older version of the record (rev 1; this machine read rev 2 of it before): rolled back while nobody here watched'],
    [trialKey('0000'), true, 'refused an older version of the record (rev 1; this machine read rev 2 of it before): rolled back while nobody here watched'],
    [trialKey('0001'), true, "refused the record's deletion (this machine read rev 1 of it before)"],
  ]);
  // A writer seeded with the anchor writes above it; the newer record is then believed.
  const coordinator = studyRecordKv(raw, signedRecordCodec(studyRecordCodec, signer), () => {});
  coordinator.anchorWith(await loadAnchor(dir, id, assert.fail));
  await coordinator.put(trialKey('0000'), trial('0000', 'running'));
  assert.equal((await anchored.get(trialKey('0000')))?.value.rev, 3);
  // Without the anchor (a machine that never read the study) the rolled-back record is believed: the documented limit.
  const bare = studyRecordKv(raw, verify, (r) => assert.fail(r.reason));
  await raw.put(trialKey('0000'), waiting);
  assert.equal((await bare.get(trialKey('0000')))?.value.rev, 1);
});

test('the anchor file: saved atomically, merged (newest rev per key wins), bound to one study instance, a bad file read as none', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-anchor-'));
  await saveAnchor(dir, id, new Map([['study', 3], [trialKey('0000'), 5]]));
  await saveAnchor(dir, id, new Map([[trialKey('0000'), 4], [trialKey('0001'), 2]]));
  assert.deepEqual([...(await loadAnchor(dir, id, assert.fail))].sort(), [['study', 3], [trialKey('0000'), 5], [trialKey('0001'), 2]]);
  const file = anchorPath(dir, id);
  assert.equal(path.basename(file), `skewer_study_anchored.${signer.publicKey.slice(0, 16)}.json`);
  // The same name made again (another createdAt) starts from nothing; so does another key.
  assert.equal((await loadAnchor(dir, { ...id, createdAt: id.createdAt + 1 }, assert.fail)).size, 0);
  assert.equal((await loadAnchor(dir, { ...id, coordinatorKey: newStudySigner(study).publicKey }, assert.fail)).size, 0);
  // A damaged file: named in the log, read as none (the anchor only ever adds refusals).
  writeFileSync(file, '{"v":1,"study":');
  const lines: string[] = [];
  assert.equal((await loadAnchor(dir, id, (l) => lines.push(l))).size, 0);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /record anchor .*skewer_study_anchored\..*\.json is not an anchor file .*reading the study without it/);
  // Saving over it starts a clean file.
  await saveAnchor(dir, id, new Map([[trialKey('0002'), 1]]));
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).revs, { [trialKey('0002')]: 1 });
});

test('AnchorKeeper saves when a rev moves and once more on stop; a failed save is logged once', async () => {
  const transport = createMemoryTransport({ onInvalid: () => undefined });
  const raw = await transport.kv('skewer_study_anchored', bytesCodec);
  const kv = studyRecordKv(raw, signedRecordCodec(studyRecordCodec, signer), () => {});
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-anchor-'));
  const keeper = new AnchorKeeper(kv, dir, id, assert.fail);
  await kv.create(trialKey('0000'), trial('0000', 'waiting'));
  await keeper.save();
  assert.deepEqual([...(await loadAnchor(dir, id, assert.fail))], [[trialKey('0000'), 1]]);
  await kv.put(trialKey('0000'), trial('0000', 'complete'));
  await keeper.stop();
  assert.deepEqual([...(await loadAnchor(dir, id, assert.fail))], [[trialKey('0000'), 2]]);
  // A directory that cannot be made (a file is in the way): logged once, never thrown.
  const blocked = path.join(dir, 'file');
  writeFileSync(blocked, '');
  const lines: string[] = [];
  const stuck = new AnchorKeeper(kv, path.join(blocked, 'sub'), id, (l) => lines.push(l));
  await stuck.save();
  await kv.put(trialKey('0000'), trial('0000', 'pruned'));
  await stuck.save();
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /not saved: .*a later rollback of this study's records would go unseen here/);
});
