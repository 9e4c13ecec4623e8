import { formatUs } from '../core/time.ts';
import type { ModelSpec, NetworkParams, PrimaryReplicaModelSpec, RaftModelSpec } from '../scenario/types.ts';
import type { Violation } from '../check/violations.ts';

/**
 * What each model configuration promises, derived from its options in this
 * one place, and how a run is judged against it. A promise the run breaks is
 * a violation (`raftsim run` exits 1) whether or not the scenario has an
 * `expect` line; a figure the configuration does not promise is only
 * reported. The fuzzer judges seeds by the same list.
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
const ORDER: readonly PromiseKey[] = ['linearizable', 'noLostWrites', 'noStaleReads', 'noDirtyReads', 'converges'];

export interface ModelPromises {
  /** What the configuration promises for this run, in ORDER. */
  readonly promised: readonly PromiseKey[];
  /** Promised by the configuration's options but withdrawn for this run, and why (the model's safe-zone warnings). */
  readonly withdrawn: readonly { readonly key: PromiseKey; readonly reason: string }[];
}

function ordered(keys: Iterable<PromiseKey>): PromiseKey[] {
  const set = new Set(keys);
  return ORDER.filter((k) => set.has(k));
}

/**
 * Raft. With `reads: log | readIndex | lease` correct Raft promises
 * everything: a linearizable history, no lost, stale or dirty read or write,
 * and convergence once settle heals every fault. `reads: local` answers from
 * any node's applied state: still only committed data (no lost writes, no
 * dirty reads), but stale. Lease reads rest on bounded clock drift: with a
 * safe-zone warning (drift beyond `maxClockDrift`) the lease's promises of
 * no stale reads and a linearizable history are withdrawn.
 *
 * A bug switch keeps only what its rule leaves: `read-without-quorum` is a
 * leader answering reads without confirming it still leads (stale reads,
 * nothing else); `reset-timer-on-any-rpc` breaks elections, not the log
 * (no convergence promise); the other three break the committed log itself
 * and promise nothing.
 */
function raftPromises(spec: RaftModelSpec, safeZoneWarnings: readonly string[], timing: string | null): ModelPromises {
  const reads = spec.reads ?? 'log';
  const keys = new Set<PromiseKey>(ORDER);
  if (reads === 'local') {
    keys.delete('linearizable');
    keys.delete('noStaleReads');
  }
  const withdrawn: { key: PromiseKey; reason: string }[] = [];
  if (reads === 'lease' && safeZoneWarnings.length > 0) {
    for (const key of ['linearizable', 'noStaleReads'] as const) {
      if (keys.delete(key)) withdrawn.push({ key, reason: safeZoneWarnings.join('; ') });
    }
  }
  if (timing !== null && keys.delete('converges')) withdrawn.push({ key: 'converges', reason: timing });
  for (const bug of spec.bugs ?? []) {
    switch (bug) {
      case 'read-without-quorum':
        keys.delete('linearizable');
        keys.delete('noStaleReads');
        break;
      case 'reset-timer-on-any-rpc':
        keys.delete('converges');
        break;
      default:
        keys.clear();
    }
  }
  return { promised: ordered(keys), withdrawn };
}

/**
 * Primary/replica, per the outcome table in docs/cap.md; every
 * configuration converges after settle (a primary, every node holding its
 * log).
 *
 * - `failover: none`: the first node is primary forever and never discards
 *   its log; replicas hold prefixes of it. Nothing acknowledged or read can
 *   vanish (no lost writes, no dirty reads), whatever the replication mode.
 *   With `reads: primary` every read sees every acknowledged write, so the
 *   history is linearizable too; hot standbys (`reads: any`) lag.
 * - `failover: auto`: only `replication: sync` keeps acknowledged writes
 *   (async loses its unreplicated tail, semi-sync what it acknowledged after
 *   falling back). No dirty reads needs, besides sync, `waitPoint:
 *   after-sync` (else a write is visible before it is safe) and `reads:
 *   primary` (a hot standby shows what it received). No stale reads needs a
 *   primary that cannot be stranded serving old data: `fencing: lease` (it
 *   demotes itself before the lock can move) with `reads: primary`; with
 *   after-sync too, that is a linearizable history.
 */
