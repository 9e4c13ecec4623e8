import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { propertySeed } from './helpers/fc-seed.ts';
import type { FaultSpec, PrimaryReplicaModelSpec, Scenario } from '../src/scenario/types.ts';

/**
 * Properties of the primary/replica model under random fault schedules.
 * Runs are kept few so the file stays well under a minute on 2 cores;
 * `PROPERTY_RUNS=500 npx vitest run test/primary-replica-properties.test.ts`
 * hunts longer. A failure prints fast-check's seed and the shrunk schedule.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 30);
/** `FC_SEED=N` (or the older `PROPERTY_SEED=N`) explores other schedules than the fixed default. */
const SEED = process.env.PROPERTY_SEED !== undefined ? Number(process.env.PROPERTY_SEED) : propertySeed(5_000);
const MS = 1000;
const DURATION_US = 8000 * MS;

/**
 * Faults aimed at the primary as much as at anyone: leader-side partitions,
 * isolation, one-way cuts from the leader, crashes, pauses (a GC stall),
 * loss, duplication and latency.
 */
function faultSchedule(nodes: readonly string[]): fc.Arbitrary<FaultSpec[]> {
  const node = fc.constantFrom(...nodes);
  const target = fc.oneof({ weight: 2, arbitrary: fc.constant('leader') }, { weight: 1, arbitrary: node }, { weight: 1, arbitrary: fc.constant('random') });
  const at = fc.integer({ min: 0, max: DURATION_US / MS - 1 }).map((ms) => ms * MS);
  const split = fc
    .array(fc.integer({ min: 0, max: 2 }), { minLength: nodes.length, maxLength: nodes.length })
    .map((groupOf) => [0, 1, 2].map((g) => nodes.filter((_, i) => groupOf[i] === g)).filter((g) => g.length > 0));
  const action = fc.oneof(
    split.map((groups) => ({ action: 'partition' as const, groups })),
    fc.constant({ action: 'partition' as const, groups: [['leader', 'follower'], ['rest']] }),
    target.map((t) => ({ action: 'isolate' as const, target: t })),
    fc.tuple(target, node, fc.boolean()).map(([from, to, both]) => ({ action: 'cut' as const, from, to, both })),
    fc.constant({ action: 'heal' as const }),
    target.map((t) => ({ action: 'crash' as const, target: t })),
    fc.constant({ action: 'restart' as const, target: 'all' }),
    target.map((t) => ({ action: 'pause' as const, target: t })),
    fc.constant({ action: 'resume' as const, target: 'all' }),
    fc
      .record({ drop: fc.constantFrom(0, 0.05, 0.2), duplicate: fc.constantFrom(0, 0.1), max: fc.constantFrom(15, 60, 150) })
      .map(({ drop, duplicate, max }) => ({ action: 'network' as const, drop, duplicate, latencyUsMin: 1 * MS, latencyUsMax: max * MS })),
  );
  return fc
    .array(fc.tuple(at, action), { maxLength: 12 })
    .map((items) => items.sort((a, b) => a[0] - b[0]).map(([atUs, a]) => ({ ...a, atUs, line: 0, col: 0 }) as FaultSpec));
}

/**
 * At most one node crashed at a time (a second crash waits for `restart: all`):
 * then the primary and all its synchronous standbys (at least one) are never
 * down together.
 */
function oneCrashAtATime(faults: readonly FaultSpec[]): FaultSpec[] {
  let down = false;
  return faults.filter((f) => {
    if (f.action === 'restart') down = false;
    if (f.action !== 'crash') return true;
    if (down) return false;
    down = true;
    return true;
  });
}

const ttl = fc.constantFrom(300 * MS, 1000 * MS);

function syncSpec(n: number): fc.Arbitrary<PrimaryReplicaModelSpec> {
  return fc.record({
    kind: fc.constant('primary-replica' as const),
    name: fc.constant('pr'),
    replication: fc.constant('sync' as const),
    syncStandbys: fc.integer({ min: 1, max: Math.min(2, n - 1) }),
    syncMode: fc.constantFrom('first' as const, 'any' as const),
    semiSyncTimeoutUs: fc.constant(1000 * MS),
    waitPoint: fc.constantFrom('after-sync' as const, 'after-commit' as const),
    failover: fc.constantFrom('auto' as const, 'auto' as const, 'none' as const),
    failoverTimeoutUs: ttl,
    maxLagOnFailover: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    fencing: fc.constantFrom('none' as const, 'lease' as const),
    reads: fc.constantFrom('primary' as const, 'any' as const),
  });
}

function anySpec(n: number): fc.Arbitrary<PrimaryReplicaModelSpec> {
  return fc.record({
    kind: fc.constant('primary-replica' as const),
    name: fc.constant('pr'),
    replication: fc.constantFrom('async' as const, 'sync' as const, 'semi-sync' as const),
    syncStandbys: fc.integer({ min: 1, max: Math.min(2, n - 1) }),
    syncMode: fc.constantFrom('first' as const, 'any' as const),
    semiSyncTimeoutUs: fc.constantFrom(200 * MS, 1000 * MS),
    waitPoint: fc.constantFrom('after-sync' as const, 'after-commit' as const),
    failover: fc.constant('auto' as const),
    failoverTimeoutUs: ttl,
    maxLagOnFailover: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    fencing: fc.constantFrom('none' as const, 'lease' as const),
    reads: fc.constantFrom('primary' as const, 'any' as const),
  });
}

function scenarioWith(nodes: readonly string[], faults: FaultSpec[], seed: number, spec: PrimaryReplicaModelSpec): Scenario {
  return {
    file: 'generated.yaml',
    name: 'generated',
    description: '',
    seed,
    durationUs: DURATION_US,
    settleUs: 4000 * MS,
    stragglers: [],
    nodes,
    network: { latencyUsMin: 2 * MS, latencyUsMax: 12 * MS, drop: 0, duplicate: 0 },
    models: [spec],
    workload: { clients: 4, intervalUs: 30 * MS, timeoutUs: 600 * MS, keys: 3, reads: 0.4, cas: 0.2 },
    faults,
    notes: [],
    expect: [],
  };
}

const nodeNames = (n: number) => Array.from({ length: n }, (_, i) => `n${i + 1}`);

describe.each([3, 5])('primary/replica on %i nodes under random fault schedules', (n) => {
  const nodes = nodeNames(n);

  it('sync never loses an acknowledged write while the primary and all its sync standbys are not down together', () => {
    fc.assert(
      fc.property(faultSchedule(nodes).map(oneCrashAtATime), syncSpec(n), fc.integer({ min: 1, max: 1_000_000 }), (faults, spec, seed) => {
        const run = runScenario(scenarioWith(nodes, faults, seed, spec)).runs[0]!;
        expect(run.summary.lostWrites).toBe(0);
        // Its own safety rules (one lock holder, one primary per epoch, in-order apply, ...) and convergence after settle.
        expect(run.summary.violations).toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED + n },
    );
  });

  it('at most one node holds the leader lock at a time, whatever the settings and the faults (crashes included)', () => {
    fc.assert(
      fc.property(faultSchedule(nodes), anySpec(n), fc.integer({ min: 1, max: 1_000_000 }), (faults, spec, seed) => {
        const run = runScenario(scenarioWith(nodes, faults, seed, spec)).runs[0]!;
        expect(run.summary.violations.filter((v) => v.invariant === 'Single Lock Holder' || v.invariant === 'One Primary per Epoch')).toEqual([]);
        expect(run.summary.violations).toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED + 1_000 + n },
    );
  });
});
