import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentRegistry } from '../../src/coordinator/agents.ts';
import { eventsFromAgentChange } from '../../src/coordinator/changes.ts';
import type { AgentAdvert, StoredAgent } from '../../src/transport/messages.ts';

const advert = (name: string): AgentAdvert => ({
  name, backend: 'wasm', slots: 2, busy: 0, gpus: 0, memoryBytes: 2 ** 30, classes: ['cpu'], running: [], startedAt: 1,
});

test('agent records map to events: a goodbye is agent-left, silence is agent-lost, each once; a return is agent-seen', () => {
  const registry = new AgentRegistry(1_000);
  assert.equal(registry.heartbeat(advert('a'), 0), 'new');
  const live = registry.record('a')!;
  assert.deepEqual(eventsFromAgentChange(undefined, live, 0).map((e) => e.type), ['agent-seen']);

  assert.equal(registry.markLeft('a'), true);
  assert.equal(registry.markLeft('a'), false, 'a second goodbye changes nothing');
  const left = registry.record('a')!;
  assert.equal(left.left, true);
  assert.equal(left.lost, false);
  assert.deepEqual(eventsFromAgentChange(live, left, 5).map((e) => e.type), ['agent-left']);
  assert.deepEqual(eventsFromAgentChange(left, left, 6), []);
  // A departed agent is neither live nor overdue: its silence afterwards is expected.
  assert.equal(registry.isLive('a'), false);
  assert.deepEqual(registry.overdue(10_000), []);
  assert.equal(registry.markLost('a'), false);

  assert.equal(registry.heartbeat(advert('a'), 20_000), 'back');
  const back = registry.record('a')!;
  assert.equal('left' in back, false);
  const [seen] = eventsFromAgentChange(left, back, 20_000);
  assert.equal(seen?.type, 'agent-seen');
  assert.equal(seen?.type === 'agent-seen' && seen.agent.left, false);

  // Silence is still loss, and a late goodbye from a lost agent turns it into a clean leaver.
  assert.deepEqual(registry.overdue(30_000), ['a']);
  assert.equal(registry.markLost('a'), true);
  const lost = registry.record('a')!;
  assert.deepEqual(eventsFromAgentChange(back, lost, 30_000).map((e) => e.type), ['agent-lost']);
  assert.equal(registry.markLeft('a'), true);
  assert.deepEqual(eventsFromAgentChange(lost, registry.record('a')!, 31_000).map((e) => e.type), ['agent-left']);
});

test('agents restored after a coordinator restart keep having left; a record written before `left` existed reads as not left', () => {
  const registry = new AgentRegistry(1_000);
  const old: StoredAgent = { v: 1, type: 'agent', info: advert('old'), lastHeartbeat: 5, lost: false };
  const gone: StoredAgent = { v: 1, type: 'agent', info: advert('gone'), lastHeartbeat: 5, lost: false, left: true };
  registry.restore([old, gone], 100);
  assert.equal(registry.isLive('old'), true);
  assert.equal(registry.isLive('gone'), false);
  assert.equal(registry.get('gone')!.lastHeartbeat, 5, 'a departed agent keeps its last heartbeat');
  assert.deepEqual(registry.overdue(100_000), ['old']);
});
