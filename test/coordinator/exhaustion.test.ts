// A max-deliveries notice fails a trial only when the study's own records bear it out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeExhaustion } from '../../src/coordinator/exhaustion.ts';
import { PROTOCOL_VERSION, type StoredTrial, type TrialMessage } from '../../src/transport/messages.ts';

const message = { attemptOffset: 1, maxAttempts: 2, trialId: 't0' } as TrialMessage;

function trial(state: StoredTrial['state'], attempts: StoredTrial['attempts']): StoredTrial {
  return {
    v: PROTOCOL_VERSION, type: 'trial', id: 't0', number: 0, state, params: {}, resources: { class: 'cpu', memoryBytes: 0 },
    dispatches: 2, attempts, reports: [], createdAt: 0, updatedAt: 0,
  };
}

test('judgeExhaustion: fail only when the last attempt started and no live agent still runs it', () => {
  const live = (agent: string): boolean => agent === 'busy';
  assert.equal(judgeExhaustion(undefined, message, live).kind, 'ignore');
  assert.equal(judgeExhaustion(trial('complete', []), message, live).kind, 'ignore');
  // Attempts 1 (earlier dispatch) and 2 (this one) started; this dispatch's last, #3, never did.
  const early = trial('waiting', [
    { attempt: 1, agent: 'a', startedAt: 0, endedAt: 1, outcome: 'interrupted' },
    { attempt: 2, agent: 'a', startedAt: 2, endedAt: 3, outcome: 'retry' },
  ]);
  assert.deepEqual(judgeExhaustion(early, message, live), { kind: 'refuse', reason: 'its last attempt (#3) never started' });
  const running = trial('running', [{ attempt: 3, agent: 'busy', startedAt: 4 }]);
  assert.equal(judgeExhaustion(running, message, live).kind, 'defer');
  const silent = trial('running', [{ attempt: 3, agent: 'gone', startedAt: 4 }]);
  assert.equal(judgeExhaustion(silent, message, live).kind, 'fail');
  const lost = trial('waiting', [{ attempt: 3, agent: 'busy', startedAt: 4, endedAt: 5, outcome: 'lost' }]);
  assert.equal(judgeExhaustion(lost, message, live).kind, 'fail');
});
