// Issue 11: a trial that ran more than once (its lease expired while its agent still worked, a
// server restart) keeps its first result, and every later run's outcome is recorded beside it,
// once however often it is delivered, in the embedded journal and in a KV bucket alike; `skewer
// status` counts them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { statusDocument, statusTable } from '../../src/cli/commands/status.ts';
import { journaledKv, openStudyReader, studyDir, TrialStore, type StoredTrial } from '../../src/coordinator/index.ts';
import { countReruns, storeOutcome } from '../../src/coordinator/reruns.ts';
import { applyStarted } from '../../src/coordinator/outcomes.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { PROTOCOL_VERSION, studyRecordCodec, type TrialOutcomeMessage } from '../../src/transport/messages.ts';
import { newStudySigner, signedRecordCodec } from '../../src/transport/auth/index.ts';
import { studyBucketName } from '../../src/transport/subjects.ts';
import { functionStudy } from './harness.ts';

const T = Date.UTC(2026, 11, 1, 12);
const config = functionStudy({ name: 'reruns', trials: 2, maxAttempts: 3 });
// The study bucket holds signed records (issue 11); readers verify them against the study record's key.
const signer = newStudySigner(config.name);

function waiting(number: number): StoredTrial {
  return {
    v: PROTOCOL_VERSION, type: 'trial', id: `t${number}`, number, state: 'waiting', params: { x1: number, x2: 1 },
    work: { kind: 'function', function: 'branin', delayMs: 0 }, resources: { class: 'cpu', memoryBytes: 0 },
    dispatches: 1, attempts: [], reports: [], createdAt: T, updatedAt: T,
  };
}

function outcome(trialId: string, attempt: number, agent: string, startedAt: number, value: number): TrialOutcomeMessage {
  return {
    v: PROTOCOL_VERSION, type: 'trial-outcome', study: config.name, trialId, attempt, agent,
    startedAt, endedAt: startedAt + 500, outcome: 'complete', value, reports: [],
  };
}

/** Trial t0: attempt 1 on `slow` lost its lease, attempt 2 on `fast` finished first; then `slow` reports. */
async function playLateRun(store: TrialStore): Promise<void> {
  await store.create(waiting(0));
  await store.create(waiting(1));
  await store.update('t0', (t) => applyStarted(t, { v: 1, type: 'trial-started', study: config.name, trialId: 't0', attempt: 1, agent: 'slow', at: T }, config));
  await store.update('t0', (t) => applyStarted(t, { v: 1, type: 'trial-started', study: config.name, trialId: 't0', attempt: 2, agent: 'fast', at: T + 100 }, config));
  const first = await storeOutcome(store, outcome('t0', 2, 'fast', T + 100, 1.5), config, T + 600);
  assert.equal(first.rerun, undefined, 'the first outcome finishes the trial');
  assert.equal(first.stored?.state, 'complete');
}