function primaryReplicaPromises(spec: PrimaryReplicaModelSpec): ModelPromises {
  const keys: PromiseKey[] = ['converges'];
  const primaryReads = spec.reads === 'primary';
  if (spec.failover === 'none') {
    keys.push('noLostWrites', 'noDirtyReads');
    if (primaryReads) keys.push('noStaleReads', 'linearizable');
  } else if (spec.replication === 'sync') {
    keys.push('noLostWrites');
    const fenced = spec.fencing === 'lease' && primaryReads;
    if (fenced) keys.push('noStaleReads');
    if (spec.waitPoint === 'after-sync' && primaryReads) {
      keys.push('noDirtyReads');
      if (fenced) keys.push('linearizable');
    }
  }
  return { promised: ordered(keys), withdrawn: [] };
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

/**
 * The promises of one model configuration for a run; `safeZoneWarnings`
 * from the model's runtime, `network` the scenario's (what settle restores).
 */
export function promisesOf(spec: ModelSpec, safeZoneWarnings: readonly string[] = [], network: Pick<NetworkParams, 'latencyUsMax'> | null = null, livenessWarning: string | null = null): ModelPromises {
  const base = spec.kind !== 'raft' ? primaryReplicaPromises(spec) : raftPromises(spec, safeZoneWarnings, network === null ? null : raftTimingWarning(spec, network));
  if (livenessWarning === null || !base.promised.includes('converges')) return base;
  // Stragglers the configuration cannot converge around (scenario.stragglers): convergence is withdrawn for this run.
  return { promised: base.promised.filter((k) => k !== 'converges'), withdrawn: [...base.withdrawn, { key: 'converges', reason: livenessWarning }] };
}

/** The figures a run is judged by. */
export interface JudgedFigures {
  readonly lostWrites: number;
  readonly staleReads: number;
  readonly dirtyReads: number;
  readonly linearizable: boolean | null;
  readonly linearizableNote?: string;
}

export interface PromiseJudgement {
  /** One violation per broken promise, `invariant` "Promise: NAME", at the end of the run (when the figures are final). */
  readonly broken: readonly Violation[];
  /** Promises the run could not decide, and why (the checker gave up, or `--until` ended the run before settle). */
  readonly undecided: readonly { readonly key: PromiseKey; readonly reason: string }[];
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Judges a run against its promises. `unconverged`: what the convergence
 * check found missing after settle (null: converged); undefined when the
 * run did not reach the end of settle (`--until`), so it was not checked.
 */
export function judgePromises(promised: readonly PromiseKey[], figures: JudgedFigures, unconverged: string | null | undefined, atMs: number): PromiseJudgement {
  const broken: Violation[] = [];
  const undecided: { key: PromiseKey; reason: string }[] = [];
  const breaks = (key: PromiseKey, detail: string) => broken.push({ invariant: PROMISE_PREFIX + PROMISE_NAMES[key], atMs, detail });
  for (const key of promised) {
    switch (key) {
      case 'linearizable':
        if (figures.linearizable === false) breaks(key, 'the client history is not linearizable (see the failure below the table, or linearizableFailure)');
        else if (figures.linearizable === null) undecided.push({ key, reason: figures.linearizableNote ?? 'the linearizability check did not finish' });
        break;
      case 'noLostWrites':
        if (figures.lostWrites > 0) breaks(key, `${count(figures.lostWrites, 'acknowledged write is', 'acknowledged writes are')} not in the authoritative log (lostWrites)`);
        break;
      case 'noStaleReads':
        if (figures.staleReads > 0) breaks(key, `${count(figures.staleReads, 'read', 'reads')} returned a value overwritten by a write acknowledged before the read began (staleReads)`);
        break;
      case 'noDirtyReads':
        if (figures.dirtyReads > 0) breaks(key, `${count(figures.dirtyReads, 'read', 'reads')} returned a value whose write is not in the authoritative log (dirtyReads)`);
        break;
      case 'converges':
        if (unconverged === undefined) undecided.push({ key, reason: 'the run ended before settle did (--until)' });
        else if (unconverged !== null) breaks(key, `not converged after settle: ${unconverged}`);
        break;
    }
  }
  return { broken, undecided };
}

/** Whether a violation is a broken promise (rather than a broken rule of the model's own safety checker). */
export function isBrokenPromise(v: Pick<Violation, 'invariant'>): boolean {
  return v.invariant.startsWith(PROMISE_PREFIX);
}

/** Whether a broken promise is a liveness failure (no convergence) rather than a safety one. */
export function isLivenessFailure(v: Pick<Violation, 'invariant'>): boolean {
  return v.invariant === PROMISE_PREFIX + PROMISE_NAMES.converges;
}
