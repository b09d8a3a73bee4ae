import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { journaledKv, journalPath, openStudyReader, readJournal, restoreJournaledKv, studyDir } from '../../src/coordinator/index.ts';
import { createMemoryTransport } from '../../src/transport/index.ts';
import { StudyRecordValueSchema, studyRecordCodec, type StoredTrial, type StudyRecordValue } from '../../src/transport/messages.ts';
import { studyBucketName, trialKey } from '../../src/transport/subjects.ts';
import { newStudySigner } from '../../src/transport/auth/index.ts';
import { functionStudy, runStudy } from './harness.ts';

const T = Date.UTC(2026, 11, 2);

function trial(number: number, reports: number): StoredTrial {
  return {
    v: 1, type: 'trial', id: `t${number}`, number, state: 'running', params: { x1: number / 7, x2: 2 },
    resources: { class: 'cpu', memoryBytes: 0 }, dispatches: 1, attempts: [{ attempt: 1, agent: 'a', startedAt: T }],
    reports: Array.from({ length: reports }, (_, step) => ({ step, value: 0.5 + step / 1000 })), createdAt: T, updatedAt: T + reports,
  };
}

async function bucket(name = 'unit') {
  return createMemoryTransport().kv<StudyRecordValue>(studyBucketName(name), studyRecordCodec);
}

test('compaction: the journal follows the trials, not the reports, and replays to the latest records', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-journal-'));
  const kv = journaledKv(await bucket(), dir, { compactFactor: 3, compactMinBytes: 16 * 1024 });
  const trials = 8;
  const reports = 150; // a progress report rewrites the whole record, reports and all: 1,200 rewrites
  let written = 0;
  let largest = 0;
  for (let n = 0; n < trials; n++) await kv.put(trialKey(`t${n}`), trial(n, 0));
  for (let step = 1; step <= reports; step++) {
    for (let n = 0; n < trials; n++) {
      const record = trial(n, step);
      written += Buffer.byteLength(JSON.stringify({ key: trialKey(record.id), value: record })) + 1;
      await kv.put(trialKey(record.id), record);
      largest = Math.max(largest, statSync(journalPath(dir)).size);
    }
  }
  await kv.put(trialKey('gone'), trial(99, 1));
  await kv.delete(trialKey('gone'));
  const live = [...Array(trials).keys()].reduce((sum, n) => sum + Buffer.byteLength(JSON.stringify({ key: trialKey(`t${n}`), value: trial(n, reports) })) + 1, 0);
  // Never past the factor of the live content, plus the one line that tipped it over.
  assert.ok(largest <= 3 * live + 2 * live / trials, `largest journal ${largest} B, live ${live} B`);
  assert.ok(written > 10 * largest, `append-only it would be ${written} B`);
  const replayed = readJournal(dir)!;
  assert.deepEqual([...replayed.keys()].sort(), [...Array(trials).keys()].map((n) => trialKey(`t${n}`)).sort());
  for (let n = 0; n < trials; n++) assert.deepEqual(replayed.get(trialKey(`t${n}`)), trial(n, reports));
  assert.equal(existsSync(journalPath(dir) + '.tmp'), false, 'no temporary file left');
});

test('a crash mid-compaction loses nothing: the old journal stays whole until the rename, a stale temporary file is dropped', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'skewer-journal-crash-'));
  let crash = true;
  const kv = journaledKv(await bucket(), dir, {
    compactFactor: 1.2,
    compactMinBytes: 0,
    beforeRename: () => {
      if (crash) throw new Error('simulated crash after writing the compacted file, before the rename');
    },
  });
  await kv.put(trialKey('t0'), trial(0, 1));
  await kv.put(trialKey('t1'), trial(1, 1));
  // This rewrite makes the journal 1.5 times its live content: compaction starts and "crashes".
  await assert.rejects(kv.put(trialKey('t0'), trial(0, 2)), /simulated crash/);
  assert.ok(existsSync(journalPath(dir) + '.tmp'), 'the crash left the compacted file unrenamed');
  const expected = new Map<string, unknown>([[trialKey('t0'), trial(0, 2)], [trialKey('t1'), trial(1, 1)]]);
  assert.deepEqual(readJournal(dir), expected, 'the journal has every write, the one that triggered compaction included');
  // A crash while writing the temporary file leaves it torn: still only the journal counts.
  writeFileSync(journalPath(dir) + '.tmp', readFileSync(journalPath(dir) + '.tmp', 'utf8').slice(0, 40));
  crash = false;
  const resumed = await restoreJournaledKv(await bucket(), dir, (v) => StudyRecordValueSchema.parse(v), { compactFactor: 1.2, compactMinBytes: 0 });
  assert.equal(existsSync(journalPath(dir) + '.tmp'), false, 'the stale temporary file is removed on open');
  assert.deepEqual((await resumed.get(trialKey('t0')))?.value, trial(0, 2));
  await resumed.put(trialKey('t1'), trial(1, 6)); // four lines for two keys: compacts, for real this time
  expected.set(trialKey('t1'), trial(1, 6));
  assert.deepEqual(readJournal(dir), expected);
  assert.equal(readFileSync(journalPath(dir), 'utf8').trim().split('\n').length, 2, 'compacted to one line per key');
});

test('a study stopped midway resumes from a compacted journal as from the full one', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'skewer-journal-resume-'));
  const dir = studyDir('unit', root);
  const fullDir = path.join(root, 'uncompacted');
  const config = functionStudy({ trials: 10, objective: { function: 'branin', delayMs: 20 } });
  const signer = newStudySigner('unit');
  const tiny = { compactFactor: 1.5, compactMinBytes: 0 }; // compacts every few writes
  const stop = new AbortController();
  const first = createMemoryTransport();
  let finished = 0;
  // Every write goes to both journals: one compacted as it goes, one (never compacted) as the reference.
  const kv = journaledKv(journaledKv(await first.kv(studyBucketName('unit'), studyRecordCodec), fullDir, { compactMinBytes: Infinity }), dir, tiny);
  const { outcome: partial } = await runStudy(config, [{ name: 'a' }], {
    transport: first, signer, kv, signal: stop.signal,
    onEvent: (e) => e.type === 'trial-finished' && ++finished === 4 && stop.abort(),
  });
  await first.close();
  assert.equal(partial.finished, false);
  const fullLines = readFileSync(journalPath(fullDir), 'utf8').trim().split('\n').length;
  const compactLines = readFileSync(journalPath(dir), 'utf8').trim().split('\n').length;
  assert.ok(compactLines < fullLines, `compacted ${compactLines} lines, full ${fullLines}`);
  assert.deepEqual(readJournal(dir), readJournal(fullDir), 'the same study either way');
  const reader = await openStudyReader({ study: 'unit', root });
  assert.deepEqual(await reader.trials(), partial.trials);

  const second = createMemoryTransport();
  const restored = await restoreJournaledKv(await second.kv(studyBucketName('unit'), studyRecordCodec), dir, (v) => StudyRecordValueSchema.parse(v), tiny);
  const { outcome } = await runStudy(config, [{ name: 'b' }], { transport: second, signer, kv: restored, mode: 'resume', requeueUnfinished: true });
  await second.close();
  assert.equal(outcome.finished, true);
  assert.ok(outcome.trials.every((t) => t.state === 'complete'));
  for (const before of partial.trials.filter((t) => t.state === 'complete')) assert.deepEqual(outcome.trials[before.number], before, 'finished trials untouched');
  assert.deepEqual(await (await openStudyReader({ study: 'unit', root })).trials(), outcome.trials);
});
