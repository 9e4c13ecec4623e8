import type { Value } from '../core/protocol.ts';
import { checkHistory, type LinearizabilityFailure } from '../check/linearizability/index.ts';
import type { HistoryEvent, HistoryLog } from '../workload/history.ts';

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

/**
 * Every run's history is checked against the per-key compare-and-set
 * register. `writeOrder`, the writes that took effect in the authoritative
 * log in order, gives each key's first candidate linearization: verified in
 * linear time, it decides a correct run's history of any length; the search
 * runs only where it fails (see src/check/linearizability/candidate.ts).
 */
export function checkLinearizable(history: HistoryLog | readonly HistoryEvent[], writeOrder?: readonly { readonly value: Value }[]): LinearizableVerdict {
  const result = checkHistory(history, { model: 'register', maxSteps: RUN_MAX_STEPS_PER_KEY, ...(writeOrder !== undefined ? { writeOrder } : {}) });
  return {
    linearizable: result.linearizable,
    ...(result.note !== undefined && result.linearizable !== true ? { note: result.note } : {}),
    ...(result.failure !== undefined ? { failure: result.failure } : {}),
  };
}
