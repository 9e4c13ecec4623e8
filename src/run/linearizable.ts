import { checkHistory, type LinearizabilityFailure } from '../check/linearizability/index.ts';
import type { HistoryEvent } from '../workload/history.ts';

export interface LinearizableVerdict {
  readonly linearizable: boolean | null;
  readonly note?: string;
  /** When not linearizable: the key, the longest linearizable prefix and the operations that conflict with it (plain data). */
  readonly failure?: LinearizabilityFailure;
}

/**
 * Search steps per key for a run's history. Deterministic (a step count, not
 * a time), so a verdict is a pure function of the run; generous enough that
 * every scenario in the repository gets a verdict, bounded so that a
 * pathological history gives `null` with a note instead of a hang.
 */
export const RUN_MAX_STEPS_PER_KEY = 5_000_000;

/** Every run's history is checked against the per-key compare-and-set register (contract §5). */
export function checkLinearizable(history: readonly HistoryEvent[]): LinearizableVerdict {
  const result = checkHistory(history, { model: 'register', maxSteps: RUN_MAX_STEPS_PER_KEY });
  return {
    linearizable: result.linearizable,
    ...(result.note !== undefined && result.linearizable !== true ? { note: result.note } : {}),
    ...(result.failure !== undefined ? { failure: result.failure } : {}),
  };
}
