import type { OpFunction, Value } from '../../workload/history.ts';

/** The sequential specification a history is checked against. */
export type ModelName = 'register' | 'kv';

/** How an operation ended, as the checker understood it. */
export type OpOutcome =
  /** Completed and took effect. */
  | 'ok'
  /** A cas whose compare ran and found a value other than `old` (a `fail` with `error: "mismatch"`). */
  | 'mismatch'
  /** `info`, or an invoke with no completion: took effect at some point after its call, or never. */
  | 'unknown';

/** One operation as the checker reports it. Plain data: it serialises to JSON as is. */
export interface LinearizabilityOp {
  readonly process: number;
  readonly f: OpFunction;
  /** The argument: the value written, put or appended; `[old, new]` for a cas; null for a read or get. */
  readonly value: Value | readonly [Value, Value];
  /** What came back: the value a read or get returned; true for a cas that swapped, false for a mismatch; null otherwise. */
  readonly output: Value | boolean;
  readonly outcome: OpOutcome;
  readonly callT: number;
  /** Null when the outcome is unknown (the operation may take effect at any later time). */
  readonly returnT: number | null;
}

/** Why a key's history has no linearization, as far as the search got. */
export interface LinearizabilityFailure {
  readonly key: string;
  /** The sequential specification checked against (named `spec`, since a run's "model" is the simulated system). */
  readonly spec: ModelName;
  /**
   * The longest linearizable prefix the search found, in linearization order:
   * the operations it managed to order before it got stuck.
   */
  readonly linearizedPrefix: readonly LinearizabilityOp[];
  /** The register or key-value state after `linearizedPrefix`. */
  readonly valueAfterPrefix: Value;
  /**
   * The operations that cannot be ordered after `linearizedPrefix`: the one
   * with the earliest pending return, and every other pending operation whose
   * call lies before that return (so could have been ordered next), leaving
   * out those of unknown outcome (which never block). In call order.
   */
  readonly conflicting: readonly LinearizabilityOp[];
}

export interface LinearizabilityResult {
  /** True: a linearization exists. False: none does (see `failure`). Null: the step budget ran out (see `note`). */
  readonly linearizable: boolean | null;
  readonly note?: string;
  /** How many keys got a verdict (the check stops at the first key that is not linearizable). */
  readonly keysChecked: number;
  /** Search steps spent, over all keys: a deterministic measure of the work done. */
  readonly steps: number;
  readonly failure?: LinearizabilityFailure;
}

export interface CheckOptions {
  /** Default: `kv` when the history has get/put/append operations, else `register`. */
  readonly model?: ModelName;
  /** The most search steps spent on any one key before that key's verdict becomes unknown. */
  readonly maxSteps?: number;
  /**
   * Register model: the order in which writes took effect (a simulated run's
   * authoritative log), each named by its value. Each key's first candidate
   * linearization is built from it and verified in linear time; the search
   * runs only on keys where that candidate fails. A wrong order costs time,
   * never a wrong verdict.
   */
  readonly writeOrder?: readonly { readonly value: Value }[];
  /** Register model, no `writeOrder`: guess the candidate's write order from the history itself (see writeOrderFromHistory). */
  readonly guessOrder?: boolean;
}
