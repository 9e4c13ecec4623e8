/**
 * Writes the adversarial scenarios of test/adversarial/ (their long fault
 * lists are drawn here, from a fixed seed, so that regenerating gives the
 * same files). The YAML is committed; this script only documents where the
 * fault lists came from and lets a new shape be added the same way.
 *
 *     npx tsx scripts/gen-adversarial.ts        # rewrites test/adversarial/*.yaml
 *
 * Each scenario states, per model, what that configuration promises (the
 * `expect` lines); scripts/sweep.ts runs them over many seeds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = join(import.meta.dirname, '..', 'test', 'adversarial');

/** mulberry32: a small deterministic generator, so the fault lists do not change between runs of this script. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Fault = [atMs: number, action: string];

interface Shape {
  file: string;
  name: string;
  description: string;
  nodes: number;
  durationMs: number;
  settleMs: number;
  network: string;
  models: string;
  workload: string;
  faults: Fault[];
  expect: string;
}

// ---------------------------------------------------------------- models and their promises

const RAFT_MODELS = `models:
  - { kind: raft, name: log }
  - { kind: raft, name: log-pv-cq, preVote: true, checkQuorum: true }
  - { kind: raft, name: readindex, reads: readIndex }
  - { kind: raft, name: readindex-pv-snap, reads: readIndex, preVote: true, snapshotEvery: 20 }
  - { kind: raft, name: lease-cq, reads: lease, checkQuorum: true }
  - { kind: raft, name: lease-pv-cq, reads: lease, preVote: true, checkQuorum: true }`;

const RAFT_PROMISE = '{ violations: 0, lostWrites: 0, staleReads: 0, dirtyReads: 0, linearizable: true }';
const RAFT_EXPECT = `expect:
  log: ${RAFT_PROMISE}
  log-pv-cq: ${RAFT_PROMISE}
  readindex: ${RAFT_PROMISE}
  readindex-pv-snap: ${RAFT_PROMISE}
  lease-cq: ${RAFT_PROMISE}
  lease-pv-cq: ${RAFT_PROMISE}`;

const DRIFT = (d: number) => `{ n1: ${-d}, n2: ${d}, n3: ${d}, n4: ${-d}, n5: ${d} }`;
const DRIFT_MODELS = `models:
  - { kind: raft, name: lease-cq-drift5, reads: lease, checkQuorum: true, clockDrift: ${DRIFT(0.05)} }
  - { kind: raft, name: lease-pv-cq-drift5, reads: lease, preVote: true, checkQuorum: true, clockDrift: ${DRIFT(0.05)} }
  - { kind: raft, name: lease-cq-drift20, reads: lease, checkQuorum: true, maxClockDrift: 0.2, clockDrift: ${DRIFT(0.2)} }
  - { kind: raft, name: readindex-drift20, reads: readIndex, clockDrift: ${DRIFT(0.2)} }
  - { kind: raft, name: log-pv-cq-drift20, preVote: true, checkQuorum: true, clockDrift: ${DRIFT(0.2)} }`;
const DRIFT_EXPECT = `expect:
${['lease-cq-drift5', 'lease-pv-cq-drift5', 'lease-cq-drift20', 'readindex-drift20', 'log-pv-cq-drift20'].map((m) => `  ${m}: ${RAFT_PROMISE}`).join('\n')}`;

const PR_MODELS = `models:
  - { kind: primary-replica, name: sync-first-lease, replication: sync, syncMode: first, failover: auto, fencing: lease }
  - { kind: primary-replica, name: sync-any-lease, replication: sync, syncMode: any, failover: auto, fencing: lease }
  - { kind: primary-replica, name: sync-any2-lease, replication: sync, syncMode: any, syncStandbys: 2, failover: auto, fencing: lease }
  - { kind: primary-replica, name: sync-first-nofence, replication: sync, syncMode: first, failover: auto, fencing: none }
  - { kind: primary-replica, name: sync-nofailover, replication: sync, syncMode: any, failover: none }`;

const PR_SAFE = '{ violations: 0, lostWrites: 0, staleReads: 0, dirtyReads: 0, linearizable: true }';
const PR_EXPECT = `expect:
  sync-first-lease: ${PR_SAFE}
  sync-any-lease: ${PR_SAFE}
  sync-any2-lease: ${PR_SAFE}
  sync-first-nofence: { violations: 0, lostWrites: 0, dirtyReads: 0 }
  sync-nofailover: ${PR_SAFE}`;

const WORKLOAD = (clients: number) => `workload:
  clients: ${clients}
  interval: 20ms
  timeout: 500ms
  keys: 3
  reads: 0.5
  cas: 0.1`;

// ---------------------------------------------------------------- fault lists

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}
function between(r: () => number, lo: number, hi: number): number {
  return Math.round(lo + r() * (hi - lo));
}

/** A fault every 200-300 ms, drawn from every kind; every ~2 s the cluster gets a breather (all restarted, resumed, healed). */
function storm(seed: number, durationMs: number, kinds: readonly string[]): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  let t = between(r, 300, 600);
  let sinceBreather = 0;
  while (t < durationMs - 300) {
    if (sinceBreather > 2000) {
      faults.push([t, 'restart: all'], [t, 'resume: all'], [t, 'heal: true']);
      sinceBreather = 0;
    } else {
      faults.push([t, pick(r, kinds)]);
    }
    const step = between(r, 200, 300);
    t += step;
    sinceBreather += step;
  }
  return faults;
}

