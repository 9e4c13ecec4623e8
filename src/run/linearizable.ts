import type { HistoryEvent } from '../workload/history.ts';

export interface LinearizableVerdict {
  readonly linearizable: boolean | null;
  readonly note?: string;
  /** When not linearizable: the key and the window of operations that cannot be ordered (plain data). */
  readonly failure?: unknown;
}

/** Placeholder until the linearizability checker lands: the verdict is unknown, and says so. */
export function checkLinearizable(_history: readonly HistoryEvent[]): LinearizableVerdict {
  return { linearizable: null, note: 'linearizability checker not wired in yet' };
}
