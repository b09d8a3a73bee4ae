import type { Direction } from './direction.ts';
import type { Params, TrialState } from './trial.ts';
import type { BatchProgress, TrialProgress, TrialResult } from './result.ts';

/** How a late run of a finished trial ended (as its agent reported it). */
export type RerunOutcome = 'complete' | 'pruned' | 'failed' | 'retry' | 'handed-back';

/** What an agent advertises about itself. */
export interface AgentInfo {
  readonly name: string;
  readonly backend: string;
  readonly slots: number;
  readonly busy: number;
  readonly gpus: number;
  readonly memoryBytes: number;
  /** The GPU adapter a webgpu agent trains on. */
  readonly gpu?: { readonly name: string; readonly memoryBytes: number; readonly software: boolean };
  readonly lastHeartbeat: number;
  /** Missed its heartbeats: it may have died with trials on it. */
  readonly lost: boolean;
  /** Said goodbye (stopped cleanly, its trials finished or handed back): not a fault. */
  readonly left: boolean;
}

/**
 * The event stream of a study: what the coordinator emits and the UI, the plain reporter and the
 * JSON-lines reporter consume. `at` is a wall-clock millisecond timestamp.
 */
export type StudyEvent =
  | {
      readonly type: 'study-started';
      readonly at: number;
      readonly study: string;
      readonly sampler: string;
      readonly totalTrials: number;
      /** Owned by the objective: maximize for every image metric, a benchmark function's own otherwise. */
      readonly direction: Direction;
      /** What a trial's value is: an image metric's id (`balancedAccuracy`, `minorityRecallAtPrecision(0.9)`) or `objective:<function>`. */
      readonly metric?: string;
      /** Its column label: `bal.acc`, `min.F1`, `value`, … */
      readonly metricLabel?: string;
    }
  | { readonly type: 'trial-created'; readonly at: number; readonly trialId: string; readonly number: number; readonly params: Params }
  | { readonly type: 'trial-started'; readonly at: number; readonly trialId: string; readonly attempt: number; readonly agent: string }
  | { readonly type: 'trial-progress'; readonly at: number; readonly trialId: string; readonly progress: TrialProgress }
  /** Live only (from the bus, never the store): where the attempt is inside an epoch. */
  | { readonly type: 'trial-batch'; readonly at: number; readonly trialId: string; readonly attempt: number; readonly batch: BatchProgress }
  | {
      readonly type: 'trial-finished';
      readonly at: number;
      readonly trialId: string;
      readonly state: Extract<TrialState, 'complete' | 'pruned' | 'failed'>;
      /** The objective value; for a pruned trial, the last intermediate value it reported (what got it pruned). */
      readonly value?: number;
      readonly result?: TrialResult;
      readonly error?: string;
    }
  | { readonly type: 'trial-requeued'; readonly at: number; readonly trialId: string; readonly reason: string }
  /**
   * An outcome of another run of a trial that had finished already (it ran more than once, e.g. its
   * lease expired while the agent still worked): recorded, never applied; the first result is kept.
   */
  | {
      readonly type: 'trial-rerun';
      readonly at: number;
      readonly trialId: string;
      readonly attempt: number;
      readonly agent: string;
      readonly startedAt: number;
      readonly outcome: RerunOutcome;
      readonly value?: number;
      readonly error?: string;
    }
  | { readonly type: 'agent-seen'; readonly at: number; readonly agent: AgentInfo }
  | { readonly type: 'agent-lost'; readonly at: number; readonly name: string }
  | { readonly type: 'agent-left'; readonly at: number; readonly name: string }
  | { readonly type: 'study-finished'; readonly at: number; readonly bestTrialId?: string; readonly bestValue?: number };

export type StudyEventType = StudyEvent['type'];
