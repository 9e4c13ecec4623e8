import { describe, expect, it } from 'vitest';
import { fnv1a, newer, Ring, SUSPECT_US, type Version } from '../src/protocols/leaderless/index.ts';
import { Cluster } from './helpers/leaderless.ts';

/** Each test is named after the rule of docs/leaderless.md it checks. */

const NAMES = ['n1', 'n2', 'n3', 'n4', 'n5'];
const write = (value: number) => ({ f: 'write' as const, key: 'k1', value });
const read = { f: 'read' as const, key: 'k1', value: null };

/** Lets pings flow for `us` so that every failure detector has heard from everyone it can reach. */
function pingFor(c: Cluster, us: number): void {
  for (let t = 0; t < us; t += 50_000) {
    c.advance(50_000);
    c.settle((s) => s.msg.kind === 0);
  }
}

describe('consistent hashing', () => {
  it('a key’s preference list holds every node exactly once, the same on every ring built from the same names', () => {
    const a = new Ring(NAMES);
    const b = new Ring([...NAMES]);
    for (const key of ['k1', 'k2', 'k3', 'user:42', '']) {
      const list = [...a.preference(key)];
      expect([...list].sort()).toEqual([0, 1, 2, 3, 4]);
      expect([...b.preference(key)]).toEqual(list);
    }
  });

  it('keys spread over the nodes: with 200 keys every node is the first replica of some', () => {
    const ring = new Ring(NAMES);
    const first = new Set<number>();
    for (let i = 0; i < 200; i++) first.add(ring.preference(`k${i}`)[0]!);
    expect(first.size).toBe(5);
  });

  it('the hash is FNV-1a with a final avalanche: stable values', () => {
    expect(fnv1a('k1')).toBe(fnv1a('k1'));
    expect(fnv1a('k1')).not.toBe(fnv1a('k2'));
  });
});

describe('last-write-wins', () => {
  it('the later stamp wins; equal stamps go to the higher coordinator index', () => {
    const a: Version = { value: 1, ts: 10, node: 0 };
    const b: Version = { value: 2, ts: 11, node: 0 };
    const c: Version = { value: 3, ts: 10, node: 4 };
    expect(newer(b, a)).toBe(true);
    expect(newer(a, b)).toBe(false);
    expect(newer(c, a)).toBe(true);
    expect(newer(a, null)).toBe(true);
    expect(newer(a, a)).toBe(false);
  });

  it('a replica keeps the newer version and ignores an older one arriving later (and says so to the observer)', () => {
    const c = new Cluster(NAMES, { writeQuorum: 3 });
    const [r1] = c.preference('k1');
    const s1 = c.request(r1!, write(1));
    c.settle();
    c.clock[r1!] = c.clock[r1!]! - 10_000; // a stamp below the first write's
    expect(c.replyTo(s1)?.ok).toBe(true);
    c.nodes[r1!]!.onMessage(r1!, { kind: 1, term: 0, key: 'k1', version: { value: 99, ts: 0, node: 0 }, req: -1, hintFor: -1 } as never);
    expect(c.value(r1!, 'k1')).toBe(1);
    expect(c.received.at(-1)).toMatchObject({ kept: false });
  });

  it('a coordinator whose clock is 50 ms behind stamps a write below one acknowledged 10 ms earlier: the later write loses', () => {
    const c = new Cluster(NAMES, { writeQuorum: 3, readQuorum: 1, clockOffsetUs: [0, 0, 0, 0, 0] });
    const [a, b] = c.preference('k1');
    const first = c.request(a!, write(1));
    c.settle();
    expect(c.replyTo(first)?.ok).toBe(true);
    c.clock[b!] = c.clock[a!]! - 50_000 + 10_000;
    const second = c.request(b!, write(2));
    c.settle();
    expect(c.replyTo(second)?.ok).toBe(true); // acknowledged...
    const r = c.request(a!, read);
    c.settle();
    expect(c.replyTo(r)?.value).toBe(1); // ...and silently dropped
  });

  it('stamps are strictly increasing on one coordinator even when its clock stands still', () => {
    const c = new Cluster(NAMES, { writeQuorum: 1 });
    const [a] = c.preference('k1');
    c.request(a!, write(1));
    c.request(a!, write(2));
    c.settle();
    expect(c.value(a!, 'k1')).toBe(2);
  });
});

