import { createMachine, initialTransition, transition, type SnapshotFrom } from 'xstate';

/**
 * The terminal UI's modes as one statechart: paused, playing, help open.
 * Transitions are rare and keyed by input (or by the run stopping at a
 * violation or at its end); the simulation's hot path never consults it —
 * the controller asks it only when a key is pressed or a slice stops.
 */
export const uiModes = createMachine({
  id: 'ui',
  initial: 'paused',
  types: {} as {
    events: { type: 'PLAY_PAUSE' } | { type: 'STOP' } | { type: 'HELP' } | { type: 'CLOSE' };
  },
  states: {
    paused: {
      on: { PLAY_PAUSE: 'playing', HELP: 'help' },
    },
    playing: {
      on: { PLAY_PAUSE: 'paused', STOP: 'paused', HELP: 'help' },
    },
    // Help stops the clock: closing it leaves the run paused, where it was.
    help: {
      on: { CLOSE: 'paused', HELP: 'paused', PLAY_PAUSE: 'paused' },
    },
  },
});

export type UiMode = 'paused' | 'playing' | 'help';
export type UiModeEvent = Parameters<typeof transition<typeof uiModes>>[2];
type UiSnapshot = SnapshotFrom<typeof uiModes>;

export class UiModes {
  private snapshot: UiSnapshot = initialTransition(uiModes)[0];

  get mode(): UiMode {
    return this.snapshot.value as UiMode;
  }

  send(event: UiModeEvent): UiMode {
    this.snapshot = transition(uiModes, this.snapshot, event)[0];
    return this.mode;
  }
}
