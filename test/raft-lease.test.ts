import { describe, expect, it } from 'vitest';
import type { ClientReply as ClientAnswer } from '../src/core/protocol.ts';
import { leaseDurationUs, MsgKind, RaftProtocol, type AppendEntries, type AppendEntriesReply, type ClientReply, type Forward, type RaftNode, type ReadMode, type RequestVote, type TimeoutNow, type VoteReply } from '../src/protocols/raft/index.ts';
import { raftModel, raftSafeZoneWarnings } from '../src/run/raft-model.ts';
import { runScenario } from '../src/run/run.ts';
import { loadScenario, parseScenario } from '../src/scenario/load.ts';
import { FakeContext } from './helpers/fake-context.ts';

/**
 * Lease reads (dissertation §6.4.1) rest on one rule: a server that heard from
 * a current leader within the minimum election timeout neither adopts the
 * term of a RequestVote nor grants it (§4.2.3). These tests drive single nodes
 * by hand for each way that rule used to leak, and run small scenarios for
 * what the leaks did to clients.
 */

const TIMER_ELECTION = 0;
const TIMER_TRANSFER = 2;
const MIN = 150_000;

function node(options: { self?: number; term?: number; startedAtUs?: number; reads?: ReadMode; checkQuorum?: boolean; preVote?: boolean; maxClockDrift?: number } = {}) {
  const protocol = new RaftProtocol(
    {
      electionTimeoutUsMin: MIN,
      electionTimeoutUsMax: 300_000,
      heartbeatUs: 50_000,
      preVote: options.preVote ?? false,
      checkQuorum: options.checkQuorum ?? false,
      reads: options.reads ?? 'log',
      maxClockDrift: options.maxClockDrift ?? 0.05,
      bugs: new Set(),
      snapshotEvery: 0,
      members: [0, 1, 2],
      maxEntriesPerMessage: 64,
    },
    null,
  );
  const stable = protocol.createStable();
  stable.term = options.term ?? 0;
  const ctx = new FakeContext(options.self ?? 0, 3);
  const raft = protocol.createNode(ctx, stable);
  ctx.nowUs = options.startedAtUs ?? -10 * MIN;
  raft.start();
  ctx.nowUs = 0;
  return { raft, ctx };
}

const vote = (term: number, extra: Partial<RequestVote> = {}): RequestVote => ({ kind: MsgKind.RequestVote, term, lastLogIndex: 0, lastLogTerm: 0, ...extra }) as RequestVote;
const heartbeat = (term: number, round: number): AppendEntries => ({ kind: MsgKind.AppendEntries, term, prevIndex: 0, prevTerm: 0, entries: [], commit: 0, round });

/** A leader of term 1 (node 0 of three) whose no-op node 1 has acknowledged: it has committed an entry of its term. */
function leader(reads: ReadMode) {
  const s = node({ reads });
  s.raft.onTimer(TIMER_ELECTION);
  s.raft.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 1, granted: true } as VoteReply);
  expect(s.raft.currentRole).toBe('leader');
  s.ctx.take();
  return s;
}
const ack = (round: number, matchIndex = 1): AppendEntriesReply => ({ kind: MsgKind.AppendEntriesReply, term: 1, success: true, matchIndex, conflictIndex: 0, conflictTerm: 0, round });
const read = (client: number, seq: number) => ({ client, seq, op: { f: 'read' as const, key: 'k1', value: null } });

describe('§4.2.3: no vote within a minimum election timeout of a current leader, whatever the options', () => {
  it('without checkQuorum, a follower that heard from the leader ignores a higher-term RequestVote (neither adopts the term nor grants it), and grants once the timeout has passed', () => {
    const { raft, ctx } = node({ self: 1, term: 1 });
    raft.onMessage(0, heartbeat(1, 1));
    ctx.take();
    ctx.nowUs = MIN - 1;
    raft.onMessage(2, vote(2));
    expect(ctx.take()).toEqual([]);
    expect(raft.term).toBe(1);
    ctx.nowUs = MIN;
    raft.onMessage(2, vote(2));
    expect(ctx.take<VoteReply>().map((s) => s.msg)).toEqual([{ kind: MsgKind.RequestVoteReply, term: 2, granted: true }]);
  });

  it('a node restarted with a term withholds votes and pre-votes for a minimum election timeout after it starts: it may have acknowledged a round just before the crash', () => {
    const { raft, ctx } = node({ self: 1, term: 3, startedAtUs: 0, preVote: true });
    ctx.nowUs = MIN - 1;
    raft.onMessage(2, { kind: MsgKind.PreVote, term: 4, lastLogIndex: 0, lastLogTerm: 0 } as RequestVote);
    expect(ctx.take<VoteReply>().map((s) => s.msg.granted)).toEqual([false]);
    raft.onMessage(2, vote(4));
    expect(ctx.take()).toEqual([]);
    expect(raft.term).toBe(3);
    ctx.nowUs = MIN;
    raft.onMessage(2, vote(4));
    expect(ctx.take<VoteReply>().map((s) => s.msg.granted)).toEqual([true]);
  });

  it("a node's first boot (no term yet) grants at once: it has acknowledged no one, and the cluster's first election is not delayed", () => {
    const { raft, ctx } = node({ self: 1, term: 0, startedAtUs: 0 });
    ctx.nowUs = 1;
    raft.onMessage(2, vote(1));
    expect(ctx.take<VoteReply>().map((s) => s.msg.granted)).toEqual([true]);
  });
});