describe('quorums', () => {
  it('a write is acknowledged once W replicas stored it, not before', () => {
    const c = new Cluster(NAMES, { writeQuorum: 3 });
    const [a, b, d] = c.preference('k1');
    const s = c.request(a!, write(1)); // the coordinator's own copy counts as one
    c.settle((m) => m.to === b || m.from === b);
    expect(c.replyTo(s)).toBeUndefined();
    c.settle((m) => m.to === d || m.from === d);
    expect(c.replyTo(s)).toEqual({ client: a, seq: s, ok: true });
  });

  it('a coordinator that is not a replica forwards to the N replicas and counts their acknowledgements', () => {
    const c = new Cluster(NAMES, { writeQuorum: 2 });
    const list = c.preference('k1');
    const outsider = list[3]!;
    const s = c.request(outsider, write(7));
    c.settle();
    expect(c.replyTo(s)?.ok).toBe(true);
    expect(c.value(outsider, 'k1')).toBeNull();
    for (const r of list.slice(0, 3)) expect(c.value(r, 'k1')).toBe(7);
  });

  it('strict quorum: with fewer than W replicas believed up, a write is refused as unavailable and nothing is sent', () => {
    const c = new Cluster(NAMES, { writeQuorum: 2 });
    const [a, b, d] = c.preference('k1');
    c.isolate(a!);
    pingFor(c, SUSPECT_US + 100_000);
    const before = c.queue.length;
    const s = c.request(a!, write(1));
    expect(c.replyTo(s)).toMatchObject({ ok: false, error: 'unavailable' });
    expect(c.queue.length).toBe(before);
    expect(c.value(a!, 'k1')).toBeNull();
    void b;
    void d;
  });

  it('a write short of W at the timeout is answered unknown (info) and stays where it landed: nothing is rolled back', () => {
    const c = new Cluster(NAMES, { writeQuorum: 3, hintedHandoff: false });
    const [a, b] = c.preference('k1');
    const s = c.request(a!, write(5));
    c.settle((m) => m.to === b || m.from === b);
    c.drop(() => true);
    c.advance(500_000);
    expect(c.replyTo(s)).toMatchObject({ ok: false, indeterminate: true });
    expect(c.value(a!, 'k1')).toBe(5);
    expect(c.value(b!, 'k1')).toBe(5);
  });

  it('a read answers with the newest version among the first R replies', () => {
    const c = new Cluster(NAMES, { writeQuorum: 1, readQuorum: 2, readRepair: 'none' });
    const [a, b] = c.preference('k1');
    c.request(b!, write(3));
    c.drop(() => true); // only b holds 3
    const r = c.request(a!, read);
    c.settle((m) => m.to === b || m.from === b);
    expect(c.replyTo(r)).toMatchObject({ ok: true, value: 3 });
  });

  it('a compare-and-set is refused as unsupported (it would need consensus) and writes nothing', () => {
    const c = new Cluster(NAMES);
    const [a] = c.preference('k1');
    const s = c.request(a!, { f: 'cas', key: 'k1', value: [null, 1] });
    expect(c.replyTo(s)).toMatchObject({ ok: false, error: 'unsupported' });
    expect(c.queue).toHaveLength(0);
  });
});

