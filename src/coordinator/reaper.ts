/**
 * The reaper's two sweeps, run every half heartbeat: agents that stopped sending heartbeats are
 * marked lost and the trials they held go back to waiting (the queue redelivers them when their
 * lease expires); waiting trials that no live agent can run are marked blocked with the reason
 * (or, when the agents are fixed, failed at once).
 */
import type { StoredTrial } from '../transport/messages.ts';
import type { AgentRegistry } from './agents.ts';
import type { AttemptLimits } from './attempt-budget.ts';
import { closeOpenAttempt } from './outcomes.ts';
import type { TrialStore } from './store.ts';

export interface ReaperContext {
  readonly agents: AgentRegistry;
  readonly trials: ReadonlyMap<string, StoredTrial>;
  readonly store: TrialStore;
  readonly now: number;
  readonly saveAgent: (name: string) => Promise<void>;
  /** maxAttempts / maxVanishings: a trial past its vanishing bound fails instead of going back. */
  readonly limits?: AttemptLimits;
}

/** Returns whether any trial went back to waiting. */
export async function reapLostAgents({ agents, trials, store, now, saveAgent, limits }: ReaperContext): Promise<boolean> {
  let requeued = false;
  for (const name of agents.overdue(now)) {
    if (!agents.markLost(name)) continue;
    await saveAgent(name);
    for (const trial of [...trials.values()]) {
      if (trial.state !== 'running' || trial.attempts.at(-1)?.agent !== name) continue;
      await store.update(trial.id, (t) => closeOpenAttempt(t, 'lost', now, `agent ${name} stopped sending heartbeats`, limits));
      requeued = true;
    }
  }
  return requeued;
}

/**
 * Marks (or clears) `blocked` on waiting trials by whether a live agent consumes their class.
 * With `failUnrunnable` they fail instead; returns the trials failed that way.
 */
export async function sweepUnrunnable(context: ReaperContext, failUnrunnable: boolean): Promise<StoredTrial[]> {
  const { agents, trials, store } = context;
  const failed: StoredTrial[] = [];
  for (const trial of [...trials.values()]) {
    if (trial.state !== 'waiting' || trial.dispatches === 0) continue;
    const runnable = agents.canRun(trial.resources.class);
    if (runnable && trial.blocked) await store.update(trial.id, (t) => ({ ...t, blocked: undefined }));
    if (runnable || trial.blocked) continue;
    const reason = `no live agent runs '${trial.resources.class}' trials (about ${Math.ceil(trial.resources.memoryBytes / 2 ** 20)} MiB)`;
    if (failUnrunnable) {
      const after = await store.update(trial.id, (t) => ({ ...t, state: 'failed', error: `${reason}; start an agent with a native backend` }));
      if (after?.state === 'failed') failed.push(after);
    } else {
      await store.update(trial.id, (t) => ({ ...t, blocked: reason }));
    }
  }
  return failed;
}
