// The embedded default: `skewer search STUDY.yaml` with no server runs the coordinator and local
// agents in one process (each trial still in a child process), journals the study in
// .skewer/<study>/, and `--resume` continues it after a SIGKILL with no trial lost or duplicated.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { openStudyReader } from '../../src/coordinator/index.ts';
import { assertAllCompleteOnce, spawnSkewer, tempDir, writeFunctionStudy } from './helpers.ts';

test('the same 30-trial study runs embedded with 3 local agents', async () => {
  const dir = tempDir('embedded');
  const file = writeFunctionStudy(dir, 'embedded', { trials: 30 });
  const search = spawnSkewer('search', ['search', file, '--agents', '3', '--no-tui'], dir);
  assert.equal(await search.exited, 0, search.lines.slice(-10).join('\n'));
  assert.match(search.lines.join('\n'), /finished: 30 complete/);
  const reader = await openStudyReader({ study: 'embedded', root: dir });
  assert.equal(await reader.state(), 'finished');
  const trials = await reader.trials();
  assertAllCompleteOnce(trials, 30);
  assert.deepEqual(new Set(trials.map((t) => t.attempts[0]!.agent)), new Set(['local-1', 'local-2', 'local-3']));
  // status reads the journal too.
  const status = spawnSkewer('status', ['status', 'embedded', '--json'], dir);
  assert.equal(await status.exited, 0);
  const document = JSON.parse(status.lines.join('\n')) as { state: string; trials: unknown[]; best: string };
  assert.equal(document.state, 'finished');
  assert.equal(document.trials.length, 30);
  assert.equal(document.best, (await reader.best())!.id);
  rmSync(dir, { recursive: true, force: true });
});

test('an embedded search SIGKILLed mid-study resumes from its journal', async () => {
  const dir = tempDir('embedded-resume');
  const file = writeFunctionStudy(dir, 'crashy', { trials: 10, objective: { function: 'branin', delayMs: 400 } });
  const first = spawnSkewer('search', ['search', file, '--agents', '2', '--no-tui'], dir);
  await first.waitFor(/\[3\//);
  first.child.kill('SIGKILL');
  await first.exited;
  const before = await (await openStudyReader({ study: 'crashy', root: dir })).trials();
  const doneBefore = before.filter((t) => t.state === 'complete').map((t) => [t.id, t.value]);
  assert.ok(doneBefore.length >= 3 && doneBefore.length < 10, `some but not all trials done (${doneBefore.length})`);

  // A new study of the same name is refused; --resume continues it.
  const again = spawnSkewer('again', ['search', file, '--no-tui'], dir);
  assert.equal(await again.exited, 1);
  assert.match(again.lines.join('\n'), /exists already[\s\S]*--resume crashy/);
  const second = spawnSkewer('resume', ['search', '--resume', 'crashy', '--agents', '2', '--no-tui'], dir);
  assert.equal(await second.exited, 0, second.lines.slice(-10).join('\n'));
  const after = await (await openStudyReader({ study: 'crashy', root: dir })).trials();
  assertAllCompleteOnce(after, 10);
  // Finished trials were kept as they were, not run again.
  for (const [id, value] of doneBefore) assert.equal(after.find((t) => t.id === id)!.value, value);
  const interrupted = after.filter((t) => t.attempts.some((a) => a.outcome === 'interrupted'));
  assert.ok(interrupted.every((t) => t.attempts.at(-1)!.outcome === 'complete'));
  rmSync(dir, { recursive: true, force: true });
});

test('an embedded search stopped with Ctrl-C says so: status shows it stopped with the --resume command, nothing running or alive', async () => {
  const dir = tempDir('embedded-stop');
  const file = writeFunctionStudy(dir, 'halted', { trials: 10, objective: { function: 'branin', delayMs: 800 } });
  const search = spawnSkewer('search', ['search', file, '--agents', '2', '--no-tui'], dir);
  await search.waitFor(/\[2\//);
  search.child.kill('SIGINT');
  assert.equal(await search.exited, 130, 'a stopped search exits 130');
  assert.match(search.lines.join('\n'), /continue: skewer search --resume halted/);
  const status = spawnSkewer('status', ['status', 'halted'], dir);
  assert.equal(await status.exited, 0);
  const text = status.lines.join('\n');
  assert.match(text, /study halted \(stopped\)/);
  assert.match(text, /continue it with `skewer search --resume halted`/);
  assert.doesNotMatch(text, /\brunning\b/, 'no trial shown running');
  assert.doesNotMatch(text, /\balive\b/, 'no agent shown alive');
  assert.match(text, /local-1 .* left/);
  rmSync(dir, { recursive: true, force: true });
});
