import { formatUs } from '../core/time.ts';
import type { NetworkParams, RaftModelSpec } from '../scenario/types.ts';

/**
 * The names and order of the promises, apart from promises.ts (which reads
 * the registry), so that a kind's descriptor can state its promises without
 * importing the registry that lists it.
 */

/** The promises a configuration can make, each tied to one figure of the summary. */
export type PromiseKey = 'linearizable' | 'noLostWrites' | 'noStaleReads' | 'noDirtyReads' | 'converges';

/** In the report, in `promises` of the JSON summary, and (after `Promise: `) in the `invariant` of a broken one. */
export const PROMISE_NAMES: Readonly<Record<PromiseKey, string>> = {
  linearizable: 'linearizable history',
  noLostWrites: 'no lost writes',
  noStaleReads: 'no stale reads',
  noDirtyReads: 'no dirty reads',
  converges: 'converges after settle',
};

/** The `invariant` of a broken promise: `Promise: no lost writes`. */
export const PROMISE_PREFIX = 'Promise: ';

/** The order promises are listed in. */
export const PROMISE_ORDER: readonly PromiseKey[] = ['linearizable', 'noLostWrites', 'noStaleReads', 'noDirtyReads', 'converges'];

export interface ModelPromises {
  /** What the configuration promises for this run, in PROMISE_ORDER. */
  readonly promised: readonly PromiseKey[];
  /** Promised by the configuration's options but withdrawn for this run, and why (the model's safe-zone warnings). */
  readonly withdrawn: readonly { readonly key: PromiseKey; readonly reason: string }[];
}

/** `keys` in PROMISE_ORDER, each once. */
export function orderedPromises(keys: Iterable<PromiseKey>): PromiseKey[] {
  const set = new Set(keys);
  return PROMISE_ORDER.filter((k) => set.has(k));
}

/**
 * Raft elects a leader only while a round trip is well inside the election
 * timeout (broadcast time ≪ election timeout, extended paper §5.6). Settle
 * heals loss and duplication but keeps the scenario's latency, so when even
 * one round trip at the largest latency can outlast the minimum election
 * timeout, candidates time out before their votes come back and elections
 * can split for ever: convergence is then not promised, and the report says
 * why. (Only this clear case is withdrawn: between it and the "≪" of the
 * paper, convergence is promised and judged.)
 */
export function raftTimingWarning(spec: Pick<RaftModelSpec, 'electionTimeoutUsMin' | 'electionTimeoutUsMax'>, network: Pick<NetworkParams, 'latencyUsMax'>): string | null {
  // Without randomised timeouts, candidates that time out together split the vote, and do so again (§5.2).
  if (spec.electionTimeoutUsMax === spec.electionTimeoutUsMin) return `the election timeout is not randomised (${formatUs(spec.electionTimeoutUsMin)} on every node): candidates that time out together split the vote, every time (§5.2), so elections may never end`;
  const roundTripUs = 2 * network.latencyUsMax;
  if (spec.electionTimeoutUsMin > roundTripUs) return null;
  return `the minimum election timeout (${formatUs(spec.electionTimeoutUsMin)}) is not longer than a round trip at the network's largest latency (${formatUs(roundTripUs)}): elections may split for ever`;
}

