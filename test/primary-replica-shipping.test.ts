import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';

/**
 * A world the fuzzer drew (seed 263, async failover): seven nodes, 16% of
 * messages duplicated, partitions and one-way cuts. Every success reply that
 * left a replica behind used to send another shipment, so each duplicated
 * shipment gave two replies and two more shipments: the run went from 7
 * thousand events to millions and never finished.
 */
const WORLD = `name: fuzz-primary-replica-seed-263
seed: 263
duration: 5s
settle: 3s
nodes: 7
network:
  latency: 9ms..19ms
  drop: 0.01
  duplicate: 0.16
models:
  - kind: primary-replica
    replication: async
    failover: auto
workload:
  clients: 6
  interval: 9ms
  timeout: 463ms
  keys: 3
  reads: 0.18
faults:
  - at: 312ms
    cut: { from: n7, to: n5 }
  - at: 828ms
    partition: [[n1], [n2, n3, n4, n5, n6, n7]]
  - at: 1388ms
    cut: { from: n3, to: n4 }
  - at: 1399ms
    heal: true
  - at: 1727ms
    heal: true
  - at: 1911ms
    partition: [[n1, n2, n4, n5, n6], [n3, n7]]
  - at: 2239ms
    heal: true
  - at: 2438ms
    heal: true
  - at: 2650ms
    partition: [[leader, follower], [rest]]
  - at: 2830ms
    cut: { from: n4, to: n2 }
  - at: 3176ms
    network: { latency: 15ms..28ms, drop: 0.21 }
  - at: 3524ms
    heal: true
  - at: 3963ms
    partition: [[n4, n5, n6, n7], [n1, n2, n3]]
  - at: 4096ms
    network: { latency: 9ms..19ms, drop: 0.01 }
  - at: 4154ms
    heal: true
  - at: 4774ms
    cut: { from: leader, to: n1, both: true }
`;

describe('primary/replica shipping under duplication', () => {
  it('a duplicated or overlapping reply does not send the batch again: the copies do not multiply', () => {
    const scenario = parseScenario(WORLD, 'fuzz-seed-263.yaml');
    const run = runScenario(scenario).runs[0]!;
    // About 7,500 events with one batch in flight per replica; the multiplying copies made millions.
    expect(run.summary.events).toBeLessThan(50_000);
    expect(run.summary.messages.sent).toBeLessThan(40_000);
    expect(run.summary.converged).toBe(true);
  });
});
