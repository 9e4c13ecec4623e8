import { describe, expect, it } from 'vitest';
import { MsgKind, RaftProtocol, VoteReason, type AppendEntries, type Entry, type RaftObserver, type RequestVote, type VoteReply } from '../src/protocols/raft/index.ts';
import { FakeContext } from './helpers/fake-context.ts';

/**
 * A Raft node tells its observer, for every RequestVote and PreVote it
 * decides, the rule that decided it (RaftObserver.vote): the UI's event log
 * names it. Each test drives one node into one rule and checks both what the
 * node did (its reply, or none) and the reason it reported.
 */

const TIMER_ELECTION = 0;
const MIN = 150_000;

interface Told {
  node: number;
  candidate: number;
  term: number;
  preVote: boolean;
  reason: VoteReason;
  nodeTerm: number;
  leader: number;
  votedFor: number;
}

function entry(term: number): Entry {
  return { term, op: null, client: -1, seq: 0, origin: 0 };
}

/** Node `self` of three; it started `startedAtUs` before the clock's 0 (long ago by default: no restart window). */
function node(options: { self?: number; term?: number; log?: number[]; preVote?: boolean; startedAtUs?: number } = {}) {
  const told: Told[] = [];
  const observer: RaftObserver = {
    roleChanged: () => {},
    becameLeader: () => {},
    appended: () => {},
    truncated: () => {},
    committed: () => {},
    applied: () => {},
    vote: (node, candidate, term, preVote, reason, nodeTerm, leader, votedFor) => told.push({ node, candidate, term, preVote, reason, nodeTerm, leader, votedFor }),
  };
  const protocol = new RaftProtocol(
    {
      electionTimeoutUsMin: MIN,
      electionTimeoutUsMax: 300_000,
      heartbeatUs: 50_000,
      preVote: options.preVote ?? false,
      checkQuorum: false,
      reads: 'log',
      maxClockDrift: 0.05,
      bugs: new Set(),
      snapshotEvery: 0,
      members: [0, 1, 2],
      maxEntriesPerMessage: 64,
    },
    observer,
  );
  const stable = protocol.createStable();
  stable.term = options.term ?? 0;
  for (const t of options.log ?? []) stable.log.push(entry(t));
  const ctx = new FakeContext(options.self ?? 0, 3);
  const raft = protocol.createNode(ctx, stable);
  ctx.nowUs = options.startedAtUs ?? -10 * MIN;
  raft.start();
  ctx.nowUs = 0;
  /** The reasons told since the last call, and forget them. */
  const reasons = (): Told[] => told.splice(0);
  return { raft, ctx, reasons };
}

const vote = (term: number, extra: Partial<RequestVote> = {}): RequestVote => ({ kind: MsgKind.RequestVote, term, lastLogIndex: 0, lastLogTerm: 0, ...extra }) as RequestVote;
const preVote = (term: number, extra: Partial<RequestVote> = {}): RequestVote => ({ kind: MsgKind.PreVote, term, lastLogIndex: 0, lastLogTerm: 0, ...extra }) as RequestVote;
const heartbeat = (term: number, round: number): AppendEntries => ({ kind: MsgKind.AppendEntries, term, prevIndex: 0, prevTerm: 0, entries: [], commit: 0, round });

function replies(ctx: FakeContext): { granted: boolean; term: number }[] {
  return ctx.take<VoteReply>().map((s) => ({ granted: s.msg.granted, term: s.msg.term }));
}

