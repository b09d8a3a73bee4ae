import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { StudyEvent } from '../../src/core/events.ts';
import { parseStudyConfig } from '../../src/config/study.ts';
import { journaledKv, openStudyReader, restoreJournaledKv, studyDir } from '../../src/coordinator/index.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { StudyRecordValueSchema, studyRecordCodec } from '../../src/transport/messages.ts';
import { studyBucketName } from '../../src/transport/subjects.ts';
import { newStudySigner, signedRecordCodec } from '../../src/transport/auth/index.ts';
import { functionStudy, runStudy } from './harness.ts';

async function collect(events: AsyncIterable<StudyEvent>, until: (e: StudyEvent) => boolean): Promise<StudyEvent[]> {
  const out: StudyEvent[] = [];
  for await (const event of events) {
    out.push(event);
    if (until(event)) break;
  }
  return out;
}

test('openStudyReader reads a study from the embedded journal and from a KV bucket alike', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'skewer-reader-'));
  const config = functionStudy({ trials: 6 });
  const transport = createMemoryTransport();
  // Signed in the bucket (as `skewer search` writes it), plain in the journal.
  const signer = newStudySigner(config.name);
  const kv = journaledKv(await transport.kv(studyBucketName(config.name), signedRecordCodec(studyRecordCodec, signer)), studyDir(config.name, root));
  const { outcome } = await runStudy(config, [{ name: 'a' }, { name: 'b' }], { transport, kv, signer });

  for (const reader of [await openStudyReader({ study: 'unit', root }), await openStudyReader({ study: 'unit', transport })]) {
    assert.deepEqual(reader.config(), config);
    assert.equal(await reader.state(), 'finished');
    assert.deepEqual(await reader.trials(), outcome.trials);
    assert.equal((await reader.best())!.id, outcome.best!.id);
    assert.deepEqual((await reader.agents()).map((a) => a.info.name).sort(), ['a', 'b']);
    const controller = new AbortController();
    const events = await collect(reader.events(controller.signal), (e) => e.type === 'study-finished');
    controller.abort();
    assert.equal(events[0]!.type, 'study-started');
    assert.equal(events.filter((e) => e.type === 'trial-created').length, 6);
    assert.equal(events.filter((e) => e.type === 'trial-finished').length, 6);
    const finished = events.at(-1) as Extract<StudyEvent, { type: 'study-finished' }>;
    assert.equal(finished.bestTrialId, outcome.best!.id);
  }
  await transport.close();
  await assert.rejects(openStudyReader({ study: 'missing', root }), /no study named 'missing'/);
});