const STORM_KINDS = [
  'crash: random',
  'crash: leader',
  'restart: random',
  'restart: random',
  'isolate: leader',
  'isolate: random',
  'partition: [[leader, follower], [rest]]',
  'partition: [[leader], [follower, follower], [rest]]',
  'cut: { from: leader, to: random }',
  'heal: true',
  'heal: true',
  'pause: random',
  'pause: leader',
  'resume: random',
  'resume: all',
  'transfer: { to: random }',
];

/** Moderate faults for the network-shaped scenario: about one a second. */
function sparse(seed: number, durationMs: number): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  for (let t = between(r, 500, 900); t < durationMs - 500; t += between(r, 700, 1200)) {
    const kind = pick(r, ['crash-restart', 'isolate', 'pause', 'transfer']);
    const back = t + between(r, 150, 500);
    if (kind === 'crash-restart') faults.push([t, pick(r, ['crash: leader', 'crash: random'])], [back, 'restart: all']);
    if (kind === 'isolate') faults.push([t, pick(r, ['isolate: leader', 'isolate: random'])], [back, 'heal: true']);
    if (kind === 'pause') faults.push([t, pick(r, ['pause: leader', 'pause: random'])], [back, 'resume: all']);
    if (kind === 'transfer') faults.push([t, 'transfer: { to: random }']);
  }
  return faults;
}

/**
 * Restarts inside leases: a follower (or the leader) crashes and comes back
 * a few ms later, while a one-way cut from the leader makes some node time
 * out and campaign — a restarted voter that forgot it heard from the leader
 * would hand it the votes the leader's lease still counts on.
 */
function leaseRestarts(seed: number, durationMs: number): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  for (let t = between(r, 400, 700); t < durationMs - 700; t += between(r, 500, 800)) {
    const crashes = between(r, 1, 2);
    let at = t;
    for (let i = 0; i < crashes; i++) {
      faults.push([at, r() < 0.25 ? 'crash: leader' : 'crash: random'], [at + between(r, 1, 30), 'restart: all']);
      at += between(r, 0, 20);
    }
    const cut = pick(r, ['cut: { from: leader, to: random }', 'cut: { from: leader, to: random, both: true }', 'isolate: leader', 'partition: [[leader, follower], [rest]]']);
    faults.push([at + between(r, 0, 60), cut]);
    faults.push([at + between(r, 300, 450), 'heal: true']);
  }
  return faults.sort((a, b) => a[0] - b[0]);
}

