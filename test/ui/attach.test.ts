// `skewer ui STUDY --server URL` attaches read-only to a study that a coordinator on another
// process runs over a real nats-server, and follows it to the end (JSON lines and plain modes).
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { StudyEvent } from '../../src/core/events.ts';
import { startNatsServer, type RunningNatsServer } from '../../src/transport/index.ts';
import { spawnSkewer, stopAll, tempDir, writeFunctionStudy, type SkewerProcess } from '../integration/helpers.ts';

let dir: string;
let server: RunningNatsServer;
const processes: SkewerProcess[] = [];

before(async () => {
  dir = tempDir('ui-attach');
  // startNatsServer fails with install hints when nats-server is missing (never a skip).
  server = await startNatsServer({ storeDir: path.join(dir, 'nats'), port: 0, host: '127.0.0.1' });
});

after(async () => {
  await stopAll(processes);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('ui --server follows a remote study from its history to its end, as JSON lines and as plain lines', async () => {
  const study = writeFunctionStudy(dir, 'attach-demo', { trials: 6, objective: { function: 'branin', delayMs: 50 } });
  const search = spawnSkewer('search', ['search', study, '--server', server.url, '--agents', '2'], dir);
  processes.push(search);
  await search.waitFor(/trial #1 created/);

  const json = spawnSkewer('ui-json', ['ui', 'attach-demo', '--server', server.url, '--json'], dir);
  const plain = spawnSkewer('ui-plain', ['ui', 'attach-demo', '--server', server.url, '--no-tui'], dir);
  processes.push(json, plain);
  assert.equal(await json.exited, 0, json.lines.join('\n'));
  assert.equal(await plain.exited, 0, plain.lines.join('\n'));
  assert.equal(await search.exited, 0, search.lines.slice(-20).join('\n'));

  const events = json.lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as StudyEvent);
  assert.equal(events[0]?.type, 'study-started');
  assert.equal(events.at(-1)?.type, 'study-finished');
  const finished = events.filter((e): e is Extract<StudyEvent, { type: 'trial-finished' }> => e.type === 'trial-finished');
  assert.equal(new Set(finished.map((e) => e.trialId)).size, 6);
  assert.ok(finished.every((e) => e.state === 'complete' && typeof e.value === 'number'));
  const best = events.at(-1) as Extract<StudyEvent, { type: 'study-finished' }>;
  assert.equal(best.bestValue, Math.min(...finished.map((e) => e.value!)));

  assert.match(plain.lines[0]!, /study attach-demo started: sampler random, 6 trials, minimize/);
  assert.equal(plain.count(/trial #\d+ complete \[\d\/6\]: value/), 6);
  assert.match(plain.lines.at(-1)!, /study finished: 6 trials done \(0 pruned, 0 failed\); best trial #\d+ [\d.]+: x1=/);
});
