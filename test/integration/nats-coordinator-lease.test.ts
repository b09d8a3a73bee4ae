/**
 * The coordinator's lease and outage handling as a person meets them (issue 11), `skewer search`
 * processes on a real nats-server: a second concurrent --resume is refused naming the holder; a
 * server that stays away past --outage-limit ends the coordinator with exit 75 and the --resume
 * advice (no internal error), and once the server is back, --resume (taking over the dead
 * holder's lease) finishes the study with every trial complete once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAllCompleteOnce, natsSuite, readTrials, spawnSkewer, stopAll, writeFunctionStudy, type SkewerProcess } from './helpers.ts';

const nats = natsSuite('coordinator-lease');

/** SIGKILL for whatever is still running (a coordinator waiting out an outage ignores nothing, but may take long). */
async function killAll(processes: readonly SkewerProcess[]): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
}

test('a second concurrent --resume is refused; an outage past the limit exits 75 with the advice; --resume then finishes', { timeout: 180_000 }, async () => {
  const { dir } = nats;
  const url = nats.server.url;
  const file = writeFunctionStudy(dir, 'held', { trials: 6, parallelism: 2, objective: { function: 'branin', delayMs: 100 } });
  const started: SkewerProcess[] = [];
  try {
    const first = spawnSkewer('first', ['search', file, '--server', url, '--no-tui', '--agents', '1', '--outage-limit', '4'], dir);
    started.push(first);
    await first.waitFor(/agents join study 'held' with/, 60_000);
    const second = spawnSkewer('second', ['search', '--resume', 'held', '--server', url, '--no-tui', '--agents', '0'], dir);
    started.push(second);
    assert.equal(await second.exited, 1, second.lines.join('\n'));
    assert.match(second.lines.join('\n'), /study 'held' is being run by coordinator process \d+ on /);
    assert.doesNotMatch(second.lines.join('\n'), /agents join study/, 'the refused coordinator printed no join command');

    await nats.server.kill();
    await first.waitFor(/lost the NATS server at nats:\/\/127\.0\.0\.1:\d+; retrying \(giving up after 4 s\)/, 30_000);
    assert.equal(await first.exited, 75, first.lines.slice(-15).join('\n'));
    const text = first.lines.join('\n');
    assert.match(text, /has not answered for \d+ s; the coordinator gives up/);
    assert.match(text, /Nothing is lost.*skewer search --resume held --server nats:\/\/127\.0\.0\.1/s);
    assert.doesNotMatch(text, /internal error/);
  } finally {
    await killAll(started);
  }

  await nats.server.restart();
  const resumed = spawnSkewer('resumed', ['search', '--resume', 'held', '--server', url, '--no-tui', '--agents', '1'], dir);
  try {
    assert.equal(await resumed.exited, 0, resumed.lines.slice(-15).join('\n'));
    assert.match(resumed.lines.join('\n'), /taking over study 'held' from coordinator process \d+ on .*which is gone/);
    assertAllCompleteOnce(await readTrials(url, 'held'), 6);
  } finally {
    await stopAll([resumed]);
  }
});
