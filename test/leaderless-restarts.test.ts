import { describe, expect, it } from 'vitest';
import type { NodeContext } from '../src/core/protocol.ts';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';
import { Cluster } from './helpers/leaderless.ts';

/**
 * A coordinator that crashes and restarts while its requests are on the
 * wire: the replicas still answer them, after the restart, and the new
 * incarnation must not take those answers for answers to its own requests
 * (docs/leaderless.md: "the requests it was coordinating do not [survive a
 * crash]"). Each test is named after the rule it checks.
 */

const NAMES = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** Crashes `node` (messages in flight to it are lost, those it sent are not) and starts it again from its disk. */
function restart(c: Cluster, node: number): void {
  c.drop((s) => s.to === node);
  c.timers[node]!.clear();
  const context = (c as unknown as { context(self: number): NodeContext }).context(node);
  c.nodes[node] = c.protocol.createNode(context, c.stables[node]!);
  c.nodes[node]!.start();
}

/** A node that is not a replica of `key` (so every answer it counts comes over the network). */
function coordinatorFor(c: Cluster, key: string): number {
  return c.preference(key)[3]!;
}

describe('a restarted coordinator and the answers to its previous incarnation', () => {
  it('a read is answered from replies to itself, not from replies to a request the node sent before it crashed (another key)', () => {
    const c = new Cluster(NAMES, { writeQuorum: 3, readQuorum: 2, readRepair: 'none' });
    const coord = coordinatorFor(c, 'k1');
    c.request(coord, { f: 'write', key: 'k1', value: 1 });
    c.request(coord, { f: 'write', key: 'k2', value: 2 });
    c.settle();
    // A fresh coordinator whose first request reads k2; it crashes with the Reads on the wire.
    restart(c, coord);
    c.request(coord, { f: 'read', key: 'k2', value: null });
    restart(c, coord);
    // The next incarnation's first request reads k1.
    const seq = c.request(coord, { f: 'read', key: 'k1', value: null });
    c.settle();
    const reply = c.replyTo(seq);
    expect(reply?.ok).toBe(true);
    expect(reply?.value).toBe(1);
  });

  it('a write is acknowledged once W replicas stored it: acknowledgements of a write sent before the coordinator crashed do not count', () => {
    const c = new Cluster(NAMES, { writeQuorum: 2, readQuorum: 2 });
    const coord = coordinatorFor(c, 'k1');
    const replicas = c.preference('k1').slice(0, 3).sort().join();
    // Another key on the same three replicas, so that every acknowledgement of its write comes from one of k1's.
    const other = Array.from({ length: 200 }, (_, i) => `k${i + 2}`).find((k) => c.preference(k).slice(0, 3).sort().join() === replicas)!;
    expect(other).toBeDefined();
    restart(c, coord);
    c.request(coord, { f: 'write', key: other, value: 2 });
    restart(c, coord);
    const seq = c.request(coord, { f: 'write', key: 'k1', value: 1 });
    // The new write never reaches a replica.
    c.drop((s) => s.msg.kind === 1 && s.msg['key'] === 'k1');
    c.settle();
    expect(c.replyTo(seq)).toBeUndefined();
    for (const r of c.preference('k1').slice(0, 3)) expect(c.value(r, 'k1')).toBeNull();
  });
});

/**
 * The scenario the rule was found with (reduced by hand): n1 crashes and
 * restarts twice within 13 ms, every 150 ms, while replies of 40–80 ms
 * round trips are on the wire; QUORUM/QUORUM with blocking read repair and
 * clocks in agreement promises all five.
 */
const BLIPS = (() => {
  const faults: string[] = [];
  for (let i = 0, t = 300; i < 30; i++, t += 150) {
    faults.push(`  - { at: ${t}ms, crash: n1 }`, `  - { at: ${t + 1}ms, restart: n1 }`, `  - { at: ${t + 12}ms, crash: n1 }`, `  - { at: ${t + 13}ms, restart: n1 }`);
  }
  return [
    'name: leaderless-restart-blips',
    'seed: 61',
    'duration: 5s',
    'settle: 3s',
    'nodes: 3',
    'network: { latency: 20ms..40ms }',
    'models:',
    '  - { kind: leaderless, name: abd, writeQuorum: quorum, readQuorum: quorum, readRepair: blocking }',
    'workload: { clients: 9, interval: 5ms, timeout: 120ms, keys: 3, reads: 0.5 }',
    'faults:',
    ...faults,
  ].join('\n');
})();

describe('a coordinator restarting under load keeps its configuration’s promises', () => {
  it.each([6, 61, 69])('QUORUM/QUORUM, blocking read repair, seed %i: linearizable, nothing lost, nothing stale', (seed) => {
    const scenario = parseScenario(BLIPS.replace('seed: 61', `seed: ${seed}`), 'blips.yaml');
    const [run] = runScenario(scenario).runs;
    expect(run!.summary.lostWrites).toBe(0);
    expect(run!.summary.staleReads).toBe(0);
    expect(run!.summary.linearizable).toBe(true);
    expect(run!.summary.violations).toEqual([]);
  });
});

/**
 * The same bug as the fuzzer found it (`raftsim fuzz --model leaderless
 * --options writeQuorum=quorum,readQuorum=quorum,readRepair=blocking,
 * sloppyQuorum=false,conflicts=lww --start 1761 --seeds 1`), shrunk to seven
 * faults: n1, paused with requests pending, crashes and restarts twice
 * within 120 ms. Not linearizable before the fix.
 */
const SHRUNK_1761 = `
seed: 1761
duration: 1400ms
settle: 1s
nodes: 5
network: { latency: 5ms..25ms, drop: 0.15, duplicate: 0.06 }
models:
  - { kind: leaderless, replicas: 5, writeQuorum: quorum, readQuorum: quorum, readRepair: blocking, sloppyQuorum: false, antiEntropy: 0 }
workload: { clients: 6, interval: 44ms, timeout: 167ms, keys: 3, reads: 0.29 }
faults:
  - { at: 772ms, pause: n1 }
  - { at: 1017ms, crash: n5 }
  - { at: 1033ms, restart: n5 }
  - { at: 1104ms, crash: n1 }
  - { at: 1121ms, restart: n1 }
  - { at: 1200ms, crash: n1 }
  - { at: 1221ms, restart: n1 }
`;

describe('the shrunk world the fuzzer found', () => {
  it('QUORUM/QUORUM of 5 replicas, blocking read repair: a paused coordinator crashed and restarted twice keeps a linearizable history', () => {
    const [run] = runScenario(parseScenario(`name: fuzz-leaderless-seed-1761${SHRUNK_1761}`, 'leaderless-seed-1761.yaml')).runs;
    expect(run!.summary.promises).toContain('linearizable history');
    expect(run!.summary.linearizable).toBe(true);
    expect(run!.summary.violations).toEqual([]);
  });
});
