/**
 * How the fuzzer judges one seed. A seed fails when its run breaks a
 * safety invariant, or a promise the configuration makes — judged as
 * `raftsim run` judges them (src/run/promises.ts) with two differences:
 *
 * - bug switches are ignored: a world with `bugs=forget-vote` is held to
 *   what the same configuration promises without the switch, so that the
 *   fuzzer finds the bug rather than excuse it;
 * - an acknowledged write is a promise of its own: every configuration is
 *   held to "no lost writes" (async failover included, which is how the
 *   fuzzer shows what async failover costs), unless `--allow lostWrites`.
 *
 * `--allow FIGURES` waives the named promises.
 */
import { promisesOf, PROMISE_NAMES, PROMISE_PREFIX, judgePromises, type PromiseKey } from '../run/promises.ts';
import type { ModelRun } from '../run/types.ts';
import type { ModelSpec, Scenario } from '../scenario/types.ts';

/** The figure names `--allow` takes, and the promise each waives. */
export const ALLOWABLE: Readonly<Record<string, PromiseKey>> = {
  lostWrites: 'noLostWrites',
  staleReads: 'noStaleReads',
  dirtyReads: 'noDirtyReads',
  linearizable: 'linearizable',
  converged: 'converges',
};

export type Phase = 'safety' | 'liveness';

export interface Failure {
  /** What broke, stable across runs: `promise:noLostWrites`, `invariant:Election Safety`. The shrinker keeps it broken. */
  readonly key: string;
  /** For people: `no lost writes`, `Election Safety`. */
  readonly what: string;
  /** safety: under faults (the scripted part); liveness: after every fault was healed (settle). */
  readonly phase: Phase;
  readonly atMs: number;
  readonly detail: string;
  /** The expect line that fails while this is broken: field and value. */
  readonly expect: readonly [field: string, value: number | boolean];
}

export interface SeedVerdict {
  readonly failures: readonly Failure[];
  /** Promises the run could not decide (the linearizability check gave up). */
  readonly undecided: readonly string[];
  /** What the run was held to (fuzzPromises): the configuration's promises, less those withdrawn for the run and those allowed. */
  readonly promised: readonly PromiseKey[];
}

const EXPECT_OF: Readonly<Record<PromiseKey, readonly [string, number | boolean]>> = {
  linearizable: ['linearizable', true],
  noLostWrites: ['lostWrites', 0],
  noStaleReads: ['staleReads', 0],
  noDirtyReads: ['dirtyReads', 0],
  converges: ['converged', true],
};

/** The promises a fuzzed run can be held to, in the order reports list them. */
export const FUZZ_PROMISE_ORDER: readonly PromiseKey[] = Object.keys(EXPECT_OF) as PromiseKey[];

/** The spec without its bug switches. */
function withoutBugs(spec: ModelSpec): ModelSpec {
  return spec.kind === 'raft' && spec.bugs !== undefined && spec.bugs.length > 0 ? { ...spec, bugs: [] } : spec;
}

/** What a fuzzed run of `spec` is held to (see the top of this file). */
export function fuzzPromises(spec: ModelSpec, scenario: Pick<Scenario, 'network'>, run: Pick<ModelRun, 'promises'> | null, allowed: ReadonlySet<PromiseKey>): PromiseKey[] {
  const keys = new Set(promisesOf(withoutBugs(spec), [], scenario.network).promised);
  keys.add('noLostWrites');
  // Withdrawn for this run (clock drift beyond the configuration's bound): not promised.
  for (const w of run?.promises.withdrawn ?? []) keys.delete(w.key);
  for (const key of allowed) keys.delete(key);
  return FUZZ_PROMISE_ORDER.filter((k) => keys.has(k));
}

/** Judges one model's run of a world. */
export function judgeSeed(scenario: Scenario, spec: ModelSpec, run: ModelRun, allowed: ReadonlySet<PromiseKey>): SeedVerdict {
  const durationMs = scenario.durationUs / 1000;
  const endMs = (scenario.durationUs + scenario.settleUs) / 1000;
  const failures: Failure[] = [];
  const seen = new Set<string>();
  for (const v of run.summary.violations) {
    if (v.invariant.startsWith(PROMISE_PREFIX) || seen.has(v.invariant)) continue;
    seen.add(v.invariant);
    failures.push({
      key: `invariant:${v.invariant}`,
      what: v.invariant,
      phase: v.atMs < durationMs ? 'safety' : 'liveness',
      atMs: v.atMs,
      detail: v.detail,
      expect: ['violations', 0],
    });
  }
  const s = run.summary;
  const promised = fuzzPromises(spec, scenario, run, allowed);
  const judged = judgePromises(
    promised,
    { lostWrites: s.lostWrites, staleReads: s.staleReads, dirtyReads: s.dirtyReads, linearizable: s.linearizable, ...(s.linearizableNote !== undefined ? { linearizableNote: s.linearizableNote } : {}) },
    run.unconverged,
    endMs,
  );
  for (const b of judged.broken) {
    const key = (Object.keys(PROMISE_NAMES) as PromiseKey[]).find((k) => PROMISE_PREFIX + PROMISE_NAMES[k] === b.invariant)!;
    failures.push({
      key: `promise:${key}`,
      what: PROMISE_NAMES[key],
      phase: key === 'converges' ? 'liveness' : 'safety',
      atMs: b.atMs,
      detail:
        key === 'converges'
          ? `not converged ${scenario.settleUs / 1000} ms after every fault was healed${scenario.stragglers.length > 0 ? ` but on the stragglers ${scenario.stragglers.join(', ')}` : ''}: ${run.unconverged ?? ''}`
          : b.detail,
      expect: EXPECT_OF[key],
    });
  }
  return { failures, undecided: judged.undecided.map((u) => PROMISE_NAMES[u.key]), promised };
}
