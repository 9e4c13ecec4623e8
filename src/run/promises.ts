import type { ModelSpec, NetworkParams } from '../scenario/types.ts';
import { kindOf } from './registry.ts';
import type { Violation } from '../check/violations.ts';

/**
 * What each model configuration promises (each kind's descriptor derives
 * it from the options, registry.ts), and how a run is judged against it. A promise the run breaks is
 * a violation (`raftsim run` exits 1) whether or not the scenario has an
 * `expect` line; a figure the configuration does not promise is only
 * reported. The fuzzer judges seeds by the same list.
 */

export { orderedPromises, PROMISE_NAMES, PROMISE_ORDER, PROMISE_PREFIX, raftTimingWarning, type ModelPromises, type PromiseKey } from './promise-keys.ts';
import { PROMISE_NAMES, PROMISE_PREFIX, type ModelPromises, type PromiseKey } from './promise-keys.ts';

/**
 * The promises of one model configuration for a run, as its kind states
 * them (each kind's descriptor, registry.ts); `safeZoneWarnings`
 * from the model's runtime, `network` the scenario's (what settle restores).
 */
export function promisesOf(spec: ModelSpec, safeZoneWarnings: readonly string[] = [], network: Pick<NetworkParams, 'latencyUsMax'> | null = null, livenessWarning: string | null = null): ModelPromises {
  const base = kindOf(spec.kind).promises(spec, { safeZoneWarnings, network });
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
