import { beforeAll, describe, expect, it } from 'vitest';
import { operations, type Operation } from '../src/check/figures.ts';
import { runScenario, type ModelRun, type RunResult } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';

/**
 * The outcome table of shared/design/replication-model.md, one test per cell:
 * each asserts the direction of the figures (and, where the table speaks of
 * timing, of the client history) for one setting under one fault.
 */

const MS = 1000;

const MODELS = `
models:
  - kind: raft
  - kind: primary-replica
    name: async
    replication: async
    failover: auto
    fencing: none
  - kind: primary-replica
    name: async-lease
    replication: async
    failover: auto
    fencing: lease
  - kind: primary-replica
    name: semi-sync
    replication: semi-sync
    waitPoint: after-sync
    semiSyncTimeout: 1s
    failover: auto
  - kind: primary-replica
    name: sync
    replication: sync
    failover: auto
  - kind: primary-replica
    name: sync-any
    replication: sync
    syncMode: any
    failover: auto
`;

function scenario(name: string, faults: string, workload = 'clients: 5\n  interval: 50ms\n  timeout: 1s\n  keys: 3\n  reads: 0.5'): ReturnType<typeof parseScenario> {
  const text = `name: ${name}
seed: 1
duration: 15s
settle: 4s
nodes: 5
network:
  latency: 5ms..15ms
${MODELS}
workload:
  ${workload}
faults:
${faults}
`;
  return parseScenario(text, `${name}.yaml`);
}

function byName(result: RunResult): Record<string, ModelRun> {
  return Object.fromEntries(result.runs.map((r) => [r.name, r]));
}

/** The node a fault hit in this model's run, from its event log (`isolate n3`, `crash n1`). */
function hitNode(run: ModelRun, action: string): number {
  const line = run.log.find((l) => l.text.startsWith(`${action} n`));
  expect(line, `${run.name}: no ${action} in the event log`).toBeDefined();
  return Number(line!.text.split(' ')[1]!.slice(1)) - 1;
}

/** ok writes of the clients bound to `node` (client p is bound to node (p-1) mod 5), completed within [fromUs, toUs). */
function okWrites(run: ModelRun, node: number | 'others', fromUs: number, toUs: number, others = -1): Operation[] {
  return operations(run.history).filter(
    (op) =>
      op.type === 'ok' &&
      (op.f === 'write' || op.f === 'cas') &&
      op.completeUs !== null &&
      op.completeUs >= fromUs &&
      op.completeUs < toUs &&
      (node === 'others' ? (op.process - 1) % 5 !== others : (op.process - 1) % 5 === node),
  );
}

function logHas(run: ModelRun, text: string): boolean {
  return run.log.some((l) => l.text.includes(text));
}

describe('leader-side minority partition (the primary, or Raft leader, isolated from 5 s to 12 s)', () => {
  let runs: Record<string, ModelRun>;
  beforeAll(() => {
    runs = byName(runScenario(scenario('partition', '  - at: 5s\n    isolate: leader\n  - at: 12s\n    heal: true')));
  });
  const PARTITION = [5000 * MS, 12_000 * MS] as const;

  it('async, no fencing: both sides accept writes; what the old side acknowledged is lost after heal; availability above Raft’s', () => {
    const r = runs['async']!;
    const old = hitNode(r, 'isolate');
    expect(okWrites(r, old, PARTITION[0] + 100 * MS, PARTITION[1]).length).toBeGreaterThan(0);
    expect(okWrites(r, 'others', 7000 * MS, PARTITION[1], old).length).toBeGreaterThan(0);
    expect(r.summary.lostWrites).toBeGreaterThan(0);
    // Reads on the old side saw what the authoritative history does not have: superseded (stale) or never kept (dirty).
    expect(r.summary.staleReads + r.summary.dirtyReads).toBeGreaterThan(0);
    expect(r.summary.availability).toBeGreaterThan(runs['raft']!.summary.availability);
    expect(r.summary.leaderChanges).toBeGreaterThanOrEqual(1);
  });

  it('async, lease fencing: the old primary stops within the TTL; writes in that window are still lost, fewer than without fencing', () => {
    const r = runs['async-lease']!;
    const old = hitNode(r, 'isolate');
    const ttlUs = 1000 * MS;
    expect(okWrites(r, old, PARTITION[0] + ttlUs + 50 * MS, PARTITION[1])).toEqual([]);
    expect(r.summary.lostWrites).toBeGreaterThan(0);
    expect(r.summary.lostWrites).toBeLessThan(runs['async']!.summary.lostWrites);
    expect(logHas(r, 'demotes itself (lease fencing)')).toBe(true);
  });

  it('semi-sync (after-sync): commits stall for the timeout, then are acknowledged asynchronously and lost', () => {
    const r = runs['semi-sync']!;
    const old = hitNode(r, 'isolate');
    const timeoutUs = 1000 * MS;
    expect(okWrites(r, old, PARTITION[0] + 20 * MS, PARTITION[0] + timeoutUs - 20 * MS)).toEqual([]);
    expect(okWrites(r, old, PARTITION[0] + timeoutUs, PARTITION[1]).length).toBeGreaterThan(0);
    expect(logHas(r, 'now asynchronous')).toBe(true);
    expect(r.summary.lostWrites).toBeGreaterThan(0);
  });

  it('sync: the minority primary stalls; the majority promotes the sync standby; nothing acknowledged is lost; a longer outage than async', () => {
    const r = runs['sync']!;
    const old = hitNode(r, 'isolate');
    expect(okWrites(r, old, PARTITION[0] + 50 * MS, PARTITION[1])).toEqual([]);
    expect(okWrites(r, 'others', 7000 * MS, PARTITION[1], old).length).toBeGreaterThan(0);
    expect(r.summary.leaderChanges).toBeGreaterThanOrEqual(1);
    expect(r.summary.lostWrites).toBe(0);
    expect(r.summary.dirtyReads).toBe(0);
    expect(r.summary.rtoMs).toBeGreaterThan(runs['async']!.summary.rtoMs);
    expect(r.verdict).toMatch(/^(chose consistency|gave up both)/);
  });

  it('Raft: the minority side is unavailable, nothing is lost, no stale reads', () => {
    const r = runs['raft']!;
    const old = hitNode(r, 'isolate');
    expect(okWrites(r, old, PARTITION[0] + 1000 * MS, PARTITION[1])).toEqual([]);
    expect(r.summary.lostWrites).toBe(0);
    expect(r.summary.staleReads).toBe(0);
    expect(r.summary.dirtyReads).toBe(0);
    expect(r.verdict).toMatch(/^chose consistency/);
  });

  it('no model breaks its own safety rules', () => {
    for (const r of Object.values(runs)) expect(r.summary.violations, r.name).toEqual([]);
  });
});

