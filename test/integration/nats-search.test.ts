// Distributed search over a real nats-server, coordinator and agents as separate processes:
// (1) 30 function trials across 3 agents, each finished exactly once; (5) malformed messages on
// the trial subject are rejected, never executed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '../../src/transport/index.ts';
import { envelopeCodec } from '../../src/transport/auth/index.ts';
import { PROTOCOL_VERSION, queueSettingsCodec } from '../../src/transport/messages.ts';
import { queueSubject, SETTINGS_BUCKET, trialQueueName, trialQueueSettingsKey } from '../../src/transport/subjects.ts';
import {
  assertAllCompleteOnce,
  completionsPerTrial,
  readTrials,
  spawnSkewer,
  joinArgs,
  startAgents,
  stopAll,
  natsSuite,
  writeFunctionStudy,
} from './helpers.ts';

const nats = natsSuite('nats-search');
const { dir } = nats;

test('30 function trials across 3 agents complete, each finished exactly once', async () => {
  const agents = startAgents(nats.server.url, ['a1', 'a2', 'a3'], dir, joinArgs(dir, 'spread'));
  try {
    const file = writeFunctionStudy(dir, 'spread', { trials: 30 });
    const coordinator = spawnSkewer('coordinator', ['search', file, '--server', nats.server.url, '--no-tui'], dir);
    assert.equal(await coordinator.exited, 0, coordinator.lines.slice(-10).join('\n'));
    assert.match(coordinator.lines.join('\n'), /finished: 30 complete/);
    const trials = await readTrials(nats.server.url, 'spread');
    assertAllCompleteOnce(trials, 30);
    // Every agent took part, and no trial was run to completion twice.
    const ranBy = new Set(trials.map((t) => t.attempts.at(-1)!.agent));
    assert.deepEqual([...ranBy].sort(), ['a1', 'a2', 'a3']);
    const completions = completionsPerTrial(agents, 'spread');
    assert.equal(completions.size, 30);
    assert.ok([...completions.values()].every((n) => n === 1), JSON.stringify([...completions]));
  } finally {
    await stopAll(agents);
  }
});

test('a malformed message on the trial subject is rejected and never executed', async () => {
  const queueName = trialQueueName('after-garbage', 'cpu');
  const subject = queueSubject(queueName);
  // The study's queue and settings as its coordinator opens them (writeFunctionStudy's 3 s lease, 4 attempts).
  const transport = await connectNats({ servers: nats.server.url });
  const settings = { ackWaitMs: 3_000, maxAttempts: 4 };
  await transport.workQueue(queueName, envelopeCodec, settings);
  await (await transport.kv(SETTINGS_BUCKET, queueSettingsCodec)).put(trialQueueSettingsKey('after-garbage'), { v: PROTOCOL_VERSION, type: 'queue-settings', ...settings });
  await transport.close();
  const nc = await connect({ servers: nats.server.url });
  try {
    const js = jetstream(nc);
    const bad = [
      'this is not json',
      JSON.stringify({ v: 2, type: 'trial', study: 'spread', trialId: '0000' }),
      JSON.stringify({ v: 1, type: 'trial', study: 'spread', trialId: '0001', number: 1, params: { x1: 1 } }),
      JSON.stringify({ v: 1, type: 'rm -rf', study: 'x' }),
    ];
    for (const [i, text] of bad.entries()) await js.publish(subject, new TextEncoder().encode(text), { msgID: `bad-${i}` });
    const agent = startAgents(nats.server.url, ['checker'], dir, joinArgs(dir, 'after-garbage'))[0]!;
    try {
      // The agent pulls all four, rejects each with a reason, and runs nothing.
      for (let seen = 0; seen < 4; seen = agent.count(/rejected a malformed message/)) {
        await agent.waitFor(/rejected a malformed message/, 60_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(agent.count(/rejected a malformed message/), 4, agent.lines.join('\n'));
      assert.match(agent.lines.join('\n'), /not JSON/);
      assert.equal(agent.count(/ started \(/), 0, 'nothing was executed');
      const info = await (await jetstreamManager(nc)).streams.info(queueName);
      assert.equal(info.state.messages, 0, 'rejected messages leave the queue');
      // The agent is still healthy: a real study runs on it.
      const file = writeFunctionStudy(dir, 'after-garbage', { trials: 4, objective: { function: 'branin', delayMs: 0 } });
      const coordinator = spawnSkewer('coordinator', ['search', file, '--server', nats.server.url, '--no-tui'], dir);
      assert.equal(await coordinator.exited, 0, coordinator.lines.slice(-10).join('\n'));
      assertAllCompleteOnce(await readTrials(nats.server.url, 'after-garbage'), 4);
    } finally {
      await stopAll([agent]);
    }
  } finally {
    await nc.close();
  }
});
