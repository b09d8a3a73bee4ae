/**
 * What the coordinator knows about agents: the last heartbeat of each, who is lost (missed its
 * heartbeats) or has left (said goodbye), and how many slots the live ones offer. Time comes from
 * the coordinator's clock (receive time), so agents' clocks need not agree. After a restart,
 * agents known from the store get a grace period.
 */
import type { AgentAdvert, StoredAgent } from '../transport/messages.ts';
import { PROTOCOL_VERSION } from '../transport/messages.ts';
import type { ResourceClass } from '../transport/subjects.ts';

export interface AgentState {
  info: AgentAdvert;
  lastHeartbeat: number;
  lost: boolean;
  left: boolean;
}

export type HeartbeatResult = 'new' | 'changed' | 'back' | 'same';

export class AgentRegistry {
  private readonly agents = new Map<string, AgentState>();

  constructor(private readonly lostAfterMs: number) {}

  /** Agents from the store after a restart: alive until they miss heartbeats from now on. */
  restore(records: readonly StoredAgent[], now: number): void {
    for (const record of records) {
      const gone = record.lost || record.left === true;
      this.agents.set(record.info.name, { info: record.info, lastHeartbeat: gone ? record.lastHeartbeat : now, lost: record.lost, left: record.left === true });
    }
  }

  /** An agent named by a running trial but never heard from since the restart. */
  expect(name: string, now: number): void {
    if (this.agents.has(name)) return;
    this.agents.set(name, {
      info: { name, backend: 'unknown', slots: 1, busy: 1, gpus: 0, memoryBytes: 0, classes: ['cpu'], running: [], startedAt: now },
      lastHeartbeat: now,
      lost: false,
      left: false,
    });
  }

  heartbeat(info: AgentAdvert, now: number): HeartbeatResult {
    const known = this.agents.get(info.name);
    this.agents.set(info.name, { info, lastHeartbeat: now, lost: false, left: false });
    if (!known) return 'new';
    if (known.lost || known.left) return 'back';
    if (known.info.busy !== info.busy || known.info.slots !== info.slots || known.info.startedAt !== info.startedAt) return 'changed';
    return 'same';
  }

  /** Marks a live agent lost (it missed its heartbeats); true if it was live. */
  markLost(name: string): boolean {
    const state = this.agents.get(name);
    if (!state || !isLive(state)) return false;
    state.lost = true;
    return true;
  }

  /**
   * Marks an agent that said goodbye as left; true if that changed it. A lost agent's late goodbye
   * (it was only slow) turns it into a clean leaver.
   */
  markLeft(name: string): boolean {
    const state = this.agents.get(name);
    if (!state || state.left) return false;
    state.left = true;
    state.lost = false;
    return true;
  }

  /** Live agents whose last heartbeat is older than the limit. */
  overdue(now: number): string[] {
    return this.live()
      .filter((a) => now - a.lastHeartbeat > this.lostAfterMs)
      .map((a) => a.info.name);
  }

  get(name: string): AgentState | undefined {
    return this.agents.get(name);
  }

  isLive(name: string): boolean {
    const state = this.agents.get(name);
    return state !== undefined && isLive(state);
  }

  live(): AgentState[] {
    return [...this.agents.values()].filter(isLive);
  }

  liveSlots(): number {
    return this.live().reduce((sum, a) => sum + a.info.slots, 0);
  }

  /** Whether some live agent consumes this class (its backend and GPUs allow it). */
  canRun(resourceClass: ResourceClass): boolean {
    return this.live().some((a) => a.info.classes.includes(resourceClass));
  }

  record(name: string): StoredAgent | undefined {
    const state = this.agents.get(name);
    if (!state) return undefined;
    return {
      v: PROTOCOL_VERSION,
      type: 'agent',
      info: state.info,
      lastHeartbeat: state.lastHeartbeat,
      lost: state.lost,
      ...(state.left && { left: true }),
    };
  }
}

function isLive(state: AgentState): boolean {
  return !state.lost && !state.left;
}