test('a late outcome of another run is recorded once beside the trial; the first value is kept', async () => {
  const transport = createMemoryTransport();
  const store = new TrialStore(await transport.kv(studyBucketName(config.name), signedRecordCodec(studyRecordCodec, signer)), () => T + 5_000);
  await store.createStudy(config.name, config as unknown as Record<string, unknown>);
  await playLateRun(store);
  const kept = await store.get('t0');

  // The kept outcome delivered again (its acknowledgement was lost) is no re-run.
  assert.equal((await storeOutcome(store, outcome('t0', 2, 'fast', T + 100, 1.5), config, T + 700)).rerun, undefined);
  // The slow run's outcome, twice (redelivered): recorded the first time only.
  const late = outcome('t0', 1, 'slow', T, 9.25);
  const recorded = await storeOutcome(store, late, config, T + 2_000);
  assert.deepEqual(recorded.rerun && { ...recorded.rerun }, {
    v: PROTOCOL_VERSION, type: 'rerun', trialId: 't0', attempt: 1, agent: 'slow', startedAt: T, endedAt: T + 500, outcome: 'complete', value: 9.25, at: T + 2_000,
  });
  assert.equal((await storeOutcome(store, late, config, T + 3_000)).rerun, undefined, 'the same run delivered twice counts once');

  const after = await store.get('t0');
  assert.deepEqual(after, kept, 'the kept record did not change at all');
  assert.equal(after?.value, 1.5);
  const reruns = await store.reruns();
  assert.equal(reruns.length, 1);
  assert.equal(reruns[0]!.at, T + 2_000, 'the first delivery is the one kept');
  assert.deepEqual(
    countReruns(reruns, await store.trials()).map((c) => [c.trialId, c.number, c.runs]),
    [['t0', 0, 2]],
  );
  assert.equal((await store.trials()).length, 2, 'a rerun record is no trial');

  // A trial that has not finished takes the outcome: nothing is recorded as a re-run.
  const unfinished = await storeOutcome(store, outcome('t1', 1, 'fast', T, 3), config, T + 4_000);
  assert.equal(unfinished.rerun, undefined);
  assert.equal(unfinished.stored?.value, 3);

  // Read as `skewer status --server` reads a bucket.
  const reader = await openStudyReader({ study: config.name, transport });
  const table = await statusTable(reader);
  assert.match(table, /^1 trial ran more than once \(first result kept\): #0 ×2$/m);
  assert.match(table, /^ +#0 +attempt 1 on slow: complete value 9\.25 \(arrived 2026-12-01T12:00:02\.000Z\)$/m);
  assert.match(table, /^0 +complete +2 +fast +1\.5 /m, 'the row shows the kept result');
  const document = await statusDocument(reader);
  assert.deepEqual((document.reruns as Array<{ trialId: string; value: number }>).map((r) => [r.trialId, r.value]), [['t0', 9.25]]);
  await transport.close();
});

test('the embedded journal keeps re-runs across a restart, and status reads them from it', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'skewer-reruns-'));
  try {
    const dir = studyDir(config.name, root);
    const transport = createMemoryTransport();
    const kv = journaledKv(await transport.kv(studyBucketName(config.name), signedRecordCodec(studyRecordCodec, signer)), dir);
    const store = new TrialStore(kv, () => T + 5_000);
    await store.createStudy(config.name, config as unknown as Record<string, unknown>);
    await playLateRun(store);
    const late = outcome('t0', 1, 'slow', T, 9.25);
    assert.ok((await storeOutcome(store, late, config, T + 2_000)).rerun);
    assert.equal((await storeOutcome(store, late, config, T + 3_000)).rerun, undefined);
    // Another late run of t0 (attempt 3, another agent) is a second re-run.
    assert.ok((await storeOutcome(store, outcome('t0', 3, 'third', T + 900, 4), config, T + 3_500)).rerun);
    await transport.close();
    const lines = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"rerun"'));
    assert.equal(lines.length, 2, 'each run journaled once');

    const reader = await openStudyReader({ study: config.name, root });
    const snapshot = await reader.snapshot();
    assert.deepEqual(snapshot.reruns.map((r) => [r.attempt, r.agent, r.value]), [[1, 'slow', 9.25], [3, 'third', 4]]);
    assert.equal(snapshot.trials.find((t) => t.id === 't0')?.value, 1.5);
    assert.match(await statusTable(reader), /^1 trial ran more than once \(first result kept\): #0 ×3$/m);

    // The journal's event stream says it too, once per run.
    const stop = new AbortController();
    const reruns: string[] = [];
    const timer = setTimeout(() => stop.abort(), 5_000); // never hang: the assertion below says what was missing
    for await (const event of reader.events(stop.signal)) {
      if (event.type === 'trial-rerun') reruns.push(`${event.trialId}/${event.attempt}/${event.agent}`);
      if (reruns.length === 2) stop.abort();
    }
    clearTimeout(timer);
    assert.deepEqual(reruns, ['t0/1/slow', 't0/3/third']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('over a real nats-server KV bucket: the same re-run recorded once, the kept trial untouched, status counts it', async () => {
  const { startTestNatsServer } = await import('../helpers/nats-server.ts');
  const { connectNats } = await import('../../src/transport/index.ts');
  const server = await startTestNatsServer();
  const transport = await connectNats({ servers: server.url });
  try {
    const store = new TrialStore(await transport.kv(studyBucketName(config.name), signedRecordCodec(studyRecordCodec, signer)), () => T + 5_000);
    await store.createStudy(config.name, config as unknown as Record<string, unknown>);
    await playLateRun(store);
    const kept = await store.get('t0');
    const late = outcome('t0', 1, 'slow', T, 9.25);
    assert.ok((await storeOutcome(store, late, config, T + 2_000)).rerun);
    assert.equal((await storeOutcome(store, late, config, T + 3_000)).rerun, undefined, 'a redelivery adds nothing');
    assert.deepEqual(await store.get('t0'), kept);
    assert.deepEqual((await store.reruns()).map((r) => [r.trialId, r.attempt, r.agent, r.value]), [['t0', 1, 'slow', 9.25]]);
    const reader = await openStudyReader({ study: config.name, transport });
    assert.match(await statusTable(reader), /^1 trial ran more than once \(first result kept\): #0 ×2$/m);
  } finally {
    await transport.close();
    await server.stop();
  }
});
