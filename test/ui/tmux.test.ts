// The live UI driven as a person would: a real embedded search (`skewer search
// configs/function-demo.yaml`, two local agents running trials in child processes) in a tmux
// pane, keys sent with send-keys, the screen read with capture-pane. A second pane attaches
// read-only with `skewer ui`. The tmux plumbing is in fixtures/tmux.ts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { shell, skewer, tmuxServer, type TmuxServer } from './fixtures/tmux.ts';

const STUDY = path.resolve('configs/function-demo.yaml');
let dir: string;
let server: TmuxServer;
const tmux = (...args: string[]) => server.run(...args);
const waitForScreen = (target: string, pattern: RegExp) => server.waitForScreen(target, pattern);

before(async () => {
  server = tmuxServer(`skewer-ui-test-${process.pid}`);
  dir = await mkdtemp(path.join(tmpdir(), 'skewer-tmux-'));
});

after(async () => {
  server?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a person watches an embedded search, opens a trial, sorts, attaches a second view and stops the search', async () => {
  tmux('new-session', '-d', '-s', 'search', '-x', '100', '-y', '40', shell(skewer(`search ${JSON.stringify(STUDY)} --agents 2 --dir ${JSON.stringify(dir)}`)));

  // Header, agents, a ranked leaderboard with the function's params as columns.
  const live = await waitForScreen('search', /study function-demo · sampler random · [2-9]\/30 done/);
  assert.match(live, /best value [\d.]+ \(trial #\d+\)/);
  assert.match(live, /agents 2 up/);
  assert.match(live, /local-1 +wasm|local-1 +\S+ +\d\/\d busy/);
  assert.match(live, /# trial +value +state +x1 +x2 +time +try +agent/);
  assert.match(live, /^› +1 #\d+ +[\d.]+ complete/m);
  assert.match(live, /^[✓✂✗] #\d+ +complete +value/m);

  // Ranked: the complete rows' values ascend (the study minimises Branin).
  const values = [...live.matchAll(/^[› ] +\d+ #\d+ +([\d.]+) complete/gm)].map((m) => Number(m[1]));
  assert.ok(values.length >= 2, live);
  assert.deepEqual(values, [...values].sort((a, b) => a - b));

  // Enter opens the selected (best) trial; Escape goes back.
  tmux('send-keys', '-t', 'search', 'Enter');
  const detail = await waitForScreen('search', /trial #\d+ complete · attempts \d+ · agent local-\d/);
  assert.match(detail, /params x1=[-\d.]+ x2=[-\d.]+/);
  assert.match(detail, /value [\d.]+/);
  tmux('send-keys', '-t', 'search', 'Escape');
  await waitForScreen('search', /# trial +value/);

  // s cycles the sort; arrows move the selection.
  tmux('send-keys', '-t', 'search', 's');
  await waitForScreen('search', /s sort: minority recall/);
  tmux('send-keys', '-t', 'search', 's');
  const byNumber = await waitForScreen('search', /s sort: trial number/);
  const numbers = [...byNumber.matchAll(/^[› ] +\d+ #(\d+) /gm)].map((m) => Number(m[1]));
  assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b));
  tmux('send-keys', '-t', 'search', 'Down');
  await waitForScreen('search', /^› +2 #1 /m);

  // A second terminal attaches read-only to the same study and sees the same study live.
  tmux('new-window', '-d', '-t', 'search', '-n', 'watch', shell(skewer(`ui function-demo --dir ${JSON.stringify(dir)}`)));
  tmux('resize-window', '-t', 'search:watch', '-x', '80', '-y', '30');
  const watching = await waitForScreen('search:watch', /study function-demo · sampler random · \d+\/30 done/);
  assert.match(watching, /# trial +value +state +x1 +x2/);
  for (const line of watching.split('\n')) assert.ok([...line].length <= 80, `wider than 80: ${line}`);
  tmux('send-keys', '-t', 'search:watch', 'q');
  await waitForScreen('search:watch', /EXIT=0/);

  // q in the search asks; s stops the search before its 30 trials, and the study can be resumed.
  tmux('send-keys', '-t', 'search:0', 'q');
  await waitForScreen('search:0', /quit: s stop the search · l leave agents finishing their running trials · esc cancel/);
  tmux('send-keys', '-t', 'search:0', 's');
  const stopped = await waitForScreen('search:0', /EXIT=\d+/);
  assert.match(stopped, /EXIT=130/);
  assert.ok(existsSync(path.join(dir, '.skewer', 'function-demo', 'journal.jsonl')));
});