/**
 * The schedule that lets a restarted voter overtake a lease. n5 freezes for
 * longer than an election timeout (so its election timer fires the moment it
 * resumes); then the leader and its first follower are cut off from the
 * rest, n3 and n4 crash and restart within milliseconds, and n5 resumes and
 * asks them for their votes. When the leader is n1 or n2, n3 and n4 are
 * followers whose acknowledgements still hold up its lease; a restarted voter
 * that forgot it heard from a leader grants the vote, and a second leader
 * acknowledges writes while the first still serves lease reads. (n5 can only
 * win when its log is as up to date as theirs, hence the sparse workload.)
 */
function restartVotes(seed: number, durationMs: number): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  let t = between(r, 300, 500);
  while (t < durationMs - 1200) {
    faults.push([t, 'pause: n5']);
    const cut = t + between(r, 310, 420);
    faults.push([cut, 'partition: [[leader, follower], [rest]]']);
    faults.push([cut + between(r, 0, 2), 'crash: n3'], [cut + between(r, 0, 2), 'crash: n4'], [cut + 3, 'restart: all'], [cut + between(r, 4, 8), 'resume: n5']);
    const heal = cut + between(r, 300, 450);
    faults.push([heal, 'heal: true']);
    t = heal + between(r, 200, 400);
  }
  return faults.sort((a, b) => a[0] - b[0]);
}

/** Transfers cut off mid-way: a transfer, then the (old) leader isolated a few ms later, before or after TimeoutNow left. */
function transfers(seed: number, durationMs: number): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  for (let t = between(r, 400, 700); t < durationMs - 800; t += between(r, 700, 1000)) {
    faults.push([t, 'transfer: { to: random }']);
    const cut = t + between(r, 0, 25);
    faults.push([cut, pick(r, ['isolate: leader', 'isolate: leader', 'partition: [[leader, follower], [rest]]', 'cut: { from: random, to: leader }'])]);
    if (r() < 0.3) faults.push([cut + between(r, 1, 40), 'crash: random'], [cut + between(r, 60, 200), 'restart: all']);
    faults.push([cut + between(r, 350, 600), 'heal: true']);
  }
  return faults.sort((a, b) => a[0] - b[0]);
}

/** Membership changes (add/remove, the leader included) under crashes, isolation and pauses every ~300 ms. */
function membership(seed: number, durationMs: number, nodes: number, initial: number): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  const members = new Set(Array.from({ length: initial }, (_, i) => `n${i + 1}`));
  const all = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  for (let t = between(r, 300, 500); t < durationMs - 300; t += between(r, 200, 350)) {
    if (r() < 0.4) {
      const outside = all.filter((n) => !members.has(n));
      // Stay between 3 and `nodes` members (the generator's view; a refused change leaves the real configuration as it was).
      if (outside.length > 0 && (members.size <= 3 || r() < 0.5)) {
        const n = pick(r, outside);
        members.add(n);
        faults.push([t, `add: ${n}`]);
      } else {
        const n = pick(r, [...members]);
        members.delete(n);
        faults.push([t, `remove: ${n}`]);
      }
    } else {
      faults.push([t, pick(r, ['crash: random', 'restart: all', 'restart: random', 'isolate: leader', 'isolate: random', 'heal: true', 'heal: true', 'pause: random', 'resume: all', 'crash: leader'])]);
    }
  }
  return faults;
}

/** Long pauses of the leader (300 ms to 2 s), sometimes with a follower paused or crashed meanwhile. */
function pauses(seed: number, durationMs: number): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  for (let t = between(r, 400, 700); t < durationMs - 2200; ) {
    const len = between(r, 300, 2000);
    faults.push([t, 'pause: leader']);
    if (r() < 0.4) faults.push([t + between(r, 10, len - 10), pick(r, ['pause: random', 'crash: random', 'isolate: random'])]);
    if (r() < 0.3) faults.push([t + between(r, 10, len - 10), 'transfer: { to: random }']);
    faults.push([t + len, 'resume: all'], [t + len, 'restart: all'], [t + len + between(r, 0, 50), 'heal: true']);
    t += len + between(r, 150, 600);
  }
  return faults.sort((a, b) => a[0] - b[0]);
}

