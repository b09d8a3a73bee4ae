// The TUI's keys `?`, `/` and Space + `c` driven as a person would: `skewer ui` attached in a tmux
// pane to a study that a real embedded search (plain lines, two local agents) has finished, so the
// board is static. Each wait is on text only the new place shows (the help title, the filter's
// "enter keep" footer, the compare header), never on the footer that was already there. The pane is
// 160 × 50, so the header and the whole board fit and every asserted row exists.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { spawnSkewer, tempDir, writeFunctionStudy } from '../integration/helpers.ts';
import { shell, skewerNode, tmuxServer, type TmuxServer } from './fixtures/tmux.ts';

const STUDY = 'keys-demo';
const TRIALS = 5;
let dir: string;
let tmux: TmuxServer;

before(async () => {
  tmux = tmuxServer(`skewer-keys-test-${process.pid}`);
  dir = tempDir('tmux-keys');
  const started = Date.now();
  const file = writeFunctionStudy(dir, STUDY, { trials: TRIALS, objective: { function: 'branin', delayMs: 0 } });
  const search = spawnSkewer('search', ['search', file, '--agents', '2'], dir);
  assert.equal(await search.exited, 0, search.lines.slice(-20).join('\n'));
  assert.equal(search.count(new RegExp(`study finished: ${TRIALS} trials done`)), 1, search.lines.slice(-5).join('\n'));
  console.log(`the finished study took ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

after(() => {
  tmux?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Waits of 30 s at most, so a missing screen fails the test inside its minute. */
const wait = (target: string, pattern: RegExp) => tmux.waitForScreen(target, pattern, 30_000);

interface BoardRow {
  readonly mark: string;
  readonly rank: number;
  readonly number: number;
  readonly value: number;
  readonly x1: number;
  readonly x2: number;
}

/** The leaderboard rows on the screen: `›A  1 #5  0.712  complete  3.12  2.41 …`. */
function board(screen: string): BoardRow[] {
  return [...screen.matchAll(/^[› ]([A-C ]) +(\d+) #(\d+) +([\d.]+) +complete +(-?[\d.]+) +(-?[\d.]+) /gm)].map((m) => ({
    mark: m[1]!.trim(),
    rank: Number(m[2]),
    number: Number(m[3]),
    value: Number(m[4]),
    x1: Number(m[5]),
    x2: Number(m[6]),
  }));
}

test('in `skewer ui` on a finished study, ? lists the board keys, / filters by state and parameter, space + c compares two trials', async () => {
  tmux.run('new-session', '-d', '-s', 'ui', '-x', '160', '-y', '50', shell(skewerNode(`ui ${STUDY} --dir ${JSON.stringify(dir)}`)));
  const opened = Date.now();
  const first = await wait('ui', new RegExp(`study ${STUDY} · sampler random · ${TRIALS}/${TRIALS} done`));
  assert.match(first, /# trial +value +state +x1 +x2/);
  console.log(`skewer ui drew the board in ${((Date.now() - opened) / 1000).toFixed(1)} s`);
  const rows = board(first);
  assert.equal(rows.length, TRIALS, first);
  assert.deepEqual(rows.map((r) => r.value), rows.map((r) => r.value).sort((a, b) => a - b), 'ranked: branin is minimised');

  // ? opens the help overlay for the board; with nothing marked there is no c; any key closes it.
  tmux.run('send-keys', '-t', 'ui', '?');
  const help = await wait('ui', /keys in the leaderboard/);
  assert.match(help, /^ +space +mark or unmark the selected trial for comparing \(up to 3; 0 marked\)/m);
  assert.match(help, /^ +\/ +filter the trials by state or parameter/m);
  assert.match(help, /^ +q +quit \(detach; the study goes on\)/m);
  assert.doesNotMatch(help, /^ +c +compare/m);
  assert.match(help, /any key closes this help/);
  assert.equal(board(help).length, 0, 'the overlay replaces the board');
  tmux.run('send-keys', '-t', 'ui', 's'); // closes the overlay without acting: the sort stays
  const closed = await wait('ui', /# trial +value/);
  assert.match(closed, /s sort: value/);
  assert.deepEqual(board(closed).map((r) => r.number), rows.map((r) => r.number));

  // / types a filter of two terms (a state and a parameter bound); enter keeps it.
  // The cut lies half way between two shown (rounded) x1 values, so rounding cannot move a trial across it.
  const sorted = rows.map((r) => r.x1).sort((a, b) => a - b);
  const half = Math.floor(TRIALS / 2);
  assert.ok(sorted[half - 1]! < sorted[half]!, `distinct x1 values: ${sorted.join(' ')}`);
  const cut = Number(((sorted[half - 1]! + sorted[half]!) / 2).toFixed(3));
  const expected = rows.filter((r) => r.x1 >= cut).map((r) => r.number);
  tmux.run('send-keys', '-t', 'ui', '/');
  await wait('ui', /enter keep · esc clear/);
  tmux.run('send-keys', '-t', 'ui', '-l', `state:complete x1>=${cut}`);
  const typing = await wait('ui', new RegExp(`filter /state:complete x1>=${cut}: ${expected.length} of ${TRIALS} trials`));
  assert.deepEqual(board(typing).map((r) => r.number), expected);
  tmux.run('send-keys', '-t', 'ui', 'Enter');
  const kept = await wait('ui', /esc clear filter/);
  assert.match(kept, new RegExp(`filter /state:complete x1>=${cut}: ${expected.length} of ${TRIALS} trials`));
  assert.ok(board(kept).every((r) => r.x1 >= cut), kept);
  tmux.run('send-keys', '-t', 'ui', 'Escape');
  const cleared = await wait('ui', /\/ filter · e export best/); // no 'esc clear filter' between
  assert.doesNotMatch(cleared, /filter \//);
  assert.equal(board(cleared).length, TRIALS);

  // Space marks the best and the second; c compares them side by side.
  tmux.run('send-keys', '-t', 'ui', 'Space');
  await wait('ui', /^›A +1 #/m);
  tmux.run('send-keys', '-t', 'ui', 'Down');
  tmux.run('send-keys', '-t', 'ui', 'Space');
  const marked = await wait('ui', /^›B +2 #/m);
  const [a, b] = board(marked);
  assert.deepEqual([a!.mark, b!.mark], ['A', 'B']);
  assert.match(marked, /c compare 2/);
  tmux.run('send-keys', '-t', 'ui', 'c');
  const compare = await wait('ui', new RegExp(`compare +A #${a!.number} +B #${b!.number}`));
  assert.match(compare, /state +complete +complete/);
  assert.match(compare, new RegExp(`value +${a!.value.toFixed(3)}\\S* +${b!.value.toFixed(3)}`));
  for (const name of ['x1', 'x2'] as const) {
    const line = compare.split('\n').find((l) => new RegExp(`^[≠ ] +${name} `).test(l));
    assert.ok(line, `no ${name} row in the comparison:\n${compare}`);
    const [shownA, shownB] = line.trim().split(/\s+/).slice(-2).map(Number);
    assert.ok(Math.abs(shownA! - a![name]) < 0.01 && Math.abs(shownB! - b![name]) < 0.01, `${name} row ${line} vs board ${a![name]} ${b![name]}`);
  }
  tmux.run('send-keys', '-t', 'ui', 'x'); // clears the marks and goes back
  const back = await wait('ui', /# trial +value/);
  assert.ok(board(back).every((r) => r.mark === ''), back);
  tmux.run('send-keys', '-t', 'ui', 'q');
  await wait('ui', /EXIT=0/);
});