describe('leadership transfer and the lease', () => {
  it('a leader that starts a transfer serves no lease read until a round sent after the transfer ended is acknowledged', () => {
    const { raft, ctx } = leader('lease');
    raft.onMessage(1, ack(1));
    // Inside the lease: answered at once.
    raft.onClientRequest(read(0, 1));
    expect(ctx.replies.map((r) => r.ok)).toEqual([true]);
    expect(raft.onAdmin!({ type: 'transfer', to: 2 })).toBe('leadership transfer started');
    ctx.nowUs = 10_000;
    ctx.take();
    raft.onTimer(TIMER_TRANSFER); // aborted: the target never took over
    // The old lease (round 1) would still run, but the TimeoutNow may yet start an election.
    raft.onClientRequest(read(0, 2));
    expect(ctx.replies.length).toBe(1);
    // The read waits for a new round; its acknowledgement is a fresh lease.
    const round = ctx.take<AppendEntries>().find((s) => s.msg.kind === MsgKind.AppendEntries)!.msg.round!;
    expect(round).toBeGreaterThan(1);
    raft.onMessage(1, ack(round));
    expect(ctx.replies.map((r) => r.ok)).toEqual([true, true]);
    raft.onClientRequest(read(0, 3));
    expect(ctx.replies.map((r) => r.ok)).toEqual([true, true, true]);
  });

  it("a follower that heard a round later than the TimeoutNow's withholds its vote from the transfer's RequestVote; one that did not grants it", () => {
    const late = node({ self: 1, term: 1 });
    late.raft.onMessage(0, heartbeat(1, 7));
    late.ctx.take();
    late.raft.onMessage(2, vote(2, { transfer: true, round: 6 }));
    expect(late.ctx.take()).toEqual([]);
    expect(late.raft.term).toBe(1);

    const current = node({ self: 1, term: 1 });
    current.raft.onMessage(0, heartbeat(1, 6));
    current.ctx.take();
    current.raft.onMessage(2, vote(2, { transfer: true, round: 6 }));
    expect(current.ctx.take<VoteReply>().map((s) => s.msg.granted)).toEqual([true]);
  });

  it('a target ignores a TimeoutNow older than a round it has heard (delivered late, after the transfer was aborted)', () => {
    const { raft, ctx } = node({ self: 2, term: 1 });
    raft.onMessage(0, heartbeat(1, 9));
    ctx.take();
    raft.onMessage(0, { kind: MsgKind.TimeoutNow, term: 1, round: 8 } as TimeoutNow);
    expect(raft.term).toBe(1);
    raft.onMessage(0, { kind: MsgKind.TimeoutNow, term: 1, round: 9 } as TimeoutNow);
    expect(raft.term).toBe(2);
    expect(ctx.take<RequestVote>().map((s) => s.msg)).toEqual([
      { kind: MsgKind.RequestVote, term: 2, lastLogIndex: 0, lastLogTerm: 0, transfer: true, round: 9 },
      { kind: MsgKind.RequestVote, term: 2, lastLogIndex: 0, lastLogTerm: 0, transfer: true, round: 9 },
    ]);
  });
});

describe('the lease follows from maxClockDrift', () => {
  it('lasts the minimum election timeout × (1 - d)/(1 + d) from the confirming round’s send time: 0.905 × at 5%, 0.818 × at 10%', () => {
    expect(leaseDurationUs({ electionTimeoutUsMin: MIN, maxClockDrift: 0.05 })).toBe(Math.floor((MIN * 0.95) / 1.05));
    expect(leaseDurationUs({ electionTimeoutUsMin: MIN, maxClockDrift: 0.1 })).toBe(Math.floor((MIN * 0.9) / 1.1));
    expect(leaseDurationUs({ electionTimeoutUsMin: MIN, maxClockDrift: 0 })).toBe(MIN);
    const { raft, ctx } = leader('lease');
    raft.onMessage(1, ack(1)); // round 1 was sent at 0
    const lease = leaseDurationUs({ electionTimeoutUsMin: MIN, maxClockDrift: 0.05 });
    ctx.nowUs = lease - 1;
    raft.onClientRequest(read(0, 1));
    expect(ctx.replies.length).toBe(1);
    ctx.nowUs = lease;
    raft.onClientRequest(read(0, 2));
    expect(ctx.replies.length).toBe(1);
  });
});

