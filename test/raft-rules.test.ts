import { describe, expect, it } from 'vitest';
import { RaftNode, RaftProtocol, MsgKind, type AppendEntries, type AppendEntriesReply, type ClientReply, type Entry, type Forward, type RaftBug, type RaftStable, type VoteReply } from '../src/protocols/raft/index.ts';
import { FakeContext } from './helpers/fake-context.ts';

const TIMER_ELECTION = 0;
const TIMER_HEARTBEAT = 1;

function entry(term: number, seq = 0): Entry {
  return { term, op: { f: 'write', key: 'k1', value: term * 100 + seq }, client: 0, seq, origin: 0 };
}

/**
 * One node driven by hand. It starts at `startedAtUs` and the test's clock then reads 0: by default a
 * minimum election timeout before, so that a node restarted with a term is past the window in which it
 * withholds votes (a restart counts as hearing from a leader; see raft-lease.test.ts).
 */
function setup(options: { self?: number; n?: number; term?: number; log?: number[]; bugs?: RaftBug[]; stable?: RaftStable; startedAtUs?: number } = {}) {
  const protocol = new RaftProtocol(
    {
      electionTimeoutUsMin: 150_000,
      electionTimeoutUsMax: 300_000,
      heartbeatUs: 50_000,
      preVote: false,
      checkQuorum: false,
      reads: 'log',
      bugs: new Set(options.bugs ?? []),
      snapshotEvery: 0,
      members: Array.from({ length: options.n ?? 3 }, (_, i) => i),
      maxEntriesPerMessage: 64,
      maxClockDrift: 0.05,
    },
    null,
  );
  const stable = options.stable ?? protocol.createStable();
  if (options.stable === undefined) {
    stable.term = options.term ?? 0;
    (options.log ?? []).forEach((term, i) => stable.log.push(entry(term, i + 1)));
  }
  const ctx = new FakeContext(options.self ?? 0, options.n ?? 3);
  const node = protocol.createNode(ctx, stable);
  ctx.nowUs = options.startedAtUs ?? -150_000;
  node.start();
  ctx.nowUs = 0;
  return { node, ctx, stable, protocol };
}

function append(term: number, prevIndex: number, prevTerm: number, entries: Entry[], commit = 0): AppendEntries {
  return { kind: MsgKind.AppendEntries, term, prevIndex, prevTerm, entries, commit };
}