describe('primary crash (crashed at 5 s under a busy write load, back at 10 s)', () => {
  const faults = '  - at: 5s\n    crash: leader\n  - at: 10s\n    restart: all';
  const busy = 'clients: 10\n  interval: 20ms\n  timeout: 1s\n  keys: 5\n  reads: 0.3';
  let runs: Record<string, ModelRun>;
  let tailLost: Record<string, number>;
  let rewound: Record<string, boolean>;
  beforeAll(() => {
    const s = scenario('crash', faults, busy);
    runs = byName(runScenario(s));
    // The unreplicated tail is a round trip of writes or less: count it over a few seeds.
    tailLost = { async: 0, 'async-lease': 0 };
    rewound = { async: false, 'async-lease': false };
    for (const seed of [1, 2, 3, 4]) {
      for (const r of runScenario(s, { seed, models: ['async', 'async-lease'] }).runs) {
        tailLost[r.name]! += r.summary.lostWrites;
        // The returning old primary discards what the new one lacks, as pg_rewind would.
        if (r.summary.lostWrites > 0) rewound[r.name] ||= logHas(r, 'that the primary lacks (pg_rewind)');
      }
    }
  });

  it('async (with or without fencing): the unreplicated tail is lost', () => {
    expect(tailLost['async']).toBeGreaterThan(0);
    expect(tailLost['async-lease']).toBeGreaterThan(0);
    for (const name of ['async', 'async-lease']) {
      expect(runs[name]!.summary.leaderChanges).toBeGreaterThanOrEqual(1);
      expect(rewound[name], name).toBe(true);
    }
  });

  it('semi-sync: no loss, the promoted replica had acknowledged', () => {
    expect(runs['semi-sync']!.summary.lostWrites).toBe(0);
    expect(runs['semi-sync']!.summary.leaderChanges).toBeGreaterThanOrEqual(1);
  });

  it('sync: nothing lost, with FIRST or ANY', () => {
    for (const name of ['sync', 'sync-any']) {
      expect(runs[name]!.summary.lostWrites).toBe(0);
      expect(runs[name]!.summary.leaderChanges).toBeGreaterThanOrEqual(1);
    }
  });

  it('Raft: a new leader after an election timeout, nothing lost', () => {
    const r = runs['raft']!;
    expect(r.summary.leaderChanges).toBeGreaterThanOrEqual(1);
    expect(r.summary.lostWrites).toBe(0);
    expect(r.summary.rtoMs).toBeLessThan(3000);
  });

  it('no model breaks its own safety rules', () => {
    for (const r of Object.values(runs)) expect(r.summary.violations, r.name).toEqual([]);
  });
});

describe('sync replica crash (n2, the first synchronous standby, down from 5 s to 12 s)', () => {
  let runs: Record<string, ModelRun>;
  beforeAll(() => {
    runs = byName(runScenario(scenario('standby-crash', '  - at: 5s\n    crash: n2\n  - at: 12s\n    restart: n2')));
  });

  it('async (with or without fencing): no effect on writes', () => {
    for (const name of ['async', 'async-lease']) {
      expect(runs[name]!.summary.rtoMs).toBeLessThan(1000);
      expect(runs[name]!.summary.leaderChanges).toBe(0);
      expect(runs[name]!.summary.lostWrites).toBe(0);
    }
  });

  it('semi-sync: writes stall for the timeout, then continue asynchronously', () => {
    const r = runs['semi-sync']!;
    expect(r.summary.rtoMs).toBeGreaterThanOrEqual(900);
    expect(r.summary.rtoMs).toBeLessThan(2500);
    expect(logHas(r, 'now asynchronous')).toBe(true);
    expect(r.summary.lostWrites).toBe(0);
  });

  it('sync, FIRST: every write stalls until the standby returns; ANY with a spare standby does not stall', () => {
    expect(runs['sync']!.summary.rtoMs).toBeGreaterThan(6000);
    expect(runs['sync']!.verdict).toMatch(/^chose consistency/);
    expect(runs['sync-any']!.summary.rtoMs).toBeLessThan(1000);
    for (const name of ['sync', 'sync-any']) {
      expect(runs[name]!.summary.lostWrites).toBe(0);
      expect(runs[name]!.summary.leaderChanges).toBe(0);
    }
  });

  it('Raft: no effect while a majority is up (an election if n2 was the leader), nothing lost', () => {
    const r = runs['raft']!;
    expect(r.summary.rtoMs).toBeLessThan(3000);
    expect(r.summary.lostWrites).toBe(0);
  });

  it('no model breaks its own safety rules', () => {
    for (const r of Object.values(runs)) expect(r.summary.violations, r.name).toEqual([]);
  });
});