describe('read repair', () => {
  function staleThird(mode: 'none' | 'async' | 'blocking') {
    const c = new Cluster(NAMES, { writeQuorum: 2, readQuorum: 2, readRepair: mode, hintedHandoff: false });
    const [a, b, d] = c.preference('k1');
    c.request(a!, write(1));
    c.settle((m) => m.to === b || m.from === b);
    c.drop(() => true); // d never got it
    return { c, a: a!, b: b!, d: d! };
  }

  it('blocking: the stale replier is brought up to date before the read answers', () => {
    const { c, a, d } = staleThird('blocking');
    const r = c.request(a, read); // a's own reply (1) and d's (nothing) are the first two
    c.settle((m) => (m.msg.kind === 3 || m.msg.kind === 4) && (m.to === d || m.from === d));
    c.settle((m) => m.msg.kind === 1 && m.to === d); // the repair lands on d...
    expect(c.value(d, 'k1')).toBe(1);
    expect(c.replyTo(r)).toBeUndefined(); // ...but the read waits for its acknowledgement
    c.settle((m) => m.msg.kind === 2 && m.from === d);
    expect(c.replyTo(r)).toMatchObject({ ok: true, value: 1 });
  });

  it('blocking: when the repair cannot land, the read does not answer; at the timeout it fails', () => {
    const { c, a, d } = staleThird('blocking');
    const r = c.request(a, read);
    c.settle((m) => (m.msg.kind === 3 || m.msg.kind === 4) && (m.to === d || m.from === d));
    c.drop((m) => m.msg.kind === 1 && m.to === d);
    c.settle();
    expect(c.replyTo(r)).toBeUndefined();
    c.advance(500_000);
    expect(c.replyTo(r)).toMatchObject({ ok: false, error: 'timeout' });
  });

  it('async: the read answers first, then repairs the stale replier', () => {
    const { c, a, d } = staleThird('async');
    const r = c.request(a, read);
    c.settle((m) => (m.msg.kind === 3 || m.msg.kind === 4) && (m.to === d || m.from === d));
    expect(c.replyTo(r)).toMatchObject({ ok: true, value: 1 });
    expect(c.value(d, 'k1')).toBeNull();
    c.settle();
    expect(c.value(d, 'k1')).toBe(1);
  });

  it('none: a replica a read found behind stays behind', () => {
    const { c, a, d } = staleThird('none');
    const r = c.request(a, read);
    c.settle();
    expect(c.replyTo(r)).toMatchObject({ ok: true, value: 1 });
    expect(c.value(d, 'k1')).toBeNull();
  });
});

describe('sloppy quorum and hinted handoff', () => {
  it('a fallback stands in for a replica believed down, counts toward W, and hands the write over when the replica is back', () => {
    const c = new Cluster(NAMES, { writeQuorum: 3, sloppyQuorum: true, hintedHandoff: true });
    const list = c.preference('k1');
    const [a, , down] = list;
    const fallback = list[3]!;
    c.isolate(down!);
    pingFor(c, SUSPECT_US + 100_000);
    const s = c.request(a!, write(4));
    c.settle((m) => m.msg.kind !== 0);
    expect(c.replyTo(s)?.ok).toBe(true);
    expect(c.value(fallback, 'k1')).toBe(4);
    expect(c.value(down!, 'k1')).toBeNull();
    c.heal();
    pingFor(c, 600_000);
    c.settle();
    expect(c.value(down!, 'k1')).toBe(4);
  });

  it('strict quorum with the same replica down: W = 3 cannot be met (unavailable)', () => {
    const c = new Cluster(NAMES, { writeQuorum: 3, sloppyQuorum: false });
    const [a, , down] = c.preference('k1');
    c.isolate(down!);
    pingFor(c, SUSPECT_US + 100_000);
    expect(c.replyTo(c.request(a!, write(4)))).toMatchObject({ ok: false, error: 'unavailable' });
  });

  it('a coordinator keeps a hint for a replica that did not acknowledge, and delivers it later', () => {
    const c = new Cluster(NAMES, { writeQuorum: 2, hintedHandoff: true });
    const [a, b, d] = c.preference('k1');
    const s = c.request(a!, write(8));
    c.settle((m) => m.to === b || m.from === b);
    c.drop(() => true); // d missed it
    expect(c.replyTo(s)?.ok).toBe(true);
    c.advance(500_000); // the request closes: a hint for d
    pingFor(c, 600_000);
    c.settle();
    expect(c.value(d!, 'k1')).toBe(8);
  });
});

describe('anti-entropy', () => {
  it('replicas that missed a write get it from a peer within n - 1 rounds', () => {
    const c = new Cluster(NAMES, { writeQuorum: 1, hintedHandoff: false, readRepair: 'none', antiEntropyUs: 100_000 });
    const [a, b, d] = c.preference('k1');
    c.request(a!, write(6));
    c.drop(() => true);
    for (let round = 0; round < 10; round++) {
      c.advance(100_000);
      c.settle();
    }
    expect(c.value(b!, 'k1')).toBe(6);
    expect(c.value(d!, 'k1')).toBe(6);
    // A node that is not a replica of the key does not keep it.
    expect(c.value(c.preference('k1')[4]!, 'k1')).toBeNull();
  });
});