/**
 * Leader isolation, again and again, for the drift scenario: the majority side elects a new leader
 * after its (fast) clocks' election timeout, while the isolated (slow-clocked) leader's lease runs
 * out on its own clock. Crashes and restarts of the leader in between.
 */
function isolations(seed: number, durationMs: number): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  for (let t = between(r, 300, 500); t < durationMs - 900; ) {
    const kind = pick(r, ['isolate', 'isolate', 'minority', 'crash']);
    const len = between(r, 300, 700);
    if (kind === 'isolate') faults.push([t, 'isolate: leader'], [t + len, 'heal: true']);
    if (kind === 'minority') faults.push([t, 'partition: [[leader, follower], [rest]]'], [t + len, 'heal: true']);
    if (kind === 'crash') faults.push([t, 'crash: leader'], [t + between(r, 5, 60), 'restart: all']);
    t += len + between(r, 100, 300);
  }
  return faults.sort((a, b) => a[0] - b[0]);
}

/** Everything at once on 7 nodes: the fault storm, transfers and membership changes interleaved. */
function chaos(seed: number, durationMs: number): Fault[] {
  const storms = storm(seed, durationMs, STORM_KINDS);
  const changes = membership(seed + 1, durationMs, 7, 5).filter(([, f]) => f.startsWith('add') || f.startsWith('remove'));
  return [...storms, ...changes].sort((a, b) => a[0] - b[0]);
}

/**
 * One-way cuts: links that carry messages one way only, to and from the leader and between random
 * nodes, healed after `maxCuts` (or by chance). Raft's timeouts are short, the failover manager's
 * lock TTL is a second: its cuts must last longer to matter.
 */
function oneWayCuts(seed: number, durationMs: number, maxCuts = 3, step: [number, number] = [150, 300], healChance = 0.15): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  let cuts = 0;
  for (let t = between(r, 300, 500); t < durationMs - 300; t += between(r, step[0], step[1])) {
    if (cuts >= maxCuts || r() < healChance) {
      faults.push([t, 'heal: true']);
      cuts = 0;
      continue;
    }
    faults.push([t, pick(r, ['cut: { from: leader, to: random }', 'cut: { from: random, to: leader }', 'cut: { from: random, to: random }', 'cut: { from: leader, to: random }'])]);
    cuts++;
  }
  return faults;
}

/** Whole-cluster crashes: every node goes down within ~50 ms, in a random order, and all restart 0.1-0.5 s later; smaller crashes in between. */
function clusterRestarts(seed: number, durationMs: number, nodes: number): Fault[] {
  const r = rng(seed);
  const faults: Fault[] = [];
  for (let t = between(r, 400, 700); t < durationMs - 1000; ) {
    if (r() < 0.5) {
      const order = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      let at = t;
      for (const n of order) faults.push([(at += between(r, 0, 10)), `crash: ${n}`]);
      const back = at + between(r, 100, 500);
      faults.push([back, 'restart: all']);
      t = back + between(r, 400, 800);
    } else {
      faults.push([t, 'crash: leader'], [t + between(r, 0, 30), 'crash: random'], [t + between(r, 40, 300), 'restart: all']);
      t += between(r, 500, 900);
    }
  }
  return faults.sort((a, b) => a[0] - b[0]);
}

// ---------------------------------------------------------------- the scenarios

