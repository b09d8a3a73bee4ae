// The coordinator's pump loop (src/coordinator/serial-pump.ts): one run at a time, and no lost
// kick. A lost kick stalls a study for good (nothing else would ask for the next trial), and the
// window for one is the step where a run decides to stop: these tests kick at every microtask
// offset and on the next macrotask around a run's end, and require a pump start after each kick.
import assert from 'node:assert/strict';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { test } from 'node:test';
import { SerialPump } from '../../src/coordinator/serial-pump.ts';

const microtasks = async (n: number) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** A timeline of 'kick' and 'start' events; every kick must be followed by a start. */
function unansweredKicks(timeline: string[]): number {
  let owed = 0;
  for (const event of timeline) {
    if (event === 'kick') owed = 1;
    else if (event === 'start') owed = 0;
  }
  return owed;
}

for (const offset of [0, 1, 2, 3, 4, 5, 6, 8, 12, -1]) {
  const where = offset < 0 ? 'on the next macrotask' : `${offset} microtasks`;
  test(`a kick ${where} after a pump's work ends starts another pump (none lost, never two at once)`, async () => {
    const timeline: string[] = [];
    let active = 0;
    let runs = 0;
    let pump!: SerialPump;
    const kickLater = () => {
      void (async () => {
        if (offset < 0) await nextMacrotask();
        else await microtasks(offset);
        timeline.push('kick');
        pump.kick();
      })();
    };
    pump = new SerialPump(
      async () => {
        timeline.push('start');
        active++;
        assert.equal(active, 1, 'two pumps at once');
        runs++;
        await microtasks(2);
        // The work of the first three runs ends by setting off a kick that lands around the run's end.
        if (runs <= 3) kickLater();
        active--;
      },
      (work) => void work(),
      () => false,
    );
    timeline.push('kick');
    pump.kick();
    for (let i = 0; i < 20; i++) await nextMacrotask(); // long past every kick this test sets off
    assert.equal(unansweredKicks(timeline), 0, `a kick with no pump after it: ${timeline.join(' ')}`);
    assert.equal(runs, 4, timeline.join(' '));
    assert.equal(pump.current, undefined);
  });
}

test('kicks during a run collapse into one more run; a closed pump starts nothing', async () => {
  let runs = 0;
  let closed = false;
  let release!: () => void;
  const pump = new SerialPump(
    async () => {
      runs++;
      if (runs === 1) await new Promise<void>((resolve) => (release = resolve));
    },
    (work) => void work(),
    () => closed,
  );
  pump.kick();
  pump.kick();
  pump.kick();
  pump.kick();
  release();
  await pump.current;
  assert.equal(runs, 2, 'three kicks during the first run: one run more');
  closed = true;
  pump.kick();
  assert.equal(pump.current, undefined);
  assert.equal(runs, 2);
});