describe('fail means no copy of the request can take effect (otherwise info)', () => {
  function follower() {
    const s = node({ self: 1, term: 1 });
    s.raft.onMessage(0, heartbeat(1, 1));
    s.ctx.take();
    return s;
  }
  const write = (seq: number) => ({ client: 0, seq, op: { f: 'write' as const, key: 'k1', value: seq } });
  const answers = (replies: readonly ClientAnswer[]) => replies.map((r) => ({ ok: r.ok, indeterminate: r.indeterminate === true }));

  it('a forwarded write refused by a node that is not the leader is indeterminate (a duplicate of the Forward may reach it once it leads); a refused read fails', () => {
    const { raft, ctx } = follower();
    raft.onClientRequest(write(1));
    const forward = ctx.take<Forward>()[0]!.msg;
    raft.onMessage(0, { ...forward, kind: MsgKind.ForwardRejected });
    raft.onClientRequest(read(0, 2));
    const forwardRead = ctx.take<Forward>()[0]!.msg;
    raft.onMessage(0, { ...forwardRead, kind: MsgKind.ForwardRejected });
    expect(answers(ctx.replies)).toEqual([
      { ok: false, indeterminate: true },
      { ok: false, indeterminate: false },
    ]);
  });

  it('during a transfer the leader refuses a forwarded write as indeterminate, and its own client’s write or any read as fail', () => {
    const { raft, ctx } = leader('log');
    raft.onAdmin!({ type: 'transfer', to: 2 });
    ctx.take();
    raft.onMessage(1, { kind: MsgKind.Forward, term: 1, client: 5, seq: 1, op: { f: 'write', key: 'k1', value: 1 } } as Forward);
    raft.onMessage(1, { kind: MsgKind.Forward, term: 1, client: 6, seq: 1, op: { f: 'read', key: 'k1', value: null } } as Forward);
    expect(ctx.take<ClientReply>().map((s) => ({ ok: s.msg.ok, indeterminate: s.msg.indeterminate === true }))).toEqual([
      { ok: false, indeterminate: true },
      { ok: false, indeterminate: false },
    ]);
    raft.onClientRequest(write(1));
    expect(answers(ctx.replies)).toEqual([{ ok: false, indeterminate: false }]);
  });

  it('the origin passes an indeterminate refusal on to its client', () => {
    const { raft, ctx } = follower();
    raft.onClientRequest(write(1));
    ctx.take();
    raft.onMessage(0, { kind: MsgKind.ClientReply, term: 1, client: 0, seq: 1, ok: false, value: null, error: 'leadership transfer in progress', indeterminate: true } as ClientReply);
    expect(answers(ctx.replies)).toEqual([{ ok: false, indeterminate: true }]);
  });
});

// ---- whole runs: what the leaks did to clients ---------------------------------------------

function run(yaml: string, seed?: number) {
  return runScenario(parseScenario(yaml, 'inline.yaml'), seed === undefined ? {} : { seed }).runs;
}

describe('lease reads in whole runs', () => {
  it('a transfer whose TimeoutNow was delivered, with the old leader then cut off, aborts; the old leader serves no lease read while the new leader commits writes', () => {
    // Seed 8: n1 sends n3 the TimeoutNow at 2.197 s and is isolated at 2.202 s; n3 leads term 3 at 2.212 s. n1
    // aborts at 2.3 s; its lease from the round acknowledged at ~2.2 s ran to ~2.33 s: 4 stale reads before the fix.
    const [raft] = run(
      `name: transfer-lease
seed: 8
duration: 4s
settle: 2s
nodes: 5
network: { latency: 5ms }
models: [{ kind: raft, reads: lease, preVote: true, checkQuorum: true }]
workload: { clients: 10, interval: 10ms, timeout: 50ms, keys: 1, reads: 0.8 }
faults:
  - { at: 0.5s, transfer: { to: n1 } }
  - { at: 1.95s, isolate: n3 }
  - { at: 2s, transfer: { to: n3 } }
  - { at: 2.18s, heal: true }
  - { at: 2.202s, isolate: n1 }
  - { at: 3s, heal: true }
`,
    );
    expect(raft!.log.map((l) => l.text)).toContain('n1 aborted the leadership transfer: no takeover within an election timeout');
    expect(raft!.log.some((l) => /n3 became leader of term 3/.test(l.text))).toBe(true);
    expect(raft!.summary.staleReads).toBe(0);
    expect(raft!.summary.linearizable).toBe(true);
  });
});

