/** @jsxRuntime automatic */
// The live UI rendered with ink-testing-library from a scripted event stream.
import './fixtures/force-color.ts';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { QuitChoice } from '../../src/ui/reporter.ts';
import { agent } from './fixtures/study-events.ts';
import { boardRows, DOWN, ENTER, mount, NOW, settle, until } from './fixtures/mount.tsx';

afterEach(() => cleanup());

test('leaderboard ranks by balanced accuracy with per-class recall columns by class name', () => {
  const { frame } = mount({ columns: 120 });
  const text = frame();
  const header = text.split('\n').find((line) => /^\s+# trial/.test(line))!;
  assert.match(header, /bal\.acc±sd\s+defect\s+ok\s+state\s+sampling\s+augment\s+backbone\s+res\s+minW\s+time\s+try\s+agent/);
  const rows = boardRows(text);
  assert.deepEqual(rows.map((row) => row.match(/#(\d+)/)![1]), ['2', '0', '4', '5', '1', '3']);
  assert.match(rows[0]!, /^› +1 #2 +0\.900±0\.025 +0\.850 +0\.950 +complete +balanced-ba… +hflip\+vflip +small-cnn +32 +8 +4\.0s +1 a1/);
  assert.match(rows[1]!, /0\.825±0\.025 +0\.750 +0\.900 +complete +oversample/);
  assert.match(rows[2]!, /#4 +— +— +— +running/);
  assert.match(rows[5]!, /#3 .*failed .* 2\.0s +2 a1/);
});

test('header, agents panel and progress bars of running trials', () => {
  const text = mount().frame();
  assert.match(text, /study parts · sampler tpe · 4\/10 done · 1 running · elapsed 20\.0s · left ~24\.4s/);
  assert.match(text, /best bal\.acc 0\.900±0\.025 \(trial #2\) +▁█/);
  assert.match(text, /agents 1 up, 1 lost/);
  assert.match(text, /a2 +tensorflow +0\/2 busy +LOST/);
  assert.match(text, /a1 +wasm +1\/2 busy +♥ 20\.0s ago/);
  // Trial 4 is in fold 2 of 3, epoch 1 of 2: the fold bar is half full, the epoch bar half full.
  const running = text.split('\n').find((line) => /^\s+#4 +a1 +fold/.test(line))!;
  assert.match(running, /fold 2\/3 (█+)(░+) ep 1\/2 (█+)(░+) val 0\.777/);
  const [, foldDone, foldLeft, epochDone, epochLeft] = running.match(/fold 2\/3 (█+)(░+) ep 1\/2 (█+)(░+)/)!;
  assert.equal(foldDone!.length / (foldDone!.length + foldLeft!.length), 0.5);
  assert.equal(epochDone!.length, epochLeft!.length);
});

test('an agent that left cleanly is counted apart from lost ones, marked left, and counts as up again when it returns', async () => {
  const app = mount();
  app.store.dispatch({ type: 'agent-left', at: NOW, name: 'a1' });
  const text = await until(app.frame, /agents 0 up, 1 lost, 1 left/);
  assert.match(text, /a1 +wasm +0\/2 busy +left/);
  assert.match(text, /a2 +tensorflow +0\/2 busy +LOST/);
  app.store.dispatch({ type: 'agent-seen', at: NOW, agent: agent('a1', { lastHeartbeat: NOW }) });
  assert.match(await until(app.frame, /agents 1 up, 1 lost\n/), /a1 +wasm +1\/2 busy +♥ 0ms ago/);
});

test('finished trials are printed once to the static log, in finish order, and stay once', async () => {
  const { frame, store } = mount();
  store.dispatch({ type: 'trial-progress', at: NOW, trialId: 't4', progress: { fold: 2, folds: 3, epoch: 1, epochs: 2, step: 5, loss: 0.3, validationValue: 0.8, validationBalancedAccuracy: 0.8 } });
  const text = await until(frame, /fold 3\/3 .* ep 2\/2 .* val 0\.800/);
  const log = text.split('\n').filter((line) => /^[✓✂✗] #/.test(line));
  assert.deepEqual(log.map((line) => line.slice(0, 4)), ['✓ #0', '✂ #1', '✓ #2', '✗ #3']);
  assert.match(log[3]!, /failed +out of memory at batch size 1/);
  store.dispatch({ type: 'trial-finished', at: NOW, trialId: 't4', state: 'pruned', value: 0.8 });
  const after = await until(frame, /✂ #4/);
  assert.deepEqual(after.split('\n').filter((line) => /^[✓✂✗] #/.test(line)).map((line) => line.slice(0, 4)), ['✓ #0', '✂ #1', '✓ #2', '✗ #3', '✂ #4']);
  // Its 0.800 is a partial value (higher than complete trials' means): marked, and ranked below them.
  assert.match(after, /✂ #4 +pruned +partial 0\.800/);
  const board = after.split("\n").filter((line) => /^[› ]*\d+ +#\d/.test(line));
  const row4 = board.findIndex((line) => /#4 /.test(line));
  assert.match(board[row4]!, /~0\.800/);
  assert.ok(board.slice(0, row4).some((line) => /#2 /.test(line)), 'complete #2 ranks above pruned #4');
  assert.doesNotMatch(after, /running 1/);
});

test('arrows select and Enter opens the detail: per-fold metrics, confusion matrix, params', async () => {
  const { frame, stdin } = mount();
  stdin.write(ENTER);
  const detail = await until(frame, /trial #2 complete/);
  assert.match(detail, /trial #2 complete · attempts 1 · agent a1 · 4\.0s · cpu/);
  assert.match(detail.replace(/\s*\n\s*/g, ' '), /params sampling=balanced-batch augmentation=hflip\+vflip backbone=small-cnn resolution=32 minorityWeight=8/);
  assert.match(detail, /fold +bal\.acc +defect +ok +oof +rocAUC +epochs/);
  assert.match(detail, /\n1 +0\.900 +0\.850 +0\.950/);
  assert.match(detail, /\n2 +0\.925 +0\.900 +0\.950/);
  assert.match(detail, /\n3 +0\.875 +0\.800 +0\.950/);
  // 17+18+16 of 60 defects found; 76 of 80 ok images in each fold.
  assert.match(detail, /\ndefect +51 +9\n/);
  assert.match(detail, /\nok +12 +228\n/);
  stdin.write('\u001B');
  await until(frame, /# trial/);
  for (let i = 0; i < 5; i++) stdin.write(DOWN);
  await until(frame, /› +6 #3/);
  stdin.write(ENTER);
  const failed = await until(frame, /trial #3 failed/);
  assert.match(failed, /trial #3 failed · attempts 2 · agent a1/);
  assert.match(failed, /error: out of memory at batch size 1/);
  assert.match(failed, /last requeued: agent a2 lost/);
});

test('s cycles the sort and the ranking follows it', async () => {
  const { frame, stdin } = mount();
  assert.match(frame(), /s sort: balanced accuracy/);
  stdin.write('s');
  await until(frame, /s sort: minority recall/);
  stdin.write('s');
  const byNumber = await until(frame, /s sort: trial number/);
  assert.deepEqual(boardRows(byNumber).map((row) => row.match(/#(\d+)/)![1]), ['0', '1', '2', '3', '4', '5']);
  stdin.write('s');
  stdin.write('s');
  const back = await until(frame, /s sort: balanced accuracy/);
  assert.deepEqual(boardRows(back).map((row) => row.match(/#(\d+)/)![1]), ['2', '0', '4', '5', '1', '3']);
});

test('e exports the best trial through the injected function and shows its answer', async () => {
  const asked: string[] = [];
  const { frame, stdin } = mount({ onExport: async (id) => (asked.push(id), `wrote best.yaml (trial ${id})`) });
  stdin.write('e');
  await until(frame, /wrote best\.yaml \(trial t2\)/);
  assert.deepEqual(asked, ['t2']);
});

test('q in embedded mode asks: stop the search, or leave agents finishing', async () => {
  const answers: QuitChoice[] = [];
  const { frame, stdin } = mount({ embedded: true, onQuit: (choice) => answers.push(choice) });
  stdin.write('q');
  await until(frame, /quit: s stop the search · l leave agents finishing their running trials · esc cancel/);
  assert.deepEqual(answers, []);
  stdin.write('l');
  for (let i = 0; i < 100 && answers.length === 0; i++) await settle();
  assert.deepEqual(answers, ['leave']);
});

test('q when attached read-only just detaches', async () => {
  const answers: QuitChoice[] = [];
  const { stdin } = mount({ embedded: false, onQuit: (choice) => answers.push(choice) });
  stdin.write('q');
  for (let i = 0; i < 100 && answers.length === 0; i++) await settle();
  assert.deepEqual(answers, ['detach']);
});

test('fits 80 columns keeping the ranking and class columns, and degrades narrower', () => {
  for (const columns of [80, 60, 40]) {
    const text = mount({ columns }).frame();
    const widest = Math.max(...text.split('\n').map((line) => [...line].length));
    assert.ok(widest <= columns, `a line is ${widest} wide at ${columns} columns:\n${text}`);
    const rows = boardRows(text);
    assert.match(rows[0]!, /#2 +0\.900±0\.025/);
    if (columns >= 60) assert.match(rows[0]!, /0\.900±0\.025 +0\.850 +0\.950 +complete/);
    cleanup();
  }
  const at80 = mount({ columns: 80 }).frame();
  assert.match(at80.split('\n').find((l) => /^\s+# trial/.test(l))!, /defect +ok +state +sampling/);
});

test('colours only when enabled (NO_COLOR turns them off, meaning stays in the text)', () => {
  const colored = mount({}, true).lastFrame() ?? '';
  const plain = mount({}, false).lastFrame() ?? '';
  const colorCodes = /\u001B\[(3[0-7]|9[0-7]|38;)/;
  assert.match(colored, colorCodes);
  assert.doesNotMatch(plain, colorCodes);
  assert.match(plain, /LOST/);
  assert.match(plain, /› +1 #2/);
});
