import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StudyEvent } from '../../src/core/events.ts';
import { chooseReporterMode, createReporter } from '../../src/ui/index.ts';
import { agent, scriptedStudy, T0 } from './fixtures/study-events.ts';

function collect(): { write(text: string): void; text(): string } {
  const chunks: string[] = [];
  return { write: (t) => void chunks.push(t), text: () => chunks.join('') };
}

test('chooseReporterMode: json wins; plain without a TTY, with CI, or with --no-tui; else the TUI', () => {
  assert.equal(chooseReporterMode({ json: true, isTTY: true, env: {} }), 'json');
  assert.equal(chooseReporterMode({ json: true, isTTY: false, env: { CI: 'true' } }), 'json');
  assert.equal(chooseReporterMode({ isTTY: true, env: {} }), 'tui');
  assert.equal(chooseReporterMode({ isTTY: false, env: {} }), 'plain');
  assert.equal(chooseReporterMode({ isTTY: true, env: { CI: 'true' } }), 'plain');
  assert.equal(chooseReporterMode({ isTTY: true, env: { CI: '1' } }), 'plain');
  assert.equal(chooseReporterMode({ isTTY: true, env: { CI: 'false' } }), 'tui');
  assert.equal(chooseReporterMode({ isTTY: true, env: { CI: '' } }), 'tui');
  assert.equal(chooseReporterMode({ isTTY: true, noTui: true, env: {} }), 'plain');
});

test('json reporter: one parseable JSON object per event per line, unchanged', async () => {
  const out = collect();
  const reporter = createReporter({ mode: 'json', out });
  const events = scriptedStudy();
  for (const event of events) reporter.onEvent(event);
  await reporter.close();
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, events.length);
  assert.deepEqual(lines.map((line) => JSON.parse(line) as StudyEvent), events);
});

test('plain reporter: one line per event with trial numbers, metrics and reasons', async () => {
  const out = collect();
  const reporter = createReporter({ mode: 'plain', out });
  const events = scriptedStudy();
  for (const event of events) reporter.onEvent(event);
  await reporter.close();
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, events.length);
  const find = (pattern: RegExp) => lines.find((line) => pattern.test(line));
  assert.match(find(/study parts started/)!, /sampler tpe, 10 trials, maximize/);
  assert.match(find(/trial #2 complete/)!, /bal\.acc 0\.900±0\.025 \(recall defect 0\.850±0\.050, ok 0\.950±0\.000\) in 4\.0s on cpu/);
  assert.match(find(/trial #2 complete/)!, /\[3\/10\]/);
  assert.match(find(/trial #3 failed/)!, /out of memory at batch size 1/);
  assert.match(find(/trial #3 back to waiting/)!, /agent a2 lost/);
  assert.match(find(/trial #4 fold/)!, /fold 2\/3 epoch 1\/2: val bal\.acc 0\.777/);
  assert.match(find(/agent a2 LOST/)!, /no heartbeat/);
  assert.match(find(/trial #1 pruned/)!, /value 0\.550/);
});

test('plain reporter folds repeated heartbeats of a known agent, but reports its return', () => {
  const out = collect();
  const reporter = createReporter({ mode: 'plain', out });
  reporter.onEvent({ type: 'agent-seen', at: T0, agent: agent('a1') });
  reporter.onEvent({ type: 'agent-seen', at: T0 + 5000, agent: agent('a1', { lastHeartbeat: T0 + 5000, busy: 2 }) });
  reporter.onEvent({ type: 'agent-lost', at: T0 + 60_000, name: 'a1' });
  reporter.onEvent({ type: 'agent-seen', at: T0 + 70_000, agent: agent('a1', { lastHeartbeat: T0 + 70_000 }) });
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /agent a1 joined: backend wasm, 2 slots, 0 GPUs/);
  assert.match(lines[1]!, /agent a1 LOST/);
  assert.match(lines[2]!, /agent a1 back/);
});

test('plain reporter: an agent that leaves cleanly is reported as left, not lost, and its return as back', () => {
  const out = collect();
  const reporter = createReporter({ mode: 'plain', out });
  reporter.onEvent({ type: 'agent-seen', at: T0, agent: agent('a1') });
  reporter.onEvent({ type: 'agent-left', at: T0 + 60_000, name: 'a1' });
  reporter.onEvent({ type: 'agent-seen', at: T0 + 70_000, agent: agent('a1', { lastHeartbeat: T0 + 70_000 }) });
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /agent a1 left$/);
  assert.match(lines[2]!, /agent a1 back/);
});

test('plain reporter: study finished names the best trial and its recipe', () => {
  const out = collect();
  const reporter = createReporter({ mode: 'plain', out });
  for (const event of scriptedStudy()) reporter.onEvent(event);
  reporter.onEvent({ type: 'study-finished', at: T0 + 30_000, bestTrialId: 't2', bestValue: 0.9 });
  const last = out.text().trimEnd().split('\n').at(-1)!;
  assert.match(last, /study finished: 4 trials done \(1 pruned, 1 failed\); best trial #2 bal\.acc 0\.900±0\.025: sampling=balanced-batch/);
});
