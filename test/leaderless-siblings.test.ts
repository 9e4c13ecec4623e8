import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it, test } from 'vitest';
import { descends, mergeSibling, resolveSiblings, type LeaderlessConfig, type Version } from '../src/protocols/leaderless/index.ts';
import { leaderlessPromises, type LeaderlessModelSpec } from '../src/run/leaderless-model.ts';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';
import { Cluster, leaderlessSpec, partitionScenario } from './helpers/leaderless.ts';

/** `conflicts: siblings` (docs/leaderless.md, "Version vectors and siblings"): each test is named after the rule it checks. */

const NAMES = ['n1', 'n2', 'n3', 'n4', 'n5'];
const write = (value: number) => ({ f: 'write' as const, key: 'k1', value });
const read = { f: 'read' as const, key: 'k1', value: null };
const v = (value: number, vv: number[], ts = 0, node = 0): Version => ({ value, ts, node, vv });
const values = (c: Cluster, node: number) => c.nodes[node]!.siblingsOf('k1').map((s) => s.value).sort();

describe('dominance', () => {
  it('a version descends from another when its vector is at least as large in every entry; a version descends from itself', () => {
    const a = v(1, [1]);
    const b = v(2, [1, 2]);
    expect(descends(b, a)).toBe(true);
    expect(descends(a, b)).toBe(false);
    expect(descends(a, a)).toBe(true);
  });

  it('vectors neither of which is at least the other are concurrent: neither descends', () => {
    const a = v(1, [1, 0]);
    const b = v(2, [0, 1]);
    expect(descends(a, b)).toBe(false);
    expect(descends(b, a)).toBe(false);
  });

  it('merging keeps concurrent versions, drops those the new one descends from, and ignores one already descended from', () => {
    const a = v(1, [1, 0]);
    const b = v(2, [0, 1]);
    const both = mergeSibling([a], b)!;
    expect(both).toEqual([a, b]);
    const c = v(3, [1, 1, 3]);
    expect(mergeSibling(both, c)).toEqual([c]);
    expect(mergeSibling([c], a)).toBeNull();
    expect(mergeSibling([c], c)).toBeNull();
  });

  it('the clocks play no part: a version stamped earlier still replaces one it descends from', () => {
    const late = v(1, [1], 1_000_000);
    const early = v(2, [2], 5);
    expect(mergeSibling([late], early)).toEqual([early]);
  });
});

describe('concurrent writes kept as siblings', () => {
  it('two clients writing without having read each other: every replica that got both keeps both', () => {
    const c = new Cluster(NAMES, { conflicts: 'siblings', writeQuorum: 3 });
    const [a, b, r3] = c.preference('k1');
    const s1 = c.request(a!, write(1));
    const s2 = c.request(b!, write(2));
    c.settle();
    expect([c.replyTo(s1)?.ok, c.replyTo(s2)?.ok]).toEqual([true, true]);
    for (const node of [a!, b!, r3!]) expect(values(c, node)).toEqual([1, 2]);
  });

  it('a client’s successive writes descend from each other: no sibling with itself', () => {
    const c = new Cluster(NAMES, { conflicts: 'siblings', writeQuorum: 3 });
    const [a] = c.preference('k1');
    c.request(a!, write(1));
    c.settle();
    c.request(a!, write(2));
    c.settle();
    expect(values(c, a!)).toEqual([2]);
  });

  it('a write coordinated by a clock 50 ms behind, acknowledged after another, is kept beside it — not dropped as last-write-wins drops it', () => {
    const c = new Cluster(NAMES, { conflicts: 'siblings', writeQuorum: 3, readQuorum: 1 });
    const [a, b] = c.preference('k1');
    const first = c.request(a!, write(1));
    c.settle();
    expect(c.replyTo(first)?.ok).toBe(true);
    c.clock[b!] = c.clock[a!]! - 50_000 + 10_000;
    const second = c.request(b!, write(2));
    c.settle();
    expect(c.replyTo(second)?.ok).toBe(true);
    for (const node of c.preference('k1').slice(0, 3)) expect(values(c, node)).toEqual([1, 2]);
  });
});

describe('client merge', () => {
  it('a read answers with the sibling of the newest stamp (then the higher coordinator index)', () => {
    expect(resolveSiblings([v(1, [1], 10, 4), v(2, [0, 1], 20, 0), v(3, [0, 0, 1], 20, 1)])?.value).toBe(3);
    expect(resolveSiblings([])).toBeNull();
  });

  it('the reading client’s next write descends from every sibling it read: the conflict is resolved on the replicas', () => {
    const c = new Cluster(NAMES, { conflicts: 'siblings', writeQuorum: 3, readQuorum: 3 });
    const [a, b, r3] = c.preference('k1');
    c.request(a!, write(1));
    c.request(b!, write(2));
    c.settle();
    const r = c.request(r3!, read);
    c.settle();
    expect([1, 2]).toContain(c.replyTo(r)?.value);
    c.request(r3!, write(3));
    c.settle();
    for (const node of [a!, b!, r3!]) expect(values(c, node)).toEqual([3]);
  });

  it('a client that did not read the siblings writes one more sibling rather than replacing what it never saw', () => {
    const c = new Cluster(NAMES, { conflicts: 'siblings', writeQuorum: 3 });
    const [a, b, r3] = c.preference('k1');
    c.request(a!, write(1));
    c.request(b!, write(2));
    c.settle();
    c.request(r3!, write(3));
    c.settle();
    expect(values(c, a!)).toEqual([1, 2, 3]);
  });
});