describe('Raft rules (extended paper, Figure 2)', () => {
  it('a stale-term AppendEntries gets a rejection carrying the current term, and resets nothing', () => {
    const { node, ctx } = setup({ term: 3 });
    ctx.timers.clear();
    node.onMessage(1, append(2, 0, 0, []));
    const [reply] = ctx.take<AppendEntriesReply>();
    expect(reply!.msg).toMatchObject({ kind: MsgKind.AppendEntriesReply, term: 3, success: false });
    expect(ctx.timers.has(TIMER_ELECTION)).toBe(false);
    expect(node.term).toBe(3);
  });

  it('with the reset-timer-on-any-rpc bug, a stale-term RPC re-arms the election timer (the primer error)', () => {
    const { node, ctx } = setup({ term: 3, bugs: ['reset-timer-on-any-rpc'] });
    ctx.timers.clear();
    node.onMessage(1, append(2, 0, 0, []));
    expect(ctx.timers.has(TIMER_ELECTION)).toBe(true);
  });

  it('grants a vote only to a candidate whose log is at least as up-to-date (last term, then last index)', () => {
    const { node, ctx } = setup({ term: 2, log: [1, 2] });
    node.onMessage(1, { kind: MsgKind.RequestVote, term: 5, lastLogIndex: 9, lastLogTerm: 1 } as never);
    expect(ctx.take<VoteReply>()[0]!.msg).toMatchObject({ term: 5, granted: false });
    node.onMessage(1, { kind: MsgKind.RequestVote, term: 5, lastLogIndex: 1, lastLogTerm: 2 } as never);
    expect(ctx.take<VoteReply>()[0]!.msg).toMatchObject({ term: 5, granted: false });
    node.onMessage(1, { kind: MsgKind.RequestVote, term: 5, lastLogIndex: 2, lastLogTerm: 2 } as never);
    expect(ctx.take<VoteReply>()[0]!.msg).toMatchObject({ term: 5, granted: true });
  });

  it('with the no-up-to-date-check bug, a candidate with a stale log wins the vote', () => {
    const { node, ctx } = setup({ term: 2, log: [1, 2], bugs: ['no-up-to-date-check'] });
    node.onMessage(1, { kind: MsgKind.RequestVote, term: 5, lastLogIndex: 1, lastLogTerm: 1 } as never);
    expect(ctx.take<VoteReply>()[0]!.msg).toMatchObject({ granted: true });
  });

  it('resets the election timer only when granting a vote, not on every RequestVote', () => {
    const { node, ctx } = setup({ term: 2, log: [2] });
    ctx.timers.clear();
    node.onMessage(1, { kind: MsgKind.RequestVote, term: 3, lastLogIndex: 0, lastLogTerm: 0 } as never);
    expect(ctx.take<VoteReply>()[0]!.msg.granted).toBe(false);
    expect(ctx.timers.has(TIMER_ELECTION)).toBe(false);
    node.onMessage(2, { kind: MsgKind.RequestVote, term: 3, lastLogIndex: 1, lastLogTerm: 2 } as never);
    expect(ctx.take<VoteReply>()[0]!.msg.granted).toBe(true);
    expect(ctx.timers.has(TIMER_ELECTION)).toBe(true);
  });

  it('votes at most once per term, and remembers the vote across a crash (votedFor is persisted)', () => {
    const first = setup({ term: 1 });
    first.node.onMessage(1, { kind: MsgKind.RequestVote, term: 4, lastLogIndex: 0, lastLogTerm: 0 } as never);
    expect(first.ctx.take<VoteReply>()[0]!.msg.granted).toBe(true);
    const restarted = setup({ stable: first.stable });
    restarted.node.onMessage(2, { kind: MsgKind.RequestVote, term: 4, lastLogIndex: 0, lastLogTerm: 0 } as never);
    expect(restarted.ctx.take<VoteReply>()[0]!.msg.granted).toBe(false);
  });

  it('with the forget-vote bug, a restarted node votes twice in one term', () => {
    const first = setup({ term: 1, bugs: ['forget-vote'] });
    first.node.onMessage(1, { kind: MsgKind.RequestVote, term: 4, lastLogIndex: 0, lastLogTerm: 0 } as never);
    expect(first.ctx.take<VoteReply>()[0]!.msg.granted).toBe(true);
    const restarted = setup({ stable: first.stable, bugs: ['forget-vote'] });
    restarted.node.onMessage(2, { kind: MsgKind.RequestVote, term: 4, lastLogIndex: 0, lastLogTerm: 0 } as never);
    expect(restarted.ctx.take<VoteReply>()[0]!.msg.granted).toBe(true);
  });

  it('AppendEntries with a prevIndex beyond the log is rejected, pointing the leader just past the log', () => {
    const { node, ctx } = setup({ term: 2, log: [1, 1] });
    node.onMessage(1, append(2, 5, 2, [entry(2)]));
    expect(ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: false, conflictIndex: 3, conflictTerm: 0 });
  });

  it('AppendEntries whose prevTerm does not match is rejected with the first index of the conflicting term (fast backtracking)', () => {
    const { node, ctx } = setup({ term: 3, log: [1, 2, 2, 2] });
    node.onMessage(1, append(3, 4, 3, [entry(3)]));
    expect(ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: false, conflictIndex: 2, conflictTerm: 2 });
  });

  it('a conflicting suffix is deleted and replaced; entries that match are kept (Log Matching)', () => {
    const { node, ctx, stable } = setup({ term: 3, log: [1, 2, 2] });
    const kept = stable.log.get(2);
    node.onMessage(1, append(3, 1, 1, [kept!, entry(3, 7)]));
    expect(ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 3 });
    expect(stable.log.slice(0).map((e) => e.term)).toEqual([0, 1, 2, 3]);
    expect(stable.log.get(2)).toBe(kept);
  });

  it('a follower is never asked to overwrite a committed entry; under a bug switch it obeys, so the checker reports the damage instead of the run stopping', () => {
    const committedTwo = (bugs: RaftBug[]) => {
      const s = setup({ term: 2, bugs });
      s.node.onMessage(1, append(2, 0, 0, [entry(2, 1), entry(2, 2)], 2));
      s.ctx.take();
      expect((s.node as RaftNode).committed).toBe(2);
      return s;
    };
    // A leader of term 3 whose log lacks the committed entries (only a bug could elect it) sends its own.
    const overwrite = append(3, 0, 0, [entry(3, 9)], 1);
    expect(() => committedTwo([]).node.onMessage(2, overwrite)).toThrow(/overwrite committed index 1/);
    const { node, ctx, stable } = committedTwo(['no-up-to-date-check']);
    node.onMessage(2, overwrite);
    expect(ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 1 });
    expect(stable.log.slice(0).map((e) => e.term)).toEqual([0, 3]);
    expect((node as RaftNode).committed).toBe(1);
    expect((node as RaftNode).applied).toBe(1);
  });

  it('a follower advances its commit index to min(leaderCommit, last new entry)', () => {
    const { node, ctx } = setup({ term: 1 });
    node.onMessage(1, append(1, 0, 0, [entry(1, 1), entry(1, 2)], 10));
    ctx.take();
    expect((node as RaftNode).committed).toBe(2);
  });

  it('a new leader appends a no-op of its own term when it takes office', () => {
    const { node, ctx, stable } = setup({ term: 1, log: [1] });
    node.onTimer(TIMER_ELECTION);
    expect(node.term).toBe(2);
    ctx.take();
    node.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 2, granted: true } as VoteReply);
    expect((node as RaftNode).currentRole).toBe('leader');
    expect(stable.log.last()).toMatchObject({ term: 2, op: null });
  });

  function leaderOfTerm3WithOldEntry(bugs: RaftBug[] = []) {
    // Five servers; this one holds an entry of term 2 at index 2 and wins term 3 (Figure 8, step c).
    const s = setup({ n: 5, term: 2, log: [1, 2], bugs });
    s.node.onTimer(TIMER_ELECTION);
    s.node.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 3, granted: true } as VoteReply);
    s.node.onMessage(2, { kind: MsgKind.RequestVoteReply, term: 3, granted: true } as VoteReply);
    s.ctx.take();
    return s;
  }

  it('a leader does not commit an entry of an earlier term by counting replicas (§5.4.2, Figure 8)', () => {
    const { node } = leaderOfTerm3WithOldEntry();
    const raft = node as RaftNode;
    node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 3, success: true, matchIndex: 2, conflictIndex: 0, conflictTerm: 0 } as AppendEntriesReply);
    node.onMessage(2, { kind: MsgKind.AppendEntriesReply, term: 3, success: true, matchIndex: 2, conflictIndex: 0, conflictTerm: 0 } as AppendEntriesReply);
    expect(raft.committed).toBe(0);
    // Once an entry of its own term (the no-op at index 3) is on a majority, everything before it commits too.
    node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 3, success: true, matchIndex: 3, conflictIndex: 0, conflictTerm: 0 } as AppendEntriesReply);
    node.onMessage(2, { kind: MsgKind.AppendEntriesReply, term: 3, success: true, matchIndex: 3, conflictIndex: 0, conflictTerm: 0 } as AppendEntriesReply);
    expect(raft.committed).toBe(3);
  });

  it('with the commit-old-term bug, a leader commits an old-term entry by counting replicas', () => {
    const { node } = leaderOfTerm3WithOldEntry(['commit-old-term']);
    node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 3, success: true, matchIndex: 2, conflictIndex: 0, conflictTerm: 0 } as AppendEntriesReply);
    node.onMessage(2, { kind: MsgKind.AppendEntriesReply, term: 3, success: true, matchIndex: 2, conflictIndex: 0, conflictTerm: 0 } as AppendEntriesReply);
    expect((node as RaftNode).committed).toBe(2);
  });

  it('a leader that sees a higher term steps down to follower and adopts the term', () => {
    const { node } = leaderOfTerm3WithOldEntry();
    node.onMessage(4, { kind: MsgKind.AppendEntriesReply, term: 7, success: false, matchIndex: 0, conflictIndex: 1, conflictTerm: 0 } as AppendEntriesReply);
    expect((node as RaftNode).currentRole).toBe('follower');
    expect(node.term).toBe(7);
  });
});

