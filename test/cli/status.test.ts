import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusTable } from '../../src/cli/commands/status.ts';
import type { StoredAgent, StoredRerun, StoredTrial, StudyReader } from '../../src/coordinator/index.ts';
import { functionStudy } from '../coordinator/harness.ts';

const T = Date.UTC(2026, 11, 1, 12);

function trial(number: number, overrides: Partial<StoredTrial>): StoredTrial {
  return {
    v: 1, type: 'trial', id: `t${number}`, number, state: 'waiting', params: { x1: number, x2: 1 },
    resources: { class: 'cpu', memoryBytes: 0 }, dispatches: 1, attempts: [], reports: [], createdAt: T, updatedAt: T,
    ...overrides,
  };
}

function agent(name: string, overrides: Partial<StoredAgent> = {}): StoredAgent {
  return {
    v: 1, type: 'agent', lastHeartbeat: T, lost: false,
    info: { name, backend: 'wasm', slots: 1, busy: 0, gpus: 0, memoryBytes: 1, classes: ['cpu'], running: [], startedAt: T },
    ...overrides,
  };
}

function reader(state: 'running' | 'finished', trials: StoredTrial[], agents: StoredAgent[], reruns: StoredRerun[] = []): StudyReader {
  return {
    name: 'unit',
    direction: 'minimize',
    config: () => functionStudy({ trials: 3 }),
    state: async () => state,
    trials: async () => trials,
    agents: async () => agents,
    best: async () => trials.find((t) => t.state === 'complete'),
    snapshot: async () => ({ state, trials, agents, best: trials.find((t) => t.state === 'complete'), integrity: { basis: 'journal', refused: [] }, reruns }),
    events: () => (async function* () {})(),
    integrity: () => ({ basis: 'journal', refused: [] }),
  };
}

test('status: a pruned trial says at which step and with which value; agents say lost, left, alive or only seen', async () => {
  const attempt = (agentName: string) => [{ attempt: 1, agent: agentName, startedAt: T, endedAt: T + 1, outcome: 'complete' as const }];
  const trials = [
    trial(0, { state: 'complete', value: 0.5, attempts: attempt('a') }),
    trial(1, { state: 'pruned', attempts: attempt('b'), reports: [{ step: 0, value: 0.91 }, { step: 2, value: 0.875 }] }),
    trial(2, { state: 'failed', error: 'out of memory at batch size 1', attempts: attempt('a') }),
  ];
  const agents = [agent('a'), agent('gone', { left: true }), agent('ghost', { lost: true })];
  const running = await statusTable(reader('running', trials, agents));
  assert.match(running, /^study unit \(running\): 3\/3 trials, 1 complete, 1 pruned, 1 failed; minimize branin\(\); best #0 = 0\.5$/m);
  assert.match(running, /^1 +pruned +1 +b +- +x1=1 x2=1 \| pruned at step 2 \(last value 0\.875\)$/m);
  assert.match(running, /^2 +failed .*\| error: out of memory at batch size 1$/m);
  assert.match(running, /^ +a +wasm .* alive \(last heartbeat 2026-12-01T12:00:00\.000Z\)$/m);
  assert.match(running, /^ +gone +wasm .* left \(/m);
  assert.match(running, /^ +ghost +wasm .* LOST \(/m);
  const finished = await statusTable(reader('finished', trials, agents));
  assert.match(finished, /^ +a +wasm .* seen \(last heartbeat/m);
});

test('status reads the study bucket once (a table and a JSON document alike), however many trials', async () => {
  const { createMemoryTransport } = await import('../../src/transport/index.ts');
  const { openStudyReader, TrialStore } = await import('../../src/coordinator/index.ts');
  const { statusDocument } = await import('../../src/cli/commands/status.ts');
  const { studyRecordCodec } = await import('../../src/transport/messages.ts');
  const { studyBucketName } = await import('../../src/transport/subjects.ts');
  const { newStudySigner, signedRecordCodec } = await import('../../src/transport/auth/index.ts');
  const inner = createMemoryTransport();
  const config = functionStudy({ trials: 3 });
  const records = new TrialStore(await inner.kv(studyBucketName(config.name), signedRecordCodec(studyRecordCodec, newStudySigner(config.name))));
  await records.createStudy(config.name, config as unknown as Record<string, unknown>);
  for (let n = 0; n < 40; n++) await records.create(trial(n, { id: `t${n}`, state: n % 2 ? 'complete' : 'waiting', value: n }));
  await records.putAgent(agent('a'));
  const reads = { list: 0, get: 0 };
  // The same transport, with every read of a bucket counted on its way through.
  const transport: typeof inner = {
    ...inner,
    kv: async (bucket, codec) => {
      const kv = await inner.kv(bucket, codec);
      return {
        ...kv,
        list: (prefix) => (reads.list++, kv.list(prefix)),
        get: (key) => (reads.get++, kv.get(key)),
      };
    },
  };
  const reader = await openStudyReader({ study: config.name, transport });
  const opened = { ...reads };
  const table = await statusTable(reader);
  assert.match(table, /40\/3 trials, 20 waiting, 20 complete/);
  assert.equal(reads.list - opened.list, 1, 'one list of the bucket for the table');
  assert.equal(reads.get - opened.get, 0, 'no per-key reads');
  const document = await statusDocument(reader);
  assert.equal((document.trials as unknown[]).length, 40);
  assert.equal(reads.list - opened.list, 2, 'and one more for the JSON document');
  await inner.close();
});
