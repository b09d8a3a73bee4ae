/**
 * Colours as a context so every row honours NO_COLOR the same way: with colours off, `paint`
 * returns no colour and meaning is carried by the text itself (state names, `LOST`, `›`).
 */
import { createContext, useContext } from 'react';
import type { TrialState } from '../../core/trial.ts';

export interface Palette {
  readonly enabled: boolean;
  /** The colour to pass to `<Text color>`, or undefined when colours are off. */
  readonly paint: (color: string) => string | undefined;
}

export function createPalette(enabled: boolean): Palette {
  return { enabled, paint: (color) => (enabled ? color : undefined) };
}

export const PaletteContext = createContext<Palette>(createPalette(true));

export function usePalette(): Palette {
  return useContext(PaletteContext);
}

export const STATE_COLORS: Readonly<Record<TrialState, string>> = {
  waiting: 'gray',
  running: 'cyan',
  complete: 'green',
  pruned: 'yellow',
  failed: 'red',
};