describe('Raft message pattern: what goes on the wire, and when', () => {
  function leaderOfTerm2() {
    const s = setup({ term: 1, log: [1] });
    s.node.onTimer(TIMER_ELECTION);
    s.node.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 2, granted: true } as VoteReply);
    expect((s.node as RaftNode).currentRole).toBe('leader');
    s.ctx.take();
    return s;
  }
  const ack = (matchIndex: number): AppendEntriesReply => ({ kind: MsgKind.AppendEntriesReply, term: 2, success: true, matchIndex, conflictIndex: 0, conflictTerm: 0 });

  it('a follower stands for election only a full timeout after it last heard from the leader: the timer restarts from the last contact', () => {
    const { node, ctx } = setup({ term: 1 });
    ctx.nowUs = 100_000;
    node.onMessage(1, append(1, 0, 0, []));
    ctx.take();
    // The timer armed at start fires at 150 ms; the leader was heard at 100 ms, so a fresh
    // timeout of 150-300 ms runs from then: the new deadline is 250-400 ms.
    ctx.nowUs = 150_000;
    node.onTimer(TIMER_ELECTION);
    expect(node.term).toBe(1);
    expect(ctx.take()).toEqual([]);
    const deadline = ctx.nowUs + ctx.timers.get(TIMER_ELECTION)!;
    expect(deadline).toBeGreaterThanOrEqual(250_000);
    expect(deadline).toBeLessThanOrEqual(400_000);
    // Nothing heard since: when it fires again, the follower campaigns.
    ctx.nowUs = deadline;
    node.onTimer(TIMER_ELECTION);
    expect(node.term).toBe(2);
    expect(ctx.take().map((s) => s.msg.kind)).toEqual([MsgKind.RequestVote, MsgKind.RequestVote]);
  });

  it('a leader sends no round of its own when its commit index advances: followers learn it with the next AppendEntries', () => {
    const { node, ctx } = leaderOfTerm2();
    node.onMessage(1, ack(2));
    expect((node as RaftNode).committed).toBe(2);
    expect(ctx.take()).toEqual([]);
    node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 1 } });
    const sent = ctx.take<AppendEntries>();
    expect(sent.map((s) => s.to)).toEqual([1, 2]);
    for (const s of sent) expect(s.msg).toMatchObject({ kind: MsgKind.AppendEntries, commit: 2 });
  });

  it('the leader answers a forwarded write with a ClientReply to the origin as soon as it applies it', () => {
    const { node, ctx } = leaderOfTerm2();
    const forward: Forward = { kind: MsgKind.Forward, term: 2, client: 7, seq: 1, op: { f: 'write', key: 'k1', value: 42 } };
    node.onMessage(2, forward);
    ctx.take();
    node.onMessage(1, ack(3));
    const replies = ctx.take<ClientReply>().filter((s) => s.msg.kind === MsgKind.ClientReply);
    expect(replies).toEqual([{ to: 2, msg: { kind: MsgKind.ClientReply, term: 2, client: 7, seq: 1, ok: true, value: null } }]);
  });

  it('a leader that removes itself keeps office until its removal entry commits, not merely until the smaller configuration lets older entries commit (§4.2.2)', () => {
    const s = setup({ n: 2, term: 1, log: [1] });
    s.node.onTimer(TIMER_ELECTION);
    s.node.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 2, granted: true } as VoteReply);
    const node = s.node as RaftNode;
    expect(node.currentRole).toBe('leader');
    node.onMessage(1, ack(2)); // the no-op of term 2 commits
    node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 1 } }); // index 3, on the leader only
    expect(node.onAdmin!({ type: 'remove', node: 0 })).toBe('configuration entry appended'); // index 4: members [n2]
    node.onMessage(1, ack(3)); // under [n2] alone index 3 commits; the removal (4) does not yet
    expect(node.committed).toBe(3);
    expect(node.currentRole).toBe('leader');
    node.onMessage(1, ack(4));
    expect(node.committed).toBe(4);
    expect(node.currentRole).toBe('follower');
  });

  it('the last member cannot be removed: a configuration with no members could never commit or elect again', () => {
    const s = setup({ n: 1, term: 1, log: [1] });
    s.node.onTimer(TIMER_ELECTION);
    const node = s.node as RaftNode;
    expect(node.currentRole).toBe('leader');
    expect(node.onAdmin!({ type: 'remove', node: 0 })).toBe('skipped remove: it is the last member');
    expect(node.configuration).toEqual([0]);
  });

  it('a busy leader sends no heartbeats: every round of AppendEntries restarts the heartbeat timer', () => {
    const { node, ctx } = leaderOfTerm2();
    ctx.timers.delete(TIMER_HEARTBEAT);
    node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 1 } });
    expect(ctx.timers.get(TIMER_HEARTBEAT)).toBe(50_000);
  });
});