test('an embedded study stopped midway resumes from its journal: nothing lost, finished trials kept', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'skewer-resume-'));
  const dir = studyDir('unit', root);
  const config = functionStudy({ trials: 10, objective: { function: 'branin', delayMs: 30 } });
  const signer = newStudySigner('unit'); // the study's key, as .skewer/unit/coordinator.nk keeps it
  const stop = new AbortController();
  const first = createMemoryTransport();
  let finished = 0;
  const { outcome: partial } = await runStudy(config, [{ name: 'a' }], {
    transport: first,
    signer,
    kv: journaledKv(await first.kv(studyBucketName('unit'), studyRecordCodec), dir),
    signal: stop.signal,
    onEvent: (e) => e.type === 'trial-finished' && ++finished === 4 && stop.abort(),
  });
  await first.close();
  assert.equal(partial.finished, false);
  const done = partial.trials.filter((t) => t.state === 'complete');
  assert.ok(done.length >= 4 && done.length < 10);

  const second = createMemoryTransport();
  const kv = await restoreJournaledKv(await second.kv(studyBucketName('unit'), studyRecordCodec), dir, (v) => StudyRecordValueSchema.parse(v));
  const { outcome, events } = await runStudy(config, [{ name: 'b' }], { transport: second, signer, kv, mode: 'resume', requeueUnfinished: true });
  await second.close();
  assert.equal(outcome.finished, true);
  // The resumed run tells its history first: the trials finished before the stop, in the order
  // they finished, stamped with the times their records keep, then the new ones.
  const finishedEvents = events.filter((e) => e.type === 'trial-finished');
  const earlier = [...done].sort((a, b) => a.attempts.at(-1)!.endedAt! - b.attempts.at(-1)!.endedAt!);
  assert.deepEqual(
    finishedEvents.slice(0, earlier.length).map((e) => [e.trialId, e.value, e.at]),
    earlier.map((t) => [t.id, t.value, t.attempts.at(-1)!.endedAt]),
  );
  assert.equal(finishedEvents.length, 10);
  const created = events.find((e) => e.type === 'trial-created' && e.trialId === earlier[0]!.id);
  assert.equal(created?.at, earlier[0]!.createdAt);
  assert.deepEqual(outcome.trials.map((t) => t.number), [...Array(10).keys()]);
  assert.ok(outcome.trials.every((t) => t.state === 'complete'));
  for (const before of done) assert.deepEqual(outcome.trials[before.number], before, 'finished trials untouched');
  await assert.rejects(
    runStudy(config, [], { transport: createMemoryTransport(), kv: await restoreJournaledKv(await createMemoryTransport().kv('x', studyRecordCodec), dir, (v) => StudyRecordValueSchema.parse(v)) }),
    /study 'unit' exists already/,
  );
});

test('routing: trials no live agent can run are failed (embedded) or shown blocked (distributed)', async () => {
  // DenseNet-201 at 1024 px needs the native backend; the only agent is wasm.
  const config = parseStudyConfig({
    name: 'big',
    trials: 2,
    space: { resolution: { type: 'categorical', values: [1024] } },
    base: { dataset: { path: '/nonexistent/parts' }, backbone: 'densenet201', batchSize: 32 },
    ackWaitMs: 300,
    heartbeatMs: 50,
    agentLostMs: 200,
  });
  const embedded = await runStudy(config, [{ name: 'small' }], { failUnrunnable: true });
  assert.equal(embedded.outcome.finished, true);
  for (const trial of embedded.outcome.trials) {
    assert.equal(trial.resources.class, 'gpu');
    assert.equal(trial.state, 'failed');
    assert.match(trial.error!, /no live agent runs 'gpu' trials/);
    assert.equal(trial.attempts.length, 0, 'never taken by the wasm agent');
  }

  const stop = new AbortController();
  const transport = createMemoryTransport();
  setTimeout(() => stop.abort(), 600);
  const distributed = await runStudy(config, [{ name: 'small' }], { transport, signal: stop.signal });
  assert.equal(distributed.outcome.finished, false);
  const blocked = distributed.outcome.trials.filter((t) => t.state === 'waiting' && t.blocked);
  assert.ok(blocked.length >= 1, JSON.stringify(distributed.outcome.trials.map((t) => [t.state, t.blocked])));
  assert.ok(distributed.events.some((e) => e.type === 'trial-requeued' && /waiting for an agent that can run it: no live agent runs 'gpu'/.test(e.reason)));
  await transport.close();
});

test('a mistyped study name is refused with the known ones listed, and no bucket is created for it', async () => {
  const { UserError } = await import('../../src/core/errors.ts');
  const transport = createMemoryTransport();
  try {
    await runStudy(functionStudy({ name: 'branin-a', trials: 2 }), [{ name: 'a' }], { transport });
    const before = await transport.kvBuckets();
    await assert.rejects(
      openStudyReader({ study: 'branin-b', transport }),
      (e: unknown) => e instanceof UserError && /no study named 'branin-b' on this server/.test(e.message) && /Studies here: branin-a/.test(e.hint ?? ''),
    );
    assert.deepEqual(await transport.kvBuckets(), before, 'nothing created');
  } finally {
    await transport.close();
  }
});
