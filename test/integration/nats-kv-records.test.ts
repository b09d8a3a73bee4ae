// Signed KV records on the read paths (issue 11), on a real nats-server with no permissions
// configured: a client able to write a study's bucket plants trial records (unsigned, signed by a
// key of its own, a genuine record copied under another key, one squatting on the key of a trial
// the coordinator has yet to make). The study runs as it would untouched; `status` and the reader
// refuse and count every planted record; `--resume` ignores them; an unsigned legacy study is
// refused by readers until its owner's resume adopts it; a record written back to an older genuine
// version while the study runs is restored by its coordinator; one rolled back (or deleted) while no
// coordinator runs is refused by a later reader or resume on a machine that read it before (its
// record anchor), and believed, as documented, by a machine that never did.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Agent, inProcessRunner } from '../../src/agent/index.ts';
import { parseStudyConfig, queueDeliveriesOf, type StudyConfig } from '../../src/config/study.ts';
import { anchorPath, openStudyReader, runCoordinator, type StudyOutcome } from '../../src/coordinator/index.ts';
import { UserError } from '../../src/core/errors.ts';
import { statusTable } from '../../src/cli/commands/status.ts';
import { connectNats, type Transport } from '../../src/transport/index.ts';
import { mintJoinCredential, newStudySigner, signedRecordCodec, type StudySigner } from '../../src/transport/auth/index.ts';
import { PROTOCOL_VERSION, studyRecordCodec, type StoredTrial } from '../../src/transport/messages.ts';
import { STUDY_KEY, studyBucketName, trialKey } from '../../src/transport/subjects.ts';
import { natsSuite } from './helpers.ts';

const nats = natsSuite('nats-kv-records');

function studyConfig(name: string, trials: number): StudyConfig {
  return parseStudyConfig({
    name, seed: 3, sampler: 'random', trials, parallelism: 1,
    space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
    objective: { function: 'branin', delayMs: 150 },
    maxAttempts: 3, ackWaitMs: 3_000, retryDelayMs: 100, heartbeatMs: 200, agentLostMs: 2_000,
  });
}

/** A trial record that would be the study's best by far (branin is minimised). */
function plantedTrial(id: string, value = -1e6): StoredTrial {
  return {
    v: PROTOCOL_VERSION, type: 'trial', id, number: Number(id), state: 'complete', params: { x1: 0, x2: 0 },
    resources: { class: 'cpu', memoryBytes: 0 }, dispatches: 1, attempts: [], reports: [], value, createdAt: 1, updatedAt: 2,
  };
}

