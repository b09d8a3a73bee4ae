/**
 * What the coordinator knows about agents: the last heartbeat of each, who is lost, and how many
 * slots the live ones offer. Time comes from the coordinator's clock (receive time), so agents'
 * clocks need not agree. After a restart, agents known from the store get a grace period.
 */
import type { AgentAdvert, StoredAgent } from '../transport/messages.ts';
import { PROTOCOL_VERSION } from '../transport/messages.ts';
import type { ResourceClass } from '../transport/subjects.ts';

export interface AgentState {
  info: AgentAdvert;
  lastHeartbeat: number;
  lost: boolean;
}

export type HeartbeatResult = 'new' | 'changed' | 'back' | 'same';

export class AgentRegistry {
  private readonly agents = new Map<string, AgentState>();

  constructor(private readonly lostAfterMs: number) {}

  /** Agents from the store after a restart: alive until they miss heartbeats from now on. */
  restore(records: readonly StoredAgent[], now: number): void {
    for (const record of records) {
      this.agents.set(record.info.name, { info: record.info, lastHeartbeat: record.lost ? record.lastHeartbeat : now, lost: record.lost });
    }
  }

  /** An agent named by a running trial but never heard from since the restart. */
  expect(name: string, now: number): void {
    if (this.agents.has(name)) return;
    this.agents.set(name, {
      info: { name, backend: 'unknown', slots: 1, busy: 1, gpus: 0, memoryBytes: 0, classes: ['cpu'], running: [], startedAt: now },
      lastHeartbeat: now,
      lost: false,
    });
  }

  heartbeat(info: AgentAdvert, now: number): HeartbeatResult {
    const known = this.agents.get(info.name);
    this.agents.set(info.name, { info, lastHeartbeat: now, lost: false });
    if (!known) return 'new';
    if (known.lost) return 'back';
    if (known.info.busy !== info.busy || known.info.slots !== info.slots || known.info.startedAt !== info.startedAt) return 'changed';
    return 'same';
  }

  /** Marks an agent lost (missed heartbeats, or said goodbye); true if it was live. */
  markLost(name: string): boolean {
    const state = this.agents.get(name);
    if (!state || state.lost) return false;
    state.lost = true;
    return true;
  }

  /** Live agents whose last heartbeat is older than the limit. */
  overdue(now: number): string[] {
    return [...this.agents.values()].filter((a) => !a.lost && now - a.lastHeartbeat > this.lostAfterMs).map((a) => a.info.name);
  }

  get(name: string): AgentState | undefined {
    return this.agents.get(name);
  }

  isLive(name: string): boolean {
    const state = this.agents.get(name);
    return state !== undefined && !state.lost;
  }

  live(): AgentState[] {
    return [...this.agents.values()].filter((a) => !a.lost);
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
    return { v: PROTOCOL_VERSION, type: 'agent', info: state.info, lastHeartbeat: state.lastHeartbeat, lost: state.lost };
  }
}