describe('read repair by dominance', () => {
  /** Writes 1 (from a) and 2 (from b) concurrently, with 2 kept from replica `behind`; W=2, R=3 unless `config` says otherwise. */
  function oneReplicaLacksASibling(config: Partial<LeaderlessConfig>) {
    const c = new Cluster(NAMES, { conflicts: 'siblings', writeQuorum: 2, readQuorum: 3, ...config });
    const [a, b, behind] = c.preference('k1');
    c.request(a!, write(1));
    c.settle();
    c.request(b!, write(2));
    c.drop((s) => s.to === behind && s.msg.kind === 1);
    c.settle();
    expect(values(c, behind!)).toEqual([1]);
    return { c, a: a!, b: b!, behind: behind! };
  }

  it('blocking: a replica lacking a sibling gets the merged siblings before the read answers', () => {
    const { c, a, behind } = oneReplicaLacksASibling({ readRepair: 'blocking' });
    const r = c.request(a, read);
    c.settle((s) => s.msg.kind !== 2); // hold the repair's acknowledgement
    expect(c.replyTo(r)).toBeUndefined();
    expect(values(c, behind)).toEqual([1, 2]);
    c.settle();
    expect(c.replyTo(r)?.ok).toBe(true);
  });

  it('a replica holding a version that descends from every merged sibling is not behind: nothing is sent to it', () => {
    const c = new Cluster(NAMES, { conflicts: 'siblings', writeQuorum: 3, readQuorum: 3 });
    const [a] = c.preference('k1');
    c.request(a!, write(1));
    c.settle();
    const r = c.request(a!, read);
    const sent = c.settle();
    expect(c.replyTo(r)?.value).toBe(1);
    expect(sent).toBe(4); // two Reads, two ReadReplies: no repair
  });

  it('none: a replica a read found lacking a sibling stays so', () => {
    const { c, a, behind } = oneReplicaLacksASibling({ readRepair: 'none' });
    c.request(a, read);
    c.settle();
    expect(values(c, behind)).toEqual([1]);
  });

  it('anti-entropy merges sibling sets by dominance: both peers end with the same siblings', () => {
    const { c, a, b, behind } = oneReplicaLacksASibling({ readQuorum: 2, antiEntropyUs: 100_000 });
    for (let i = 0; i < 5; i++) {
      c.advance(100_000);
      c.settle((s) => s.msg.kind !== 0);
    }
    for (const node of [a, b, behind]) expect(values(c, node)).toEqual([1, 2]);
  });
});

const spec = (over: Partial<LeaderlessModelSpec> = {}): LeaderlessModelSpec => leaderlessSpec({ conflicts: 'siblings', ...over });

describe('what siblings promise', () => {
  test('no lost writes whatever the clocks, no dirty reads, convergence — but neither freshness nor linearizability (a read is the client’s pick)', () => {
    for (const clocks of [{}, { clockOffsetUs: { n3: -50_000 } }, { clockDrift: { n1: 0.05 } }]) {
      expect(leaderlessPromises(spec(clocks)).promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
      expect(leaderlessPromises(spec({ ...clocks, writeQuorum: 'one', readQuorum: 'one' })).promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
    }
  });

  test('a sloppy quorum without hinted handoff can strand a write on a fallback: only convergence', () => {
    expect(leaderlessPromises(spec({ sloppyQuorum: true, hintedHandoff: false })).promised).toEqual(['converges']);
  });
});

function scenario(seed: number, model: string, minority: readonly string[]): string {
  return partitionScenario({ name: 'siblings-property', seed, model, minority, network: '{ latency: 5ms..15ms }' });
}

describe('siblings keep every acknowledged write under partitions, crashes and clocks that disagree', () => {
  const minority = fc.constantFrom(['n1'], ['n1', 'n2'], ['n2', 'n5'], ['n3', 'n4']);
  const clocks = fc.constantFrom('{ n3: -50ms }', '{ n1: 100ms, n4: -20ms }', '{ n5: -200ms }');
  fcTest.prop([fc.integer({ min: 1, max: 1_000_000 }), minority, clocks], { numRuns: 6 })('strict QUORUM/QUORUM with a clock behind: no lost writes, no dirty reads, converged', (seed, side, offset) => {
    const run = runScenario(parseScenario(scenario(seed, `{ kind: leaderless, conflicts: siblings, clockOffset: ${offset}, clockDrift: { n2: 0.05 } }`, side), 'property.yaml')).runs[0]!;
    expect(run.summary.violations).toEqual([]);
    expect(run.summary.lostWrites).toBe(0);
    expect(run.summary.dirtyReads).toBe(0);
    expect(run.summary.converged).toBe(true);
  });

  test('the same runs under last-write-wins lose acknowledged writes (the clock matters there)', () => {
    let lost = 0;
    for (const seed of [1, 2, 3]) lost += runScenario(parseScenario(scenario(seed, '{ kind: leaderless, clockOffset: { n3: -50ms } }', ['n1']), 'property.yaml')).runs[0]!.summary.lostWrites;
    expect(lost).toBeGreaterThan(0);
  });
});