async function runWithAgent(transport: Transport, config: StudyConfig, signer: StudySigner, mode: 'new' | 'resume', log: string[], anchorDir?: string): Promise<StudyOutcome> {
  const stop = new AbortController();
  const agent = new Agent({
    transport, name: 'genuine', joins: [mintJoinCredential(signer)], slots: 1,
    capabilities: { backend: 'wasm', gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'] },
    runner: inProcessRunner(), heartbeatMs: config.heartbeatMs,
    queueSettings: async () => ({ ackWaitMs: config.ackWaitMs, maxAttempts: queueDeliveriesOf(config) }),
    log: (line) => log.push(`agent: ${line}`),
  }).run(stop.signal);
  try {
    return await runCoordinator({ config, transport, signer, mode, log: (line) => log.push(line), ...(anchorDir && { anchorDir }) }, new AbortController().signal);
  } finally {
    stop.abort();
    await agent;
  }
}

test('planted KV records are refused, counted by status and ignored by --resume; a genuine study reads as before', async () => {
  const study = 'planted';
  const config = studyConfig(study, 4);
  const signer = newStudySigner(study);
  const mallory = newStudySigner(study);
  const transport = await connectNats({ servers: nats.server.url, onStatus: () => {} });
  const nc = await connect({ servers: nats.server.url });
  const log: string[] = [];
  try {
    const bucket = await new Kvm(jetstream(nc)).create(studyBucketName(study));
    // Squatting on the key of the last trial before the coordinator makes it: it must write over it, not stall.
    await bucket.put(trialKey('0003'), studyRecordCodec.encode(plantedTrial('0003')));
    const outcome = await runWithAgent(transport, config, signer, 'new', log);
    assert.equal(outcome.finished, true);
    assert.deepEqual(outcome.trials.map((t) => [t.id, t.state]), [['0000', 'complete'], ['0001', 'complete'], ['0002', 'complete'], ['0003', 'complete']]);
    assert.ok(outcome.trials.every((t) => t.value !== -1e6 && t.attempts.length === 1), 'trial 0003 is the genuine one');
    assert.ok(log.some((l) => /^refused KV record trial\.0003: refused an unsigned KV record/.test(l)), log.join('\n'));

    const trusted = { coordinatorKey: signer.publicKey, source: '--study-key' };
    const genuine = await (await openStudyReader({ study, transport, trust: trusted, log: () => {} })).snapshot();
    assert.equal(genuine.integrity.refused.length, 0);
    assert.equal(genuine.best?.id, outcome.best?.id);

    // After the study: an unsigned trial, one signed by another key, a genuine record under another key.
    await bucket.put(trialKey('0900'), studyRecordCodec.encode(plantedTrial('0900')));
    await bucket.put(trialKey('0901'), signedRecordCodec(studyRecordCodec, mallory).encode(plantedTrial('0901')));
    const copied = (await bucket.get(trialKey('0000')))!.value;
    await bucket.put(trialKey('0902'), copied);

    const readerLog: string[] = [];
    const reader = await openStudyReader({ study, transport, trust: trusted, log: (line) => readerLog.push(line) });
    const snapshot = await reader.snapshot();
    assert.deepEqual(snapshot.trials, genuine.trials, 'the same trials as before the planting');
    assert.equal(snapshot.best?.id, outcome.best?.id);
    assert.deepEqual(snapshot.integrity.refused.map((r) => r.key).sort(), ['trial.0900', 'trial.0901', 'trial.0902']);
    assert.match(snapshot.integrity.refused.find((r) => r.key === 'trial.0901')!.reason, /signed by A\w+, not by study 'planted's coordinator key/);
    assert.match(snapshot.integrity.refused.find((r) => r.key === 'trial.0902')!.reason, /trial record of id '0000' under key trial\.0902/);
    assert.equal(readerLog.filter((l) => /^refused KV record trial\.09/.test(l)).length, 3, readerLog.join('\n'));
    const table = await statusTable(reader);
    assert.match(table, /^3 KV records refused: not signed by the study's coordinator key; a record under a key not its own/m);
    assert.match(table, /^ {2}trial\.0900: refused an unsigned KV record/m);
    assert.doesNotMatch(table, /-1000000|^0900 /m);
    assert.doesNotMatch(table, /UNVERIFIED/);

    // No trust root: still refused against the key the study record names, and marked unverified.
    const unanchored = await openStudyReader({ study, transport, log: () => {} });
    assert.match(await statusTable(unanchored), /^UNVERIFIED: no study key/m);
    assert.deepEqual((await unanchored.snapshot()).trials, genuine.trials);
    // A wrong study key: the study record itself does not verify.
    await assert.rejects(
      openStudyReader({ study, transport, trust: { coordinatorKey: mallory.publicKey, source: '--study-key' }, log: () => {} }),
      /the study record of 'planted' is not signed by the study key/,
    );

    // --resume: the planted records never become trials, and stay refused.
    const resumeLog: string[] = [];
    const resumed = await runWithAgent(transport, config, signer, 'resume', resumeLog);
    assert.deepEqual(resumed.trials.map((t) => t.id), ['0000', '0001', '0002', '0003']);
    assert.equal(resumed.best?.id, outcome.best?.id);
    assert.ok(resumeLog.some((l) => /^refused KV record trial\.0900/.test(l)), resumeLog.join('\n'));
    const after = await (await openStudyReader({ study, transport, trust: trusted, log: () => {} })).snapshot();
    assert.equal(after.integrity.refused.length, 3, 'a signed study adopts no unsigned record');
  } finally {
    await nc.close();
    await transport.close();
  }
});

test('an unsigned legacy study is refused by readers until its owner resumes it, which signs its records', async () => {
  const study = 'legacy';
  const config = studyConfig(study, 1);
  const signer = newStudySigner(study);
  const transport = await connectNats({ servers: nats.server.url, onStatus: () => {} });
  try {
    // What an earlier skewer wrote: plain records.
    const plain = await transport.kv(studyBucketName(study), studyRecordCodec);
    await plain.create(STUDY_KEY, {
      v: PROTOCOL_VERSION, type: 'study', name: study, config: config as unknown as Record<string, unknown>, state: 'running',
      coordinatorKey: signer.publicKey, createdAt: 1, updatedAt: 1,
    });
    await plain.create(trialKey('0000'), plantedTrial('0000', 4.2));
    const trusted = { coordinatorKey: signer.publicKey, source: 'coordinator.nk' };
    await assert.rejects(openStudyReader({ study, transport, trust: trusted, log: () => {} }), /the study record of 'legacy' is not signed/);

    // Someone else's key cannot adopt it.
    await assert.rejects(runWithAgent(transport, config, newStudySigner(study), 'resume', []), /this coordinator key is not study 'legacy's/);
    const log: string[] = [];
    const resumed = await runWithAgent(transport, config, signer, 'resume', log);
    assert.ok(log.some((l) => /stored unsigned .* signed its 2 records/.test(l)), log.join('\n'));
    assert.equal(resumed.finished, true);
    const snapshot = await (await openStudyReader({ study, transport, trust: trusted, log: () => {} })).snapshot();
    assert.deepEqual(snapshot.trials.map((t) => [t.id, t.value]), [['0000', 4.2]]);
    assert.equal(snapshot.state, 'finished');
    assert.equal(snapshot.integrity.refused.length, 0);
  } finally {
    await transport.close();
  }
});

test('a record written back to an older genuine version during a live study is refused and restored by its coordinator', async () => {
  const study = 'rollback';
  const config = studyConfig(study, 8);
  const signer = newStudySigner(study);
  const transport = await connectNats({ servers: nats.server.url, onStatus: () => {} });
  const nc = await connect({ servers: nats.server.url });
  const log: string[] = [];
  try {
    const bucket = await new Kvm(jetstream(nc)).create(studyBucketName(study));
    const payloadOf = (bytes: Uint8Array) => JSON.parse(JSON.parse(new TextDecoder().decode(bytes)).payload) as StoredTrial;
    // Mallory keeps trial 0000's first genuine record (waiting), and writes it back once the trial is complete.
    let rolledBack = false;
    const watcher = (async () => {
      let first: Uint8Array | undefined;
      for await (const entry of await bucket.watch({ key: trialKey('0000') })) {
        if (entry.operation !== 'PUT') continue;
        first ??= entry.value;
        if (!rolledBack && payloadOf(entry.value).state === 'complete') {
          rolledBack = true;
          await bucket.put(trialKey('0000'), first);
        }
        // After the written-back copy (rev 1, waiting): the next record of the key is the restore.
        else if (rolledBack && payloadOf(entry.value).rev !== payloadOf(first).rev) return payloadOf(entry.value);
      }
      return undefined;
    })();
    const outcome = await runWithAgent(transport, config, signer, 'new', log);
    assert.equal(outcome.finished, true);
    assert.ok(rolledBack, 'the test wrote the old record back');
    const restored = await Promise.race([watcher, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000))]);
    assert.equal(restored?.state, 'complete', log.join('\n'));
    assert.ok(restored.rev! > 2, `restored above every rev written (rev ${restored.rev})`);
    assert.ok(log.some((l) => /^restored KV record trial\.0000 as rev \d+ \(the bucket held rev 1\)$/.test(l)), log.join('\n'));
    assert.ok(log.some((l) => /^refused KV record trial\.0000: refused an older version of the record \(rev 1; rev \d+ was read before\): rolled back, restored$/.test(l)), log.join('\n'));
    assert.equal(outcome.trials.find((t) => t.id === '0000')?.state, 'complete');
    // Its watch also saw every one of its own writes arrive late: none of those was taken for a rollback.
    assert.equal(log.filter((l) => l.startsWith('restored KV record')).length, 1, log.join('\n'));
    // What a reader reads afterwards is the restored, complete trial.
    const snapshot = await (await openStudyReader({ study, transport, trust: { coordinatorKey: signer.publicKey, source: '--study-key' }, log: () => {} })).snapshot();
    assert.equal(snapshot.trials.find((t) => t.id === '0000')?.state, 'complete');
    assert.equal(snapshot.integrity.refused.length, 0);
  } finally {
    await nc.close();
    await transport.close();
  }
});

