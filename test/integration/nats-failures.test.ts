// Nothing is lost when a process dies, over a real nats-server with agents and coordinator as
// separate processes: (2) an agent SIGKILLed mid-trial, (3) the coordinator SIGKILLed and resumed,
// (4) the nats-server restarted with its store kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
  type SkewerProcess,
} from './helpers.ts';

const nats = natsSuite('nats-failures');
const { dir } = nats;

/** Waits until the coordinator has printed `n` finished trials (plain reporter lines). */
async function untilCompleted(coordinator: SkewerProcess, n: number): Promise<void> {
  while (coordinator.count(/trial #\d+ complete/) < n) await coordinator.waitFor(new RegExp(`\\[${n}/`), 90_000);
}

test('an agent SIGKILLed mid-trial: its trial is redelivered and every trial completes', async () => {
  const agents = startAgents(nats.server.url, ['steady-1', 'steady-2', 'victim'], dir, joinArgs(dir, 'agent-dies'));
  try {
    const file = writeFunctionStudy(dir, 'agent-dies', { trials: 12, objective: { function: 'branin', delayMs: 1_500 } });
    const coordinator = spawnSkewer('coordinator', ['search', file, '--server', nats.server.url, '--no-tui'], dir);
    const victim = agents[2]!;
    const started = await victim.waitFor(/trial agent-dies\/(\d+) attempt \d+ started/);
    const killedTrial = /agent-dies\/(\d+)/.exec(started)![1]!;
    victim.child.kill('SIGKILL');
    assert.equal(await coordinator.exited, 0, coordinator.lines.slice(-10).join('\n'));
    assert.match(coordinator.lines.join('\n'), /victim/, 'the coordinator reports the lost agent');
    const trials = await readTrials(nats.server.url, 'agent-dies');
    assertAllCompleteOnce(trials, 12);
    const redelivered = trials.find((t) => t.id === killedTrial)!;
    assert.equal(redelivered.attempts[0]!.agent, 'victim');
    assert.equal(redelivered.attempts[0]!.outcome, 'lost');
    assert.notEqual(redelivered.attempts.at(-1)!.agent, 'victim');
    assert.equal(redelivered.attempts.at(-1)!.outcome, 'complete');
  } finally {
    await stopAll(agents);
  }
});

test('the coordinator SIGKILLed mid-study: --resume completes it with no trial lost or run twice', async () => {
  const agents = startAgents(nats.server.url, ['r1', 'r2'], dir, joinArgs(dir, 'coordinator-dies'));
  try {
    const file = writeFunctionStudy(dir, 'coordinator-dies', { trials: 16, objective: { function: 'branin', delayMs: 300 } });
    const first = spawnSkewer('coordinator', ['search', file, '--server', nats.server.url, '--no-tui'], dir);
    await untilCompleted(first, 5);
    first.child.kill('SIGKILL');
    await first.exited;
    // Agents keep finishing what they hold; their outcomes wait in the results queue.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const second = spawnSkewer('coordinator-2', ['search', '--resume', 'coordinator-dies', '--server', nats.server.url, '--no-tui'], dir);
    assert.equal(await second.exited, 0, second.lines.slice(-10).join('\n'));
    const trials = await readTrials(nats.server.url, 'coordinator-dies');
    assertAllCompleteOnce(trials, 16);
    const completions = completionsPerTrial(agents, 'coordinator-dies');
    assert.equal(completions.size, 16);
    assert.ok([...completions.values()].every((n) => n === 1), `no trial ran twice: ${JSON.stringify([...completions])}`);
  } finally {
    await stopAll(agents);
  }
});

test('nats-server restarted with its store kept: the study completes', async () => {
  const agents = startAgents(nats.server.url, ['n1', 'n2'], dir, joinArgs(dir, 'server-restarts'));
  try {
    const file = writeFunctionStudy(dir, 'server-restarts', { trials: 16, objective: { function: 'branin', delayMs: 300 } });
    const coordinator = spawnSkewer('coordinator', ['search', file, '--server', nats.server.url, '--no-tui'], dir);
    await untilCompleted(coordinator, 5);
    await nats.server.restart();
    assert.equal(await coordinator.exited, 0, coordinator.lines.slice(-10).join('\n'));
    assertAllCompleteOnce(await readTrials(nats.server.url, 'server-restarts'), 16);
  } finally {
    await stopAll(agents);
  }
});