describe('a node reports the rule that decided each vote (RaftObserver.vote)', () => {
  it('§5.2 granted: the first candidate of a term whose log is at least as up to date gets the vote', () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 2, log: [1, 2] });
    raft.onMessage(2, vote(5, { lastLogIndex: 2, lastLogTerm: 2 }));
    expect(replies(ctx)).toEqual([{ granted: true, term: 5 }]);
    expect(reasons()).toEqual([{ node: 1, candidate: 2, term: 5, preVote: false, reason: VoteReason.Granted, nodeTerm: 5, leader: -1, votedFor: -1 }]);
  });

  it('§5.4.1 log not up to date: a candidate whose last term is older, or equal with a shorter log, is refused', () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 2, log: [1, 2] });
    raft.onMessage(2, vote(5, { lastLogIndex: 9, lastLogTerm: 1 }));
    raft.onMessage(0, vote(6, { lastLogIndex: 1, lastLogTerm: 2 }));
    expect(replies(ctx)).toEqual([
      { granted: false, term: 5 },
      { granted: false, term: 6 },
    ]);
    expect(reasons().map((r) => [r.candidate, r.term, r.reason])).toEqual([
      [2, 5, VoteReason.LogNotUpToDate],
      [0, 6, VoteReason.LogNotUpToDate],
    ]);
  });

  it('§5.2 already voted: a second candidate of the same term is refused, and the report names the first', () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 2 });
    raft.onMessage(0, vote(3));
    raft.onMessage(2, vote(3));
    expect(replies(ctx)).toEqual([
      { granted: true, term: 3 },
      { granted: false, term: 3 },
    ]);
    expect(reasons().map((r) => [r.candidate, r.reason, r.votedFor])).toEqual([
      [0, VoteReason.Granted, -1],
      [2, VoteReason.AlreadyVoted, 0],
    ]);
  });

  it("§5.1 stale term: a RequestVote of an older term is refused with the voter's term", () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 4 });
    raft.onMessage(2, vote(3));
    expect(replies(ctx)).toEqual([{ granted: false, term: 4 }]);
    expect(reasons()).toEqual([{ node: 1, candidate: 2, term: 3, preVote: false, reason: VoteReason.StaleTerm, nodeTerm: 4, leader: -1, votedFor: -1 }]);
  });

  it('§4.2.3 leader alive: within a minimum election timeout of a heartbeat, a RequestVote is ignored (no reply, no new term), naming the leader', () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 1 });
    raft.onMessage(0, heartbeat(1, 1));
    ctx.take();
    ctx.nowUs = MIN - 1;
    raft.onMessage(2, vote(2));
    expect(ctx.take()).toEqual([]);
    expect(raft.term).toBe(1);
    expect(reasons()).toEqual([{ node: 1, candidate: 2, term: 2, preVote: false, reason: VoteReason.IgnoredLeaderAlive, nodeTerm: 1, leader: 0, votedFor: -1 }]);
    // A minimum election timeout later the rule no longer holds: the vote is decided on its merits.
    ctx.nowUs = MIN;
    raft.onMessage(2, vote(3));
    expect(replies(ctx)).toEqual([{ granted: true, term: 3 }]);
    expect(reasons().map((r) => r.reason)).toEqual([VoteReason.Granted]);
  });

  it('§4.2.3 the leader itself ignores a RequestVote of a higher term', () => {
    const { raft, ctx, reasons } = node({ self: 0 });
    raft.onTimer(TIMER_ELECTION);
    raft.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 1, granted: true } as VoteReply);
    expect(raft.currentRole).toBe('leader');
    ctx.take();
    raft.onMessage(2, vote(2));
    expect(ctx.take()).toEqual([]);
    expect(reasons().map((r) => [r.reason, r.nodeTerm, r.leader])).toEqual([[VoteReason.IgnoredIsLeader, 1, 0]]);
  });

  it('§4.2.3 restarted: a node with a term ignores RequestVotes for a minimum election timeout after it starts', () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 1, startedAtUs: 0 });
    raft.onMessage(2, vote(2));
    expect(ctx.take()).toEqual([]);
    expect(reasons().map((r) => r.reason)).toEqual([VoteReason.IgnoredRestarted]);
  });

  it("§3.10 transfer: a follower that heard a later heartbeat round than the TimeoutNow's ignores the transfer's RequestVote; one that did not grants it", () => {
    const late = node({ self: 1, term: 1 });
    late.raft.onMessage(0, heartbeat(1, 7));
    late.ctx.take();
    late.raft.onMessage(2, vote(2, { transfer: true, round: 6 }));
    expect(late.ctx.take()).toEqual([]);
    expect(late.reasons().map((r) => r.reason)).toEqual([VoteReason.IgnoredTransferStale]);

    const current = node({ self: 1, term: 1 });
    current.raft.onMessage(0, heartbeat(1, 6));
    current.ctx.take();
    current.raft.onMessage(2, vote(2, { transfer: true, round: 6 }));
    expect(replies(current.ctx)).toEqual([{ granted: true, term: 2 }]);
    expect(current.reasons().map((r) => r.reason)).toEqual([VoteReason.Granted]);
  });

  it("§3.10 transfer: a node restarted within a minimum election timeout ignores the transfer's RequestVote", () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 1, startedAtUs: 0 });
    raft.onMessage(2, vote(2, { transfer: true, round: 6 }));
    expect(ctx.take()).toEqual([]);
    expect(reasons().map((r) => r.reason)).toEqual([VoteReason.IgnoredTransferRestarted]);
  });
});