test('records rolled back or deleted while no coordinator runs: refused by a reader and a resume on a machine that read them before; believed by one that never did', async () => {
  const study = 'offline-rollback';
  const config = studyConfig(study, 3);
  const signer = newStudySigner(study);
  const transport = await connectNats({ servers: nats.server.url, onStatus: () => {} });
  const nc = await connect({ servers: nats.server.url });
  const owner = mkdtempSync(path.join(tmpdir(), 'skewer-anchor-owner-'));
  const stranger = mkdtempSync(path.join(tmpdir(), 'skewer-anchor-stranger-'));
  const log: string[] = [];
  const trust = { coordinatorKey: signer.publicKey, source: '--study-key' };
  try {
    // History kept, so the test can take a trial's first genuine record (waiting) from the server.
    const bucket = await new Kvm(jetstream(nc)).create(studyBucketName(study), { history: 16 });
    const outcome = await runWithAgent(transport, config, signer, 'new', log, owner);
    assert.equal(outcome.finished, true);
    const anchor = JSON.parse(readFileSync(anchorPath(owner, { study, coordinatorKey: signer.publicKey, createdAt: 0 }), 'utf8'));
    assert.ok(anchor.revs[trialKey('0000')] >= 3, `the coordinator anchored its last writes: ${JSON.stringify(anchor.revs)}`);
    // The coordinator is gone. Mallory writes trial 0000's first record back and deletes trial 0001.
    const versions = [];
    for await (const entry of await bucket.history({ key: trialKey('0000') })) versions.push(entry);
    const payloadOf = (bytes: Uint8Array) => JSON.parse(JSON.parse(new TextDecoder().decode(bytes)).payload) as StoredTrial;
    assert.equal(payloadOf(versions[0]!.value).state, 'waiting');
    await bucket.put(trialKey('0000'), versions[0]!.value);
    await bucket.delete(trialKey('0001'));

    // The owner's machine read the newer records: it refuses both, and says why.
    const lines: string[] = [];
    const reader = await openStudyReader({ study, transport, trust, log: (l) => lines.push(l), anchorDir: owner });
    const seen = await reader.snapshot();
    assert.deepEqual(seen.trials.map((t) => t.id), ['0002'], 'neither the rolled-back nor the deleted trial is shown as if genuine');
    const reasons = new Map(seen.integrity.refused.map((r) => [r.key, r.reason]));
    assert.match(reasons.get(trialKey('0000')) ?? '', /^refused an older version of the record \(rev 1; this machine read rev \d+ of it before\): rolled back while nobody here watched$/);
    assert.match(reasons.get(trialKey('0001')) ?? '', /^refused the record's deletion \(this machine read rev \d+ of it before\)$/);
    assert.ok(lines.some((l) => l.startsWith(`refused KV record ${trialKey('0000')} of study '${study}'`)), lines.join('\n'));
    const table = await statusTable(reader);
    assert.match(table, /2 KV records refused/, table);

    // A machine that never read the study believes what the server holds: the documented limit.
    const fresh = await (await openStudyReader({ study, transport, trust, log: () => {}, anchorDir: stranger })).snapshot();
    assert.deepEqual(fresh.trials.map((t) => [t.id, t.state]), [['0000', 'waiting'], ['0002', 'complete']]);
    assert.equal(fresh.integrity.refused.length, 0);

    // The owner's resume stops before it writes anything, naming the records and what to do.
    const before = (await bucket.get(trialKey('0000')))!.revision;
    await assert.rejects(runWithAgent(transport, config, signer, 'resume', [], owner), (error: unknown) => {
      assert.ok(error instanceof UserError, String(error));
      assert.match(error.message, /^study 'offline-rollback': 2 records are older on the server than this machine last read or wrote \(rolled back or deleted while no coordinator ran\): trial\.0000: refused an older version/);
      assert.match(error.message, /trial\.0001: refused the record's deletion/);
      assert.match(error.hint ?? '', /Nothing was resumed or written\. If the server's data was restored from an older copy on purpose, delete .*skewer_study_offline-rollback\.A[A-Z0-9]{15}\.json and resume again/);
      return true;
    });
    assert.equal((await bucket.get(trialKey('0000')))!.revision, before, 'the refused resume wrote nothing');

    // The study record itself written back (running instead of finished) is refused as well.
    const studies = [];
    for await (const entry of await bucket.history({ key: STUDY_KEY })) studies.push(entry);
    await bucket.put(STUDY_KEY, studies[0]!.value);
    await assert.rejects(openStudyReader({ study, transport, trust, log: () => {}, anchorDir: owner }), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^the study record of 'offline-rollback' was rolled back on the server: refused an older version of the record \(rev 1; this machine read rev \d+ of it before\)/);
      return true;
    });
  } finally {
    await nc.close();
    await transport.close();
  }
});
