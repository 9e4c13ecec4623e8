import { useSyncExternalStore } from 'react';
import type { LiveRun } from './live-run.ts';

/** Re-renders on every change of the live run (Ink throttles the frames to maxFps). Returns the run's version. */
export function useLiveRun(live: LiveRun): number {
  return useSyncExternalStore(
    (onChange) => live.onChange(onChange),
    () => live.version,
  );
}