const shapes: Shape[] = [
  {
    file: 'dup-reorder-7.yaml',
    name: 'adversarial-dup-reorder-7',
    description:
      'Seven nodes on a network that drops 10% of messages, delivers 20% twice and reorders freely (latency 1..80 ms), with a crash, isolation, pause or transfer about once a second. Every safe Raft configuration keeps every promise: nothing lost, no stale or dirty read, a linearizable history, no invariant broken.',
    nodes: 7,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 1ms..80ms\n  drop: 0.1\n  duplicate: 0.2',
    models: RAFT_MODELS,
    workload: WORKLOAD(7),
    faults: sparse(101, 10_000),
    expect: RAFT_EXPECT,
  },
  {
    file: 'fault-storm-7.yaml',
    name: 'adversarial-fault-storm-7',
    description:
      'Seven nodes, a fault every 200-300 ms drawn from every kind (crash and restart, isolation, partitions, one-way cuts, pauses, transfers; at random nodes and at the leader), with a breather every two seconds, on a network that duplicates 5% of messages. Every safe Raft configuration keeps every promise.',
    nodes: 7,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 5ms..25ms\n  duplicate: 0.05',
    models: RAFT_MODELS,
    workload: WORKLOAD(7),
    faults: storm(202, 10_000, STORM_KINDS),
    expect: RAFT_EXPECT,
  },
  {
    file: 'lease-restarts.yaml',
    name: 'adversarial-lease-restarts',
    description:
      "Followers and the leader crash and restart within milliseconds, inside the leader's lease, while one-way cuts and isolation make some node campaign. A restarted voter must not hand a candidate the votes an old leader's lease still counts on. Every safe Raft configuration keeps every promise.",
    nodes: 5,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 2ms..10ms\n  duplicate: 0.05',
    models: RAFT_MODELS,
    workload: WORKLOAD(5),
    faults: leaseRestarts(303, 10_000),
    expect: RAFT_EXPECT,
  },
  {
    file: 'restart-votes.yaml',
    name: 'adversarial-restart-votes',
    description:
      "A node cut off from the leader campaigns; meanwhile two nodes crash and restart within milliseconds and the leader is cut off with one follower. When the restarted nodes are the ones whose acknowledgements hold up the leader's lease, they must not vote for the campaigning node before a minimum election timeout has passed, or a new leader acknowledges writes while the old one still serves lease reads. Every safe Raft configuration keeps every promise.",
    nodes: 5,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 2ms..10ms',
    models: RAFT_MODELS,
    faults: restartVotes(909, 10_000),
    // A sparse workload, mostly reads (which a lease serves without touching the log): n5's log is
    // often as up to date as the restarted voters' when it resumes, so it can win their votes.
    workload: 'workload:\n  clients: 5\n  interval: 150ms\n  timeout: 500ms\n  keys: 1\n  reads: 0.5',
    expect: RAFT_EXPECT,
  },
  {
    file: 'transfer-cut.yaml',
    name: 'adversarial-transfer-cut',
    description:
      'Leadership transfers cut off mid-way: the leader starts a transfer and is isolated a few milliseconds later, before or after its TimeoutNow left, sometimes with a crash on top. An old leader that aborts the transfer must not serve reads the new leader has overtaken. Every safe Raft configuration keeps every promise.',
    nodes: 5,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 2ms..12ms\n  duplicate: 0.1',
    models: RAFT_MODELS,
    workload: WORKLOAD(5),
    faults: transfers(404, 10_000),
    expect: RAFT_EXPECT,
  },
  {
    file: 'membership-faults.yaml',
    name: 'adversarial-membership-faults',
    description:
      'Seven nodes, five of them members at the start; servers are added and removed (the leader included) one at a time while crashes, isolation and pauses hit every ~300 ms. Removed servers must not keep the cluster from converging, and every safe Raft configuration keeps every promise.',
    nodes: 7,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 2ms..15ms\n  duplicate: 0.05',
    models: RAFT_MODELS.replace(/ \}/g, ', members: [n1, n2, n3, n4, n5] }'),
    workload: WORKLOAD(7),
    faults: membership(505, 10_000, 7, 5),
    expect: RAFT_EXPECT,
  },
  {
    file: 'leader-pauses.yaml',
    name: 'adversarial-leader-pauses',
    description:
      'The leader freezes for 0.3 to 2 seconds at a time (a long GC pause) and resumes acting on stale beliefs, sometimes with a follower paused, crashed or isolated, or a transfer asked for, meanwhile. Every safe Raft configuration keeps every promise.',
    nodes: 5,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 2ms..15ms\n  duplicate: 0.05',
    models: RAFT_MODELS,
    workload: WORKLOAD(5),
    faults: pauses(606, 10_000),
    expect: RAFT_EXPECT,
  },
  {
    file: 'drift-within-bound.yaml',
    name: 'adversarial-drift-within-bound',
    description:
      "Clocks drift as far as the lease allows and no further: the nodes that lead often run slow and the others fast, each exactly at maxClockDrift (5%, and 20% with maxClockDrift: 0.2), while the leader is isolated, cut off with one follower, or crashed every half second. Inside its bound a lease is as safe as a read index: every configuration keeps every promise.",
    nodes: 5,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 1ms..10ms',
    models: DRIFT_MODELS,
    workload: WORKLOAD(5),
    faults: isolations(1010, 10_000),
    expect: DRIFT_EXPECT,
  },
  {
    file: 'chaos-7.yaml',
    name: 'adversarial-chaos-7',
    description:
      'Seven nodes, five members at first, on a network that duplicates 20% of messages and reorders (latency 1..60 ms): a fault every 200-300 ms of every kind (transfers included) and membership changes in between. Every safe Raft configuration keeps every promise.',
    nodes: 7,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 1ms..60ms\n  duplicate: 0.2',
    models: RAFT_MODELS.replace(/ \}/g, ', members: [n1, n2, n3, n4, n5] }'),
    workload: WORKLOAD(7),
    faults: chaos(1111, 10_000),
    expect: RAFT_EXPECT,
  },
  {
    file: 'split-votes-7.yaml',
    name: 'adversarial-split-votes-7',
    description:
      'Seven nodes whose election timeouts barely differ (100-120 ms) on a duplicating network whose round trips take up to half an election timeout (latency 5..30 ms, 10% duplicated): elections split again and again while the leader is crashed or cut off every half second, and the workload is mostly compare-and-set on two keys. Every safe Raft configuration keeps every promise.',
    nodes: 7,
    durationMs: 10_000,
    settleMs: 4000,
    network: 'network:\n  latency: 5ms..30ms\n  duplicate: 0.1',
    models: RAFT_MODELS.replace(/ \}/g, ', electionTimeout: 100ms..120ms, heartbeat: 30ms }'),
    workload: 'workload:\n  clients: 7\n  interval: 20ms\n  timeout: 800ms\n  keys: 2\n  reads: 0.3\n  cas: 0.5',
    faults: isolations(1313, 10_000),
    expect: RAFT_EXPECT,
  },
  {
    file: 'pr-dup-reorder.yaml',
    name: 'adversarial-pr-dup-reorder',
    description:
      'Synchronous primary/replica set-ups on a network that drops 5%, duplicates 20% and reorders (latency 1..80 ms), with a crash, isolation or pause of the primary or a random node about once a second. Duplicated and reordered shipments, lock requests and forwards must not make a safe configuration lose, invent or reorder anything.',
    nodes: 5,
    durationMs: 12_000,
    settleMs: 4000,
    network: 'network:\n  latency: 1ms..80ms\n  drop: 0.05\n  duplicate: 0.2',
    models: PR_MODELS,
    workload: WORKLOAD(5),
    faults: sparse(1212, 12_000).filter(([, f]) => !f.startsWith('transfer')),
    expect: PR_EXPECT,
  },
  {
    file: 'one-way-cuts.yaml',
    name: 'adversarial-one-way-cuts',
    description:
      'Links that carry messages one way only: from the leader, to the leader and between random nodes, up to three at a time, a new one every 150-300 ms, healed now and then. A leader that can send but not hear, a follower that hears but cannot answer, a candidate whose votes cannot come back: every safe Raft configuration keeps every promise.',
    nodes: 5,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 2ms..15ms\n  duplicate: 0.05',
    models: RAFT_MODELS,
    workload: WORKLOAD(5),
    faults: oneWayCuts(1414, 10_000),
    expect: RAFT_EXPECT,
  },
  {
    file: 'cluster-restarts.yaml',
    name: 'adversarial-cluster-restarts',
    description:
      'Every node crashes within some 50 ms, in a random order, and all restart 0.1-0.5 s later; leader and random crashes in between. Only what each node persisted survives: terms, votes and logs must carry every acknowledged write through, and every safe Raft configuration keeps every promise.',
    nodes: 5,
    durationMs: 10_000,
    settleMs: 3000,
    network: 'network:\n  latency: 2ms..15ms\n  duplicate: 0.05',
    models: RAFT_MODELS,
    workload: WORKLOAD(5),
    faults: clusterRestarts(1515, 10_000, 5),
    expect: RAFT_EXPECT,
  },
  {
    file: 'pr-one-way-cuts.yaml',
    name: 'adversarial-pr-one-way-cuts',
    description:
      'Synchronous primary/replica set-ups under one-way cuts, to and from the primary and between random nodes: a primary that can ship but not hear the lock, a replica that hears but cannot grant. The configurations that promise to lose nothing keep their promises.',
    nodes: 5,
    durationMs: 12_000,
    settleMs: 4000,
    network: 'network:\n  latency: 2ms..15ms\n  duplicate: 0.05',
    models: PR_MODELS,
    workload: WORKLOAD(5),
    faults: oneWayCuts(1616, 12_000, 5, [300, 600], 0.05),
    expect: PR_EXPECT,
  },
  {
    file: 'pr-cluster-restarts.yaml',
    name: 'adversarial-pr-cluster-restarts',
    description:
      'Synchronous primary/replica set-ups whose every node crashes within some 50 ms and restarts 0.1-0.5 s later, with primary and random crashes in between: what each node persisted must carry every acknowledged write through.',
    nodes: 5,
    durationMs: 12_000,
    settleMs: 4000,
    network: 'network:\n  latency: 2ms..15ms\n  duplicate: 0.05',
    models: PR_MODELS,
    workload: WORKLOAD(5),
    faults: clusterRestarts(1717, 12_000, 5),
    expect: PR_EXPECT,
  },
  {
    file: 'pr-storm.yaml',
    name: 'adversarial-pr-storm',
    description:
      'The primary/replica configurations that promise to lose nothing (synchronous replication with automatic failover) under a fault every 200-300 ms (crashes, isolation, partitions, one-way cuts, pauses; at random nodes and at the primary) on a network that duplicates 10% of messages and reorders. With lease fencing they also promise no stale or dirty read and a linearizable history.',
    nodes: 5,
    durationMs: 12_000,
    settleMs: 4000,
    network: 'network:\n  latency: 2ms..30ms\n  duplicate: 0.1',
    models: PR_MODELS,
    workload: WORKLOAD(5),
    faults: storm(707, 12_000, STORM_KINDS.filter((k) => !k.startsWith('transfer'))),
    expect: PR_EXPECT,
  },
  {
    file: 'pr-pauses.yaml',
    name: 'adversarial-pr-pauses',
    description:
      'Synchronous primary/replica set-ups whose primary freezes for 0.3 to 2 seconds at a time, longer than the lock TTL, and resumes believing it still holds the lock, sometimes with a replica paused, crashed or isolated meanwhile. Lease fencing must keep the frozen primary from answering after a new one took over.',
    nodes: 5,
    durationMs: 12_000,
    settleMs: 4000,
    network: 'network:\n  latency: 2ms..15ms\n  duplicate: 0.05',
    models: PR_MODELS,
    workload: WORKLOAD(5),
    faults: pauses(808, 12_000).filter(([, f]) => !f.startsWith('transfer')),
    expect: PR_EXPECT,
  },
];

function wrap(text: string, width = 74): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => `  ${l}`).join('\n');
}

for (const s of shapes) {
  const faults = s.faults.map(([at, action]) => `  - { at: ${at}ms, ${action} }`).join('\n');
  const text = `# yaml-language-server: $schema=../../schema/scenario.schema.json
# Generated by scripts/gen-adversarial.ts; swept by scripts/sweep.ts (npm run sweep -- ${'test/adversarial/' + s.file} --seeds 200).
name: ${s.name}
description: >
${wrap(s.description)}
seed: 1
duration: ${s.durationMs / 1000}s
settle: ${s.settleMs / 1000}s
nodes: ${s.nodes}
${s.network}
${s.models}
${s.workload}
faults:
${faults}
${s.expect}
`;
  writeFileSync(join(OUT, s.file), text);
  console.log(`${s.file}: ${s.faults.length} faults`);
}
