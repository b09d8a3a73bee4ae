/** @jsxRuntime automatic */
// The TUI's keys beyond moving and sorting: `?` help for where you are, `/` filter, Space marks
// and `c` compare, `r` report. Rendered with ink-testing-library from scripted events.
import './fixtures/force-color.ts';
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import type { StudyEvent } from '../../src/core/events.ts';
import { BACKSPACE, boardNumbers, boardRows, DOWN, ENTER, ESC, mount, settle, until } from './fixtures/mount.tsx';
import { makeResult, recipe, T0 } from './fixtures/study-events.ts';

afterEach(() => cleanup());

async function type(stdin: { write(data: string): void }, text: string): Promise<void> {
  for (const ch of text) {
    stdin.write(ch);
    await settle();
  }
}

/** The help overlay's key column, one entry per line. */
function helpKeys(frame: string): string[] {
  const lines = frame.split('\n');
  const start = lines.findIndex((l) => /^keys in /.test(l));
  const end = lines.findIndex((l) => /^any key closes this help/.test(l));
  assert.ok(start >= 0 && end > start, frame);
  return lines.slice(start + 1, end).map((l) => l.trim().split(/\s{2,}/)[0]!);
}

test('? lists the keys valid on the board, only those that act here, and any key closes it', async () => {
  const { frame, stdin } = mount();
  assert.match(frame(), /^\? keys · ↑↓ select · enter detail · s sort: balanced accuracy · \/ filter · q quit/m);
  stdin.write('?');
  const help = await until(frame, /keys in the leaderboard/);
  assert.deepEqual(helpKeys(help), ['?', '↑ ↓', 'enter', 'space', 's', '/', 'q']);
  assert.match(help, /space +mark or unmark the selected trial for comparing \(up to 3; 0 marked\)/);
  assert.doesNotMatch(help, /^\s+c +compare/m, 'c does nothing before two trials are marked');
  // A key closes the overlay and does not act (s would have changed the sort).
  stdin.write('s');
  const back = await until(frame, /# trial/);
  assert.match(back, /s sort: balanced accuracy/);
});

test('? in the detail lists the detail keys; with marks, export and report the board lists c, x, e and r', async () => {
  const { frame, stdin } = mount({ onExport: async () => 'x', onReport: async () => 'y' });
  stdin.write(ENTER);
  await until(frame, /trial #2 complete/);
  stdin.write('?');
  const detailHelp = await until(frame, /keys in a trial in full/);
  assert.deepEqual(helpKeys(detailHelp), ['esc enter b', '?']);
  stdin.write(ESC);
  await until(frame, /trial #2 complete/); // back where it was opened
  stdin.write(ESC);
  await until(frame, /# trial/);
  stdin.write(' ');
  await until(frame, /^›A +1 #2/m);
  stdin.write(DOWN);
  stdin.write(' ');
  await until(frame, /^›B +2 #0/m);
  stdin.write('?');
  const boardHelp = await until(frame, /keys in the leaderboard/);
  assert.deepEqual(helpKeys(boardHelp), ['?', '↑ ↓', 'enter', 'space', 'c', 'x', 's', '/', 'e', 'r', 'q']);
  assert.match(boardHelp, /c +compare the 2 marked trials side by side/);
});

test('/ filters by state, by parameter and by free text; the header says so; esc clears', async () => {
  const { frame, stdin } = mount();
  assert.deepEqual(boardNumbers(frame()), ['2', '0', '4', '5', '1', '3']);
  stdin.write('/');
  await type(stdin, 'state:pruned');
  let text = await until(frame, /filter \/state:pruned: 1 of 6 trials/);
  assert.deepEqual(boardNumbers(text), ['1']);
  stdin.write(ENTER); // keeps it
  text = await until(frame, /esc clear filter/);
  assert.match(text, /filter \/state:pruned: 1 of 6 trials/);
  stdin.write(ESC);
  text = await until(frame, /^\? keys · ↑↓ select · enter detail · s sort: balanced accuracy · \/ filter · q quit/m);
  assert.doesNotMatch(text, /filter \//);
  assert.deepEqual(boardNumbers(text), ['2', '0', '4', '5', '1', '3']);

  stdin.write('/');
  await type(stdin, 'backbone=small-cnn');
  text = await until(frame, /filter \/backbone=small-cnn: 3 of 6 trials/);
  assert.deepEqual(boardNumbers(text), ['2', '0', '5']);
  // Two terms both apply; numbers compare as numbers.
  await type(stdin, ' minorityWeight>=4');
  text = await until(frame, /3 of 6|2 of 6/);
  text = await until(frame, /filter \/backbone=small-cnn minorityWeight>=4: 2 of 6 trials/);
  assert.deepEqual(boardNumbers(text), ['2', '0']);
  stdin.write(ESC);
  await until(frame, /^\? keys/m);

  // Free text: inside any parameter value.
  stdin.write('/');
  await type(stdin, 'mobile');
  text = await until(frame, /filter \/mobile: 2 of 6 trials/);
  assert.deepEqual(boardNumbers(text), ['4', '1']);
  // The running trial is filtered too: #4 shows, and a filter that hides it hides its progress row.
  assert.match(text, /running 1/);
  for (let i = 0; i < 'mobile'.length; i++) stdin.write(BACKSPACE);
  await type(stdin, 'densenet');
  text = await until(frame, /filter \/densenet: 1 of 6 trials/);
  assert.deepEqual(boardNumbers(text), ['3']);
  assert.doesNotMatch(text, /running 1/);
});

test('/ with a parameter the study does not have says which exist, and shows every trial meanwhile', async () => {
  const { frame, stdin } = mount({ columns: 160 });
  stdin.write('/');
  await type(stdin, 'optimizer=adam');
  const text = await until(frame, /filter \/optimizer=adam: no parameter 'optimizer'/);
  assert.match(text, /parameters are augmentation, backbone, minorityWeight, resolution, sampling/);
  assert.equal(boardRows(text).length, 6);
  stdin.write(ESC);
  await until(frame, /^\? keys/m);
  stdin.write('/');
  await type(stdin, 'state:lost');
  assert.match(await until(frame, /no trial state 'lost'/), /states are waiting, running, complete, pruned, failed/);
});

/** Three finished trials of 2 folds × 3 epochs with known curves: A rises, B falls, C is flat at 0.75 (half way up: ▅). */
function curvedStudy(): StudyEvent[] {
  const events: StudyEvent[] = [{ type: 'study-started', at: T0, study: 'curves', sampler: 'random', totalTrials: 3, direction: 'maximize' }];
  const curves: Record<string, number[]> = { a: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0], b: [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], c: [0.75, 0.75, 0.75, 0.75, 0.75, 0.75] };
  const params = { a: recipe('oversample', 'small-cnn', 4), b: recipe('none', 'small-cnn', 1), c: { ...recipe('oversample', 'small-cnn', 4), weightDecay: 0.001 } };
  const results = { a: makeResult([[0.9, 0.9], [0.8, 0.9]]), b: makeResult([[0.5, 0.9], [0.6, 0.8]]), c: makeResult([[0.7, 0.8], [0.7, 0.8]]) };
  (['a', 'b', 'c'] as const).forEach((id, number) => {
    events.push({ type: 'trial-created', at: T0 + 1, trialId: id, number, params: params[id] });
    events.push({ type: 'trial-started', at: T0 + 2, trialId: id, attempt: 1, agent: 'a1' });
    curves[id]!.forEach((value, i) => {
      const progress = { fold: Math.floor(i / 3), folds: 2, epoch: i % 3, epochs: 3, step: i + 1, loss: 0.5, validationValue: value, validationBalancedAccuracy: value };
      events.push({ type: 'trial-progress', at: T0 + 10 + i, trialId: id, progress });
    });
    events.push({ type: 'trial-finished', at: T0 + 100, trialId: id, state: 'complete', value: results[id].objective.mean, result: results[id] });
  });
  return events;
}

test('space marks up to three trials and c compares them: figures, per-fold, parameters and overlaid curves', async () => {
  const { frame, stdin } = mount({ columns: 100 }, false, curvedStudy());
  stdin.write('c');
  await until(frame, /mark 2 or 3 trials with space to compare them \(0 marked\)/);
  // Ranked: a (0.875), c (0.75), b (0.7).
  assert.deepEqual(boardNumbers(frame()), ['0', '2', '1']);
  stdin.write(' ');
  stdin.write(DOWN);
  stdin.write(DOWN);
  stdin.write(' ');
  stdin.write(DOWN); // stays on the last row
  await until(frame, /^›B +3 #1/m);
  stdin.write('c');
  const view = await until(frame, /compare +A #0 +B #1/);
  assert.match(view, /state +complete +complete/);
  assert.match(view, /bal\.acc +0\.875±0\.035 +0\.700±0\.000/);
  assert.match(view, /recall defect +0\.850±0\.071 +0\.550±0\.071/);
  // Parameters: the differing ones are marked.
  assert.match(view, /≠ sampling +oversample +none/);
  assert.match(view, /≠ minorityWeight +4 +1/);
  assert.match(view, /^ +backbone +small-cnn +small-cnn/m);
  assert.match(view, /per fold: bal\.acc \(argmax\) and recall defect\|ok/);
  assert.match(view, /fold 1 +0\.900 0\.90\|0\.90 +0\.700 0\.50\|0\.90/);
  assert.match(view, /fold 2 +0\.850 0\.80\|0\.90 +0\.700 0\.60\|0\.80/);
  // Curves on one step axis (6 steps) and one scale (0.5–1): A rises where B falls, cell by cell.
  assert.match(view, /learning curves: validation value by step \(1\.\.6\), one scale 0\.500–1\.000/);
  assert.match(view, /^ +A #0 +▁▂▄▅▇█$/m);
  assert.match(view, /^ +B #1 +█▇▅▄▂▁$/m);

  // Back, mark the third, and a fourth is refused with what to do.
  stdin.write(ESC);
  await until(frame, /# trial/);
  stdin.write('\u001B[A');
  stdin.write(' ');
  const three = await until(frame, /^›C +2 #2/m);
  assert.match(three, /^ A +1 #0/m);
  stdin.write('c');
  const all = await until(frame, /compare +A #0 +B #1 +C #2/);
  assert.match(all, /≠ weightDecay +not set +not set +0\.001/);
  assert.match(all, /^ +C #2 +▅▅▅▅▅▅$/m);
  stdin.write('x'); // clears the marks and goes back
  const cleared = await until(frame, /# trial/);
  assert.deepEqual(boardRows(cleared).filter((r) => /^[› ][A-C]/.test(r)), []);
});

test('a fourth mark is refused, saying how to free one', async () => {
  const { frame, stdin } = mount();
  for (let i = 0; i < 4; i++) {
    stdin.write(' ');
    stdin.write(DOWN);
  }
  await until(frame, /at most 3 trials can be compared: unmark one \(space\) or clear the marks \(x\)/);
  assert.equal(boardRows(frame()).filter((r) => /^[› ][A-C]/.test(r)).length, 3);
});

test('r writes the report through the injected function and says where; without one it says it is not available', async () => {
  let calls = 0;
  const { frame, stdin } = mount({ onReport: async () => (calls++, 'wrote /tmp/parts-report.html (9 charts)') });
  stdin.write('r');
  await until(frame, /wrote \/tmp\/parts-report\.html \(9 charts\)/);
  assert.equal(calls, 1);
  cleanup();
  const bare = mount();
  bare.stdin.write('r');
  await until(bare.frame, /the report is not available here/);
  const failing = mount({ onReport: async () => Promise.reject(new Error('disk full')) });
  failing.stdin.write('r');
  await until(failing.frame, /report failed: disk full/);
});