describe('a scenario whose clocks exceed maxClockDrift is visibly outside the safe zone', () => {
  const names = ['n1', 'n2', 'n3'];
  const spec = { reads: 'lease' as const, electionTimeoutUsMin: MIN };

  it("the bound is on the ratio of two clocks' rates: -10% and +10% are inside maxClockDrift 0.1 and outside 0.05; equal drifts are inside any bound", () => {
    expect(raftSafeZoneWarnings({ ...spec, clockDrift: { n1: -0.1, n3: 0.1 }, maxClockDrift: 0.1 }, names)).toEqual([]);
    expect(raftSafeZoneWarnings({ ...spec, clockDrift: { n1: -0.1, n3: 0.1 } }, names)).toEqual([
      "clockDrift of n1 (-10%) and n3 (+10%) exceeds maxClockDrift 5%: their clocks' rates differ by 1.222×, more than the 1.105× the lease (0.905 × the minimum election timeout) allows; lease reads may be stale",
    ]);
    // Every clock 20% fast: no two differ, so no lease can outlast a follower's refusal.
    expect(raftSafeZoneWarnings({ ...spec, clockDrift: { n1: 0.2, n2: 0.2, n3: 0.2 } }, names)).toEqual([]);
    // One clock 10% slow against exact ones: a ratio of 1.111, beyond 5%'s 1.105.
    expect(raftSafeZoneWarnings({ ...spec, clockDrift: { n2: -0.1 } }, names)).toHaveLength(1);
  });

  it('only lease reads rest on clocks: readIndex and log reads under any drift are inside', () => {
    expect(raftSafeZoneWarnings({ ...spec, reads: 'readIndex', clockDrift: { n1: -0.75 } }, names)).toEqual([]);
  });

  it('raft/lease-drift: the lease model is inside, lease-drift (n1 at -75%) outside', () => {
    const scenario = loadScenario('scenarios/raft/lease-drift.yaml');
    const hooks = { clock: { nowUs: () => 0, describeEvent: () => '', nodeName: (i: number) => scenario.nodes[i]! }, nodeNames: scenario.nodes, note: () => {} };
    const warnings = scenario.models.map((m) => (m.kind === 'raft' ? (raftModel(m, hooks).safeZoneWarnings ?? []) : []));
    expect(warnings[0]).toEqual([]);
    expect(warnings[1]![0]).toMatch(/^clockDrift of n1 \(-75%\) and n2 \(0%\) exceeds maxClockDrift 5%: .* lease reads may be stale$/);
  });
});

describe('a client is told fail only when no copy of its write can take effect (whole run)', () => {
  it('7 nodes, 20% duplication, a fault every 200-300 ms: no write answered fail is ever read, and the history is linearizable', () => {
    // Seed 45: at 4.755 s a transfer starts; the leader refuses forwarded writes ("leadership transfer in
    // progress") while a duplicate of one Forward reaches it after the transfer, is appended and committed.
    // Before the fix its client was told fail, a later read returned the value: not linearizable.
    const [raft] = run(
      `name: storm
seed: 45
duration: 5s
settle: 3s
nodes: 7
network: { latency: 2ms..15ms, drop: 0.1, duplicate: 0.2 }
models:
  - { kind: raft, reads: log, preVote: true, checkQuorum: true }
workload: { clients: 14, interval: 10ms, timeout: 200ms, keys: 2, reads: 0.6, cas: 0.1 }
faults:
  - { at: 300ms, isolate: leader }
  - { at: 519ms, heal: true }
  - { at: 802ms, crash: random }
  - { at: 1011ms, crash: leader }
  - { at: 1223ms, isolate: leader }
  - { at: 1497ms, crash: random }
  - { at: 1761ms, pause: random }
  - { at: 1965ms, restart: all }
  - { at: 2220ms, heal: true }
  - { at: 2428ms, pause: random }
  - { at: 2639ms, crash: leader }
  - { at: 2893ms, crash: random }
  - { at: 3165ms, restart: all }
  - { at: 3393ms, partition: [[leader, follower], [rest]] }
  - { at: 3600ms, partition: [[leader, follower], [rest]] }
  - { at: 3874ms, heal: true }
  - { at: 4080ms, pause: random }
  - { at: 4285ms, crash: leader }
  - { at: 4502ms, resume: all }
  - { at: 4755ms, transfer: { to: random } }
`,
    );
    const failedWrites = new Set(raft!.history.filter((e) => e.type === 'fail' && e.f === 'write').map((e) => JSON.stringify(e.value)));
    const readsOfFailed = raft!.history.filter((e) => e.type === 'ok' && e.f === 'read' && e.value !== null && failedWrites.has(JSON.stringify(e.value)));
    expect(readsOfFailed).toEqual([]);
    expect(raft!.history.some((e) => e.type === 'info' && e.f === 'write')).toBe(true);
    expect(raft!.summary.linearizable).toBe(true);
  });
});