describe('a node reports the rule that decided each pre-vote (§9.6)', () => {
  it('granted: a higher term, no live leader, a log at least as up to date; the voter keeps its term', () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 1, preVote: true });
    raft.onMessage(2, preVote(2));
    expect(replies(ctx)).toEqual([{ granted: true, term: 2 }]);
    expect(raft.term).toBe(1);
    expect(reasons()).toEqual([{ node: 1, candidate: 2, term: 2, preVote: true, reason: VoteReason.Granted, nodeTerm: 1, leader: -1, votedFor: -1 }]);
  });

  it('stale term: a pre-vote for a term not above the voter’s is refused', () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 3, preVote: true });
    raft.onMessage(2, preVote(3));
    expect(replies(ctx)).toEqual([{ granted: false, term: 3 }]);
    expect(reasons().map((r) => [r.reason, r.preVote])).toEqual([[VoteReason.StaleTerm, true]]);
  });

  it('leader alive, is leader, restarted: refused while a leader is alive (the rule of §4.2.3)', () => {
    const follower = node({ self: 1, term: 1, preVote: true });
    follower.raft.onMessage(0, heartbeat(1, 1));
    follower.ctx.take();
    follower.raft.onMessage(2, preVote(2));
    expect(replies(follower.ctx)).toEqual([{ granted: false, term: 1 }]);
    expect(follower.reasons().map((r) => [r.reason, r.leader])).toEqual([[VoteReason.LeaderAlive, 0]]);

    const leader = node({ self: 0, preVote: true });
    leader.raft.onTimer(TIMER_ELECTION);
    leader.raft.onMessage(1, { kind: MsgKind.PreVoteReply, term: 1, granted: true } as VoteReply);
    leader.raft.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 1, granted: true } as VoteReply);
    expect(leader.raft.currentRole).toBe('leader');
    leader.ctx.take();
    leader.raft.onMessage(2, preVote(2));
    expect(replies(leader.ctx)).toEqual([{ granted: false, term: 1 }]);
    expect(leader.reasons().filter((r) => r.preVote && r.candidate === 2).map((r) => r.reason)).toEqual([VoteReason.IsLeader]);

    const restarted = node({ self: 1, term: 1, preVote: true, startedAtUs: 0 });
    restarted.raft.onMessage(2, preVote(2));
    expect(replies(restarted.ctx)).toEqual([{ granted: false, term: 1 }]);
    expect(restarted.reasons().map((r) => r.reason)).toEqual([VoteReason.Restarted]);
  });

  it('§5.4.1 log not up to date: a pre-vote from a candidate with an older log is refused', () => {
    const { raft, ctx, reasons } = node({ self: 1, term: 2, log: [2], preVote: true });
    raft.onMessage(2, preVote(3, { lastLogIndex: 1, lastLogTerm: 1 }));
    expect(replies(ctx)).toEqual([{ granted: false, term: 2 }]);
    expect(reasons().map((r) => r.reason)).toEqual([VoteReason.LogNotUpToDate]);
  });
});
