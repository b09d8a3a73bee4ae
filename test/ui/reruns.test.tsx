/** @jsxRuntime automatic */
// Issue 11: a finished trial's late runs show in the trial detail, each once (a replayed event
// or a re-read journal adds nothing), and the kept result stays what it was.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { StudyEvent } from '../../src/core/events.ts';
import { foldStudyEvents } from '../../src/ui/view-state.ts';
import { TrialDetail } from '../../src/ui/tui/TrialDetail.tsx';

afterEach(() => cleanup());

const T = Date.UTC(2026, 11, 1, 12);

test('trial detail: "ran N times (first result kept)" with each late run once; the value stays the kept one', () => {
  const late: StudyEvent = { type: 'trial-rerun', at: T + 9, trialId: 't0', attempt: 1, agent: 'slow', startedAt: T, outcome: 'complete', value: 0.25 };
  const events: StudyEvent[] = [
    { type: 'trial-created', at: T, trialId: 't0', number: 0, params: { x1: 1 } },
    { type: 'trial-started', at: T + 1, trialId: 't0', attempt: 2, agent: 'fast' },
    { type: 'trial-finished', at: T + 5, trialId: 't0', state: 'complete', value: 0.75 },
    late,
    late,
    { ...late, attempt: 3, agent: 'third', startedAt: T + 3, outcome: 'failed', error: 'out of memory' } as StudyEvent,
  ];
  const trial = foldStudyEvents(events).trials.get('t0')!;
  assert.equal(trial.value, 0.75);
  assert.deepEqual(trial.reruns?.map((r) => [r.attempt, r.agent, r.outcome]), [[1, 'slow', 'complete'], [3, 'third', 'failed']]);
  const frame = (render(<TrialDetail trial={trial} now={T + 10} width={200} />).lastFrame() ?? '').replace(/\s*\n\s*/g, ' ');
  assert.match(frame, /ran 3 times \(first result kept\); later: attempt 1 on slow complete 0\.250\d*; attempt 3 on third failed/);
  assert.match(frame, /value 0\.750/);
});
