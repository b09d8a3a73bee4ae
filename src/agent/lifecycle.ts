/**
 * An agent's lifecycle (as a Temporal worker's): a string union whose transitions live in one
 * table; any other transition throws IllegalTransitionError. An agent runs once:
 *
 *   idle ──run()──▶ running ──stop aborts──▶ draining ──trials done──▶ stopped
 *                      └───────── run() failed (queues could not open) ──────┘
 *
 * `draining` takes no new trials and lets the running ones finish (or, once hand-back aborts,
 * kills and hands them back). `stopped` is final: calling run() again is an error.
 */
import { IllegalTransitionError } from '../core/errors.ts';

export const AGENT_STATES = ['idle', 'running', 'draining', 'stopped'] as const;
export type AgentState = (typeof AGENT_STATES)[number];

const TRANSITIONS: Readonly<Record<AgentState, readonly AgentState[]>> = {
  idle: ['running'],
  running: ['draining', 'stopped'],
  draining: ['stopped'],
  stopped: [],
};

export function canTransition(from: AgentState, to: AgentState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The current state of one agent; `to` moves it, or throws for a transition the table lacks. */
export class AgentLifecycle {
  private current: AgentState = 'idle';

  get state(): AgentState {
    return this.current;
  }

  to(next: AgentState): void {
    if (!canTransition(this.current, next)) throw new IllegalTransitionError('agent', this.current, next);
    this.current = next;
  }
}
