// The child-process runner: a trial runs in its own process, a kill aborts it promptly, a
// crashed child is a retryable failure, bad input is a non-retryable one.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { childProcessRunner, TrialFailure } from '../../src/agent/index.ts';
import { evaluateObjective } from '../../src/objectives/index.ts';
import { PROTOCOL_VERSION, type TrialMessage } from '../../src/transport/messages.ts';

function functionTrial(fn: string, delayMs: number, params = { x1: 2, x2: 3 }): TrialMessage {
  return {
    v: PROTOCOL_VERSION, type: 'trial', study: 'runner', trialId: '0000', number: 0, params,
    work: { kind: 'function', function: fn, delayMs }, resources: { class: 'cpu', memoryBytes: 1 },
    attemptOffset: 0, maxAttempts: 3, retryDelayMs: 0, ackWaitMs: 1_000,
  };
}

/** The pids of this process's trial processes (not tsx's esbuild service, also a child). */
function childPids(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'src/agent/child\\.ts'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch (error) {
    if ((error as { status?: number }).status === 1) return []; // none
    throw error;
  }
}

async function untilChild(): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const [pid] = childPids();
    if (pid) return pid;
    await sleep(50);
  }
  throw new Error('no trial process appeared');
}

const runner = childProcessRunner({ stdio: 'ignore' });

test('a function trial runs in a child process and returns its value', async () => {
  const trial = functionTrial('branin', 0);
  const running = runner.run(trial, { onProgress: () => undefined, signal: new AbortController().signal });
  const pid = await untilChild();
  assert.notEqual(pid, process.pid);
  const run = await running;
  assert.equal(run.value, evaluateObjective('branin', trial.params));
  assert.deepEqual(childPids(), [], 'the child exits after its trial');
});

test('aborting (prune, hand back) kills the child promptly', async () => {
  const controller = new AbortController();
  const running = runner.run(functionTrial('branin', 60_000), { onProgress: () => undefined, signal: controller.signal });
  await untilChild();
  const abortedAt = performance.now();
  controller.abort(new Error('pruned at step 3'));
  await assert.rejects(running, /pruned at step 3/);
  assert.ok(performance.now() - abortedAt < 5_000, 'stopped within the kill grace');
  assert.deepEqual(childPids(), []);
});

test('a child killed from outside is a retryable failure; bad params are not retryable', async () => {
  const running = runner.run(functionTrial('branin', 60_000), { onProgress: () => undefined, signal: new AbortController().signal });
  process.kill(await untilChild(), 'SIGKILL');
  await assert.rejects(running, (error: unknown) => error instanceof TrialFailure && error.retryable && /killed by SIGKILL/.test(error.message));

  await assert.rejects(
    runner.run(functionTrial('no-such-function', 0), { onProgress: () => undefined, signal: new AbortController().signal }),
    (error: unknown) => error instanceof TrialFailure && !error.retryable && /unknown objective function 'no-such-function'/.test(error.reason),
  );
  await assert.rejects(
    runner.run(functionTrial('branin', 0, { x1: 1 } as never), { onProgress: () => undefined, signal: new AbortController().signal }),
    (error: unknown) => error instanceof TrialFailure && !error.retryable && /params\.x2/.test(error.reason),
  );
});

test('a trial process exits when its agent dies (no orphan training on)', async () => {
  // A stand-in agent: a process that runs one long trial through the real runner, prints the
  // trial process's pid, and is then SIGKILLed (no chance to clean up).
  const { spawn } = await import('node:child_process');
  const script = [
    "import { childProcessRunner } from './src/agent/index.ts';",
    `const trial = ${JSON.stringify(functionTrial('branin', 120_000))};`,
    "childProcessRunner({ stdio: 'ignore' }).run(trial, { onProgress: () => {}, signal: new AbortController().signal }).catch(() => {});",
  ].join('\n');
  const agent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
  let trialPid: number | undefined;
  for (let i = 0; i < 300 && trialPid === undefined; i++) {
    try {
      trialPid = Number(execFileSync('pgrep', ['-P', String(agent.pid), '-f', 'src/agent/child\\.ts'], { encoding: 'utf8' }).split('\n')[0]) || undefined;
    } catch {
      await sleep(50); // pgrep exits 1 until the trial process is there
    }
  }
  assert.ok(trialPid, 'the trial process started');
  await sleep(2_500); // let it load and take the trial (before that, nothing keeps it alive anyway)
  agent.kill('SIGKILL');
  const alive = (): boolean => {
    try {
      process.kill(trialPid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 100 && alive(); i++) await sleep(50);
  assert.equal(alive(), false, 'the trial process is gone within 5 s of its agent');
});
