import fc from 'fast-check';
import type { FaultSpec, RaftModelSpec, Scenario } from '../../src/scenario/types.ts';

const MS = 1000;

/** A random fault schedule over `nodes`: partitions, one-way cuts, crashes, restarts, loss, duplication and jitter. */
export function faultSchedule(nodes: readonly string[], durationUs: number): fc.Arbitrary<FaultSpec[]> {
  const node = fc.constantFrom(...nodes);
  const target = fc.oneof(node, fc.constant('leader'), fc.constant('random'));
  const at = fc.integer({ min: 0, max: durationUs / MS - 1 }).map((ms) => ms * MS);
  const partition = fc
    .array(fc.integer({ min: 0, max: 2 }), { minLength: nodes.length, maxLength: nodes.length })
    .map((groupOf) => [0, 1, 2].map((g) => nodes.filter((_, i) => groupOf[i] === g)).filter((g) => g.length > 0));
  const action = fc.oneof(
    partition.map((groups) => ({ action: 'partition' as const, groups })),
    target.map((t) => ({ action: 'isolate' as const, target: t })),
    fc.tuple(node, node, fc.boolean()).map(([from, to, both]) => ({ action: 'cut' as const, from, to, both })),
    fc.constant({ action: 'heal' as const }),
    target.map((t) => ({ action: 'crash' as const, target: t })),
    fc.oneof(target, fc.constant('all')).map((t) => ({ action: 'restart' as const, target: t })),
    target.map((t) => ({ action: 'pause' as const, target: t })),
    fc.oneof(target, fc.constant('all')).map((t) => ({ action: 'resume' as const, target: t })),
    fc
      .record({ drop: fc.constantFrom(0, 0.05, 0.2), duplicate: fc.constantFrom(0, 0.1), max: fc.constantFrom(15, 60, 200) })
      .map(({ drop, duplicate, max }) => ({ action: 'network' as const, drop, duplicate, latencyUsMin: 1 * MS, latencyUsMax: max * MS })),
  );
  return fc
    .array(fc.tuple(at, action), { maxLength: 12 })
    .map((items) => items.sort((a, b) => a[0] - b[0]).map(([atUs, a]) => ({ ...a, atUs, line: 0, col: 0 }) as FaultSpec));
}

export function scenarioWith(nodes: readonly string[], faults: FaultSpec[], seed: number, model: Partial<RaftModelSpec> = {}): Scenario {
  return {
    file: 'generated.yaml',
    name: 'generated',
    description: '',
    seed,
    durationUs: 8_000 * MS,
    settleUs: 4_000 * MS,
    stragglers: [],
    nodes,
    network: { latencyUsMin: 5 * MS, latencyUsMax: 15 * MS, drop: 0, duplicate: 0 },
    models: [{ kind: 'raft', name: 'raft', electionTimeoutUsMin: 150 * MS, electionTimeoutUsMax: 300 * MS, heartbeatUs: 50 * MS, ...model }],
    workload: { clients: 3, intervalUs: 40 * MS, timeoutUs: 600 * MS, keys: 2, reads: 0.4, cas: 0.2 },
    faults,
    notes: [],
    expect: [],
  };
}

export function nodeNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `n${i + 1}`);
}

/** Every combination of Raft's correct options (no bug switches, no clock drift). */
export function raftOptions(): fc.Arbitrary<Partial<RaftModelSpec>> {
  return fc.record({
    preVote: fc.boolean(),
    checkQuorum: fc.boolean(),
    reads: fc.constantFrom('log' as const, 'readIndex' as const, 'lease' as const),
    snapshotEvery: fc.constantFrom(0, 20),
  });
}
