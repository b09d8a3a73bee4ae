/**
 * The study view outside React: events are reduced as they arrive (none lost before the first
 * render) and the App reads snapshots through `useSyncExternalStore`.
 */
import type { StudyEvent } from '../../core/events.ts';
import { initialStudyView, reduceStudyView, type StudyViewState } from '../view-state.ts';

export interface StudyStore {
  dispatch(event: StudyEvent): void;
  getSnapshot(): StudyViewState;
  subscribe(listener: () => void): () => void;
}

export function createStudyStore(initial: StudyViewState = initialStudyView): StudyStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    dispatch(event) {
      const next = reduceStudyView(state, event);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    getSnapshot: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
