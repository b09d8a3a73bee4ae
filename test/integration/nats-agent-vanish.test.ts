// Issue 11: "the agent vanished" is not "the trial failed", with real processes. Two `skewer agent`
// OS processes serve a branin study on a real nats-server with maxAttempts 1 (a single burnt
// attempt would fail the trial); one is SIGKILLed mid-trial. (The coordinator runs in this process,
// over its own NATS connection, to keep the test short; its CLI is covered in nats-failures.) Its trial is redelivered, completes on
// the other agent, and its record shows one vanishing and no failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStudyConfig } from '../../src/config/study.ts';
import { countAttempts } from '../../src/coordinator/attempt-budget.ts';
import { loadStudySigner, runCoordinator, studyDir } from '../../src/coordinator/index.ts';
import { connectNats } from '../../src/transport/index.ts';
import { assertAllCompleteOnce, joinArgs, natsSuite, readTrials, startAgents, stopAll, writeFunctionStudy } from './helpers.ts';

const nats = natsSuite('nats-agent-vanish');
const STUDY = 'vanish';

test('a SIGKILLed agent process burns no attempt: with maxAttempts 1 its trial is redelivered and completes', { timeout: 90_000 }, async () => {
  const { dir } = nats;
  const agents = startAgents(nats.server.url, ['victim', 'steady'], dir, joinArgs(dir, STUDY));
  try {
    const file = writeFunctionStudy(dir, STUDY, {
      trials: 2, maxAttempts: 1, objective: { function: 'branin', delayMs: 1_500 }, ackWaitMs: 1_500, agentLostMs: 1_500,
    });
    const config = await loadStudyConfig(file);
    const transport = await connectNats({ servers: nats.server.url });
    const lines: string[] = [];
    const coordinating = runCoordinator(
      { config, transport, signer: loadStudySigner(STUDY, studyDir(STUDY, dir), false), mode: 'new', log: (line) => lines.push(line) },
      new AbortController().signal,
    ).finally(() => transport.close());
    const [victim] = agents;
    const started = await victim!.waitFor(new RegExp(`trial ${STUDY}/(\\S+) attempt 1 started`));
    const killedTrial = new RegExp(`${STUDY}/(\\S+) attempt`).exec(started)![1]!;
    victim!.child.kill('SIGKILL'); // mid-trial: its 1.5 s trial has just begun
    const outcome = await coordinating;
    assert.equal(outcome.finished, true, lines.slice(-10).join('\n'));
    assert.equal(victim!.count(new RegExp(`trial ${STUDY}/\\S+ attempt \\d+ complete`)), 0, 'the victim finished nothing');

    const trials = await readTrials(nats.server.url, STUDY);
    assertAllCompleteOnce(trials, 2);
    const redelivered = trials.find((t) => t.id === killedTrial);
    assert.ok(redelivered, `trial ${killedTrial} is stored`);
    assert.deepEqual(
      redelivered.attempts.map((a) => [a.agent, a.outcome]),
      [['victim', 'lost'], ['steady', 'complete']],
      'redelivered to the other agent, which completed it',
    );
    assert.deepEqual(countAttempts(redelivered), { failures: 0, vanishings: 1 }, 'the vanishing burnt no attempt');
    for (const trial of trials) assert.equal(countAttempts(trial).failures, 0, `trial ${trial.id}: no failure on record`);
  } finally {
    await stopAll(agents);
  }
});
