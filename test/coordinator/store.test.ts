import assert from 'node:assert/strict';
import { mkdtempSync, appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/core/errors.ts';
import { journaledKv, restoreJournaledKv, TrialStore, type StoredTrial } from '../../src/coordinator/index.ts';
import { replayJournal } from '../../src/coordinator/journal.ts';
import { applyOutcome, applyStarted } from '../../src/coordinator/outcomes.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import {
  PROTOCOL_VERSION,
  StudyRecordValueSchema,
  studyRecordCodec,
  type TrialOutcomeMessage,
} from '../../src/transport/messages.ts';

function waitingTrial(id = '0000'): StoredTrial {
  return {
    v: PROTOCOL_VERSION, type: 'trial', id, number: Number(id), state: 'waiting', params: { x: 1 },
    work: { kind: 'function', function: 'sphere', delayMs: 0 }, resources: { class: 'cpu', memoryBytes: 1 },
    dispatches: 1, attempts: [], reports: [], createdAt: 1, updatedAt: 1,
  };
}

const started = (attempt: number, agent = 'a') =>
  ({ v: PROTOCOL_VERSION, type: 'trial-started', study: 's', trialId: '0000', attempt, agent, at: 10 * attempt }) as const;

function outcome(attempt: number, fields: Partial<TrialOutcomeMessage>): TrialOutcomeMessage {
  return {
    v: PROTOCOL_VERSION, type: 'trial-outcome', study: 's', trialId: '0000', attempt, agent: 'a',
    startedAt: 10 * attempt, endedAt: 10 * attempt + 5, outcome: 'complete', reports: [], ...fields,
  };
}

async function openStore(): Promise<TrialStore> {
  const kv = await createMemoryTransport().kv('b', studyRecordCodec);
  return new TrialStore(kv, () => 42);
}

test('create is exclusive; update is compare-and-set and survives concurrent writers', async () => {
  const store = await openStore();
  assert.equal(await store.create(waitingTrial()), true);
  assert.equal(await store.create(waitingTrial()), false);
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => store.update('0000', (t) => ({ ...t, reports: [...t.reports, { step: i, value: i }] }))),
  );
  assert.equal((await store.get('0000'))!.reports.length, 10, 'no update lost to a race');
});

test('a second result for a finished trial changes nothing; finished trials are immutable', async () => {
  const store = await openStore();
  await store.create(waitingTrial());
  await store.update('0000', (t) => applyStarted(t, started(1)));
  const first = await store.update('0000', (t) => applyOutcome(t, outcome(1, { value: 3 })));
  assert.equal(first!.state, 'complete');
  // The same outcome again (redelivered), and a late outcome of another attempt: no change.
  const again = await store.update('0000', (t) => applyOutcome(t, outcome(1, { value: 3 })));
  const late = await store.update('0000', (t) => applyOutcome(t, outcome(2, { value: 99 })));
  assert.deepEqual(again, first);
  assert.deepEqual(late, first);
  let called = false;
  await store.update('0000', (t) => ((called = true), t));
  assert.equal(called, false, 'mutations are not even offered a finished trial');
});

test('starts and outcomes are keyed by attempt; a newer start ends an older open attempt as lost', () => {
  let trial = applyStarted(waitingTrial(), started(1, 'dead'))!;
  assert.equal(trial.state, 'running');
  assert.equal(applyStarted(structuredClone(trial), started(1, 'dead')), undefined, 'a duplicate start is a no-op');
  trial = applyStarted(trial, started(2, 'alive'))!;
  assert.deepEqual(trial.attempts.map((a) => [a.agent, a.outcome]), [['dead', 'lost'], ['alive', undefined]]);
  trial = applyOutcome(trial, outcome(2, { outcome: 'retry', error: 'flake' }))!;
  assert.equal(trial.state, 'waiting');
  assert.equal(applyOutcome(structuredClone(trial), outcome(2, { outcome: 'retry' })), undefined);
  const failed = applyOutcome(trial, outcome(3, { outcome: 'complete' }))!;
  assert.equal(failed.state, 'failed', 'complete without a value is a failure, not a value of 0');
});

test('a result for a trial sent back to waiting passes through running (one write, legal steps)', async () => {
  const store = await openStore();
  await store.create(waitingTrial());
  const done = await store.update('0000', (t) => applyOutcome(t, outcome(1, { value: 1 })));
  assert.equal(done!.state, 'complete');
  assert.deepEqual(done!.attempts.map((a) => [a.attempt, a.outcome]), [[1, 'complete']]);
});

test('the journal replays the last value per key, tolerates a torn last line, refuses a torn middle one', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-journal-'));
  const kv = journaledKv(await createMemoryTransport().kv('b', studyRecordCodec), dir);
  await kv.create('trial.0000', waitingTrial());
  const revision = (await kv.get('trial.0000'))!.revision;
  await kv.update('trial.0000', { ...waitingTrial(), state: 'running' }, revision);
  await kv.update('trial.0000', { ...waitingTrial(), state: 'failed' }, revision); // CAS fails: not journaled
  appendFileSync(path.join(dir, 'journal.jsonl'), '{"key":"trial.0001","val');
  const restored = await restoreJournaledKv(await createMemoryTransport().kv('b', studyRecordCodec), dir, (v) => StudyRecordValueSchema.parse(v));
  const record = (await restored.get('trial.0000'))!.value as StoredTrial;
  assert.equal(record.state, 'running');
  assert.equal(await restored.get('trial.0001'), undefined);
  const text = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8');
  assert.throws(() => replayJournal(`garbage\n${text}`, 'j'), (e: unknown) => e instanceof UserError && /line 1 is not JSON/.test(e.message));
});
