import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';

/**
 * A world the fuzzer drew (seed 624, async replication with automatic
 * failover): three nodes crash and restart in bursts, and every fault is
 * healed at 5 s. Two replicas then ran for the lock at once. n2 won epoch 4
 * and took office; the late refusal of its rival n1 — which had granted
 * epoch 5 to itself and was still asking the others — made n2 step down; n1
 * won epoch 5 the next time, and n2's own self-grant of epoch 6 deposed it in
 * turn. The two deposed each other for the whole liveness phase: no primary.
 * A node's promise to itself is not the lock; a refusal naming its own
 * sender no longer raises a primary's epoch.
 */
const WORLD = `name: fuzz-primary-replica-seed-624
description: >
  Found by raftsim fuzz (seed 624) and shrunk. Breaks converges after settle
  (a promise, judged on the whole run) in the liveness phase (every fault
  healed at 5s, 3s to converge): not converged 3000 ms after every fault was
  healed: no primary. The expect line states what the configuration promises
  and fails.
seed: 624
duration: 5s
settle: 3s
nodes: 3
network:
  latency: 7ms..18ms
  drop: 0.14
  duplicate: 0.12
models:
  - kind: primary-replica
    replication: async
    failover: auto
workload:
  clients: 2
  interval: 6ms
  timeout: 168ms
  keys: 1
  reads: 0.68
  cas: 0.09
faults:
  - at: 416ms
    crash: n3
  - at: 429ms
    restart: n3
  - at: 491ms
    crash: n2
  - at: 516ms
    restart: n2
  - at: 567ms
    crash: n1
  - at: 573ms
    restart: n1
  - at: 604ms
    crash: n3
  - at: 622ms
    restart: n3
  - at: 654ms
    isolate: leader
  - at: 691ms
    crash: n3
  - at: 708ms
    restart: n3
  - at: 720ms
    crash: n1
  - at: 726ms
    restart: n1
  - at: 767ms
    crash: n1
  - at: 791ms
    restart: n1
  - at: 855ms
    crash: n3
  - at: 889ms
    restart: n3
  - at: 969ms
    crash: n2
  - at: 971ms
    restart: n2
  - at: 1688ms
    isolate: n3
  - at: 1914ms
    crash: n2
  - at: 1922ms
    restart: n2
  - at: 1975ms
    crash: n3
  - at: 1986ms
    restart: n3
  - at: 2036ms
    crash: n2
  - at: 2057ms
    restart: n2
  - at: 2126ms
    crash: n2
  - at: 2146ms
    restart: n2
  - at: 2226ms
    crash: n1
  - at: 2237ms
    restart: n1
  - at: 2256ms
    crash: n1
  - at: 2263ms
    restart: n1
  - at: 2325ms
    crash: n3
  - at: 2361ms
    restart: n3
  - at: 2368ms
    crash: n2
  - at: 2395ms
    restart: n2
  - at: 2410ms
    crash: n3
  - at: 2441ms
    restart: n3
  - at: 2517ms
    crash: n1
  - at: 2525ms
    restart: n1
  - at: 2732ms
    heal: true
  - at: 3123ms
    partition: [[n1, n2], [n3]]
  - at: 3200ms
    heal: true
  - at: 3577445us
    isolate: leader
  - at: 3577445us
    crash: leader
  - at: 4062ms
    partition: [[n1, n2], [n3]]
  - at: 4673ms
    heal: true
expect:
  primary-replica: { converged: true }
`;

describe('primary/replica failover converges', () => {
  it("a rival candidate's grant to itself does not depose a primary that holds the lock: the cluster converges after settle", () => {
    const run = runScenario(parseScenario(WORLD, 'fuzz-seed-624.yaml')).runs[0]!;
    expect(run.unconverged).toBeNull();
    expect(run.summary.converged).toBe(true);
    expect(run.summary.violations).toEqual([]);
  });
});
