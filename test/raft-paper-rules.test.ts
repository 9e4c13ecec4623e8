import { describe, expect, it } from 'vitest';
import {
  leaseDurationUs,
  MsgKind,
  RaftProtocol,
  type AppendEntries,
  type AppendEntriesReply,
  type Entry,
  type InstallSnapshot,
  type RaftNode,
  type RaftObserver,
  type RaftStable,
  type ReadMode,
  type RequestVote,
  type Snapshot,
  type VoteReply,
} from '../src/protocols/raft/index.ts';
import { FakeContext } from './helpers/fake-context.ts';

/**
 * The rules of the extended Raft paper's Figure 2 (and the dissertation's
 * snapshot and lease rules), each driven on one node from a state in which a
 * wrong rule gives a different answer than the right one, in the manner of
 * etcd's raft_paper_test.go. A test that starts from an empty log cannot tell
 * "the last new entry" from "the end of the log": these start from logs
 * longer than the message covers, with stale and conflicting tails.
 */

const TIMER_ELECTION = 0;
const MIN = 150_000;

/** A client write of `term`, distinct per (term, seq). */
function entry(term: number, seq: number): Entry {
  return { term, op: { f: 'write', key: 'k1', value: term * 100 + seq }, client: 0, seq: term * 100 + seq, origin: 0 };
}

/** What the node reported applying, by index. */
class Applied implements RaftObserver {
  readonly entries = new Map<number, Entry>();
  readonly truncations: { fromIndex: number; role: string }[] = [];
  readonly appends: { index: number; term: number; prevTerm: number }[] = [];
  roleChanged(): void {}
  becameLeader(): void {}
  appended(_node: number, index: number, entry: Entry, prevTerm: number): void {
    this.appends.push({ index, term: entry.term, prevTerm });
  }
  truncated(_node: number, fromIndex: number, role: string): void {
    this.truncations.push({ fromIndex, role });
  }
  committed(): void {}
  applied(_node: number, index: number, entry: Entry): void {
    this.entries.set(index, entry);
  }
}

/**
 * Node `self` of `n` (default 0 of 3), with `log` (the entries at indexes 1, 2, ..., or after `snapshot`'s
 * last index when given) on disk in `term`; started long ago (so no restart rule withholds votes), the
 * test's clock reads 0.
 */
function setup(
  options: {
    self?: number;
    n?: number;
    term?: number;
    log?: Entry[];
    snapshot?: Snapshot;
    reads?: ReadMode;
    preVote?: boolean;
    checkQuorum?: boolean;
    stable?: RaftStable;
    snapshotEvery?: number;
    observer?: RaftObserver | null;
    /** When the node starts (restarts, if it has a term); long before 0 unless given. */
    startedUs?: number;
  } = {},
) {
  const observer = new Applied();
  const protocol = new RaftProtocol(
    {
      electionTimeoutUsMin: MIN,
      electionTimeoutUsMax: 300_000,
      heartbeatUs: 50_000,
      preVote: options.preVote ?? false,
      checkQuorum: options.checkQuorum ?? false,
      reads: options.reads ?? 'log',
      bugs: new Set(),
      snapshotEvery: options.snapshotEvery ?? 0,
      members: Array.from({ length: options.n ?? 3 }, (_, i) => i),
      maxEntriesPerMessage: 64,
      maxClockDrift: 0.05,
    },
    options.observer === undefined ? observer : options.observer,
  );
  const stable = options.stable ?? protocol.createStable();
  if (options.stable === undefined) {
    stable.term = options.term ?? 0;
    const snap = options.snapshot;
    if (snap !== undefined) {
      stable.snapshot = snap;
      stable.log = stable.log.replaced([{ term: snap.lastTerm, op: null, client: -1, seq: 0, origin: -1 }]);
    }
    for (const e of options.log ?? []) stable.log.push(e);
  }
  const ctx = new FakeContext(options.self ?? 0, options.n ?? 3);
  const node = protocol.createNode(ctx, stable) as RaftNode;
  ctx.nowUs = options.startedUs ?? -10 * MIN;
  node.start();
  ctx.nowUs = 0;
  return { node, ctx, stable, observer };
}

const append = (term: number, prevIndex: number, prevTerm: number, entries: Entry[], commit: number, round = 0): AppendEntries => ({
  kind: MsgKind.AppendEntries,
  term,
  prevIndex,
  prevTerm,
  entries,
  commit,
  round,
});
const ack = (term: number, matchIndex: number, round = 0): AppendEntriesReply => ({ kind: MsgKind.AppendEntriesReply, term, success: true, matchIndex, conflictIndex: 0, conflictTerm: 0, round });
const terms = (s: { stable: { log: { slice(from: number): Entry[] } } }) => s.stable.log.slice(1).map((e) => e.term);

/** Node 0 of `n` with `log` on disk, elected in the term after `term` by nodes 1 and 2, its messages taken. */
function leader(options: { n?: number; term?: number; log?: Entry[]; snapshot?: Snapshot; reads?: ReadMode; snapshotEvery?: number; checkQuorum?: boolean; observer?: RaftObserver | null } = {}) {
  const s = setup(options);
  s.node.onTimer(TIMER_ELECTION);
  const term = s.node.term;
  s.node.onMessage(1, { kind: MsgKind.RequestVoteReply, term, granted: true } as VoteReply);
  if ((options.n ?? 3) > 3) s.node.onMessage(2, { kind: MsgKind.RequestVoteReply, term, granted: true } as VoteReply);
  expect(s.node.currentRole).toBe('leader');
  s.ctx.take();
  return s;
}

describe('§5.3 AppendEntries receiver (Figure 2), from logs longer than the message covers', () => {
  it('§5.3 receiver step 5: commitIndex = min(leaderCommit, index of last new entry), not the end of a longer log whose tail is stale', () => {
    // The follower holds 1:1, then 2:1 and 3:1 from a deposed leader of term 1 that nobody committed.
    // The leader of term 2 holds 1:1, 2:2, 3:2 and has committed index 3; its heartbeat to this follower
    // (nextIndex 2, entries not yet sent) covers index 1 only. The follower's 2:1 and 3:1 are not the
    // leader's entries 2 and 3: committing them (the end of its log, min(3, 3)) would apply stale writes.
    const s = setup({ self: 1, term: 1, log: [entry(1, 1), entry(1, 2), entry(1, 3)] });
    s.node.onMessage(0, append(2, 1, 1, [], 3));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 1 });
    expect(s.node.committed).toBe(1);
    expect(s.node.applied).toBe(1);
    expect([...s.observer.entries.keys()]).toEqual([1]);
    expect(s.node.read('k1')).toBe(101);
    // The next AppendEntries brings the leader's entries: the stale tail is replaced, and they commit.
    s.node.onMessage(0, append(2, 1, 1, [entry(2, 2), entry(2, 3)], 3));
    expect(terms(s)).toEqual([1, 2, 2]);
    expect(s.node.committed).toBe(3);
    expect(s.observer.entries.get(2)).toMatchObject({ term: 2 });
    expect(s.observer.entries.get(3)).toMatchObject({ term: 2 });
  });

  it('§5.3 receiver step 5: a message that carries some entries commits at most up to its last one, not to the follower\'s longer matching log', () => {
    // The follower already holds 1:1 .. 4:1; a delayed AppendEntries carries entries 1-2 and leaderCommit 4.
    // Step 4 keeps 3 and 4 (no conflict), but the message vouches only for entries up to 2.
    const log = [entry(1, 1), entry(1, 2), entry(1, 3), entry(1, 4)];
    const s = setup({ self: 1, term: 1, log });
    s.node.onMessage(0, append(1, 0, 0, [log[0]!, log[1]!], 4));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 2 });
    expect(terms(s)).toEqual([1, 1, 1, 1]);
    expect(s.node.committed).toBe(2);
  });

  it('§5.3 receiver step 5: the commit index never moves back when a message vouches for less than is committed', () => {
    const log = [entry(1, 1), entry(1, 2), entry(1, 3)];
    const s = setup({ self: 1, term: 1, log });
    s.node.onMessage(0, append(1, 3, 1, [], 3));
    expect(s.node.committed).toBe(3);
    s.node.onMessage(0, append(1, 1, 1, [], 3));
    expect(s.node.committed).toBe(3);
    expect(s.node.applied).toBe(3);
  });

  it('§5.3 receiver step 3: a conflicting entry is deleted with everything after it, however long the tail', () => {
    // 1:1 2:1 3:2 4:2 5:2; the leader of term 3 has 1:1 2:1 3:3. Entries 4 and 5 must go as well as 3.
    const s = setup({ self: 1, term: 2, log: [entry(1, 1), entry(1, 2), entry(2, 3), entry(2, 4), entry(2, 5)] });
    s.node.onMessage(0, append(3, 2, 1, [entry(3, 3)], 0));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 3 });
    expect(terms(s)).toEqual([1, 1, 3]);
    expect(s.node.lastIndex()).toBe(3);
    expect(s.observer.truncations).toEqual([{ fromIndex: 3, role: 'follower' }]);
  });

  it('§5.3 receiver step 4: entries already in the log are not truncated by an old, reordered AppendEntries', () => {
    // A retransmission of entries 1-2 arrives after entries 1-4 did: the log keeps 3 and 4.
    const log = [entry(2, 1), entry(2, 2), entry(2, 3), entry(2, 4)];
    const s = setup({ self: 1, term: 2, log });
    s.node.onMessage(0, append(2, 0, 0, [log[0]!, log[1]!], 0));
    expect(terms(s)).toEqual([2, 2, 2, 2]);
    expect(s.stable.log.get(4)).toBe(log[3]);
    expect(s.observer.truncations).toEqual([]);
  });

  it('§5.3 receiver step 2: prevIndex inside the log with a different term is refused, and nothing is written or committed', () => {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1), entry(1, 2), entry(1, 3)] });
    s.node.onMessage(0, append(3, 3, 2, [entry(3, 4)], 4));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: false, conflictTerm: 1, conflictIndex: 1 });
    expect(terms(s)).toEqual([1, 1, 1]);
    expect(s.node.committed).toBe(0);
  });

  it('§5.3 receiver step 2: prevIndex one past the end of the log is a gap like any other: retry just past the log, no conflicting term', () => {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1), entry(1, 2)] });
    s.node.onMessage(0, append(2, 3, 1, [entry(2, 4)], 0));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: false, conflictIndex: 3, conflictTerm: 0 });
  });

  it('§5.3 receiver step 3 never reaches a committed entry in correct Raft: an overwrite of exactly the commit index is caught too', () => {
    const s = setup({ self: 1, term: 2, log: [entry(2, 1), entry(2, 2)] });
    s.node.onMessage(0, append(2, 2, 2, [], 2));
    expect(s.node.committed).toBe(2);
    // Only a leader elected without the committed entries (a bug) would send this.
    expect(() => s.node.onMessage(2, append(3, 1, 2, [entry(3, 2)], 1))).toThrow(/overwrite committed index 2/);
  });

  it('§5.3 each appended entry is reported with the term of the entry before it in this log (what Log Matching compares)', () => {
    const s = setup({ self: 1, term: 1, log: [entry(1, 1)] });
    s.node.onMessage(0, append(2, 1, 1, [entry(2, 2), entry(2, 3)], 0));
    expect(s.observer.truncations).toEqual([]);
    expect(s.observer.appends).toEqual([
      { index: 2, term: 2, prevTerm: 1 },
      { index: 3, term: 2, prevTerm: 2 },
    ]);
  });

  it('§5.1 receiver step 1: a stale-term AppendEntries is refused and changes neither log nor commit index, nor the leader it believes in', () => {
    const s = setup({ self: 1, term: 3, log: [entry(1, 1), entry(1, 2)] });
    s.node.onMessage(0, append(2, 2, 1, [entry(2, 3)], 3));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ term: 3, success: false });
    expect(terms(s)).toEqual([1, 1]);
    expect(s.node.committed).toBe(0);
    expect(s.node.view().leader).toBe(-1);
  });
});

describe('§5.3, §5.1 the leader side: replies, and replies from an older term', () => {
  it('§5.1 a stale-term AppendEntries reply is ignored: acknowledgements of an older term do not commit in this one', () => {
    // Node 0 leads term 2 (its no-op at index 2). Late successes from its own term-1 round claim index 2.
    const s = leader({ term: 1, log: [entry(1, 1)] });
    expect(s.node.term).toBe(2);
    s.node.onMessage(1, ack(1, 2));
    s.node.onMessage(2, ack(1, 2));
    expect(s.node.committed).toBe(0);
    // The same acknowledgement in the current term commits.
    s.node.onMessage(1, ack(2, 2));
    expect(s.node.committed).toBe(2);
  });

  it('§5.1 a stale-term vote reply is ignored: grants of an older term elect no one in this one', () => {
    const s = setup({ n: 5, term: 4, log: [entry(4, 1)] });
    s.node.onTimer(TIMER_ELECTION);
    expect(s.node.term).toBe(5);
    s.node.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 4, granted: true } as VoteReply);
    s.node.onMessage(2, { kind: MsgKind.RequestVoteReply, term: 4, granted: true } as VoteReply);
    expect(s.node.currentRole).toBe('candidate');
    s.node.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 5, granted: true } as VoteReply);
    s.node.onMessage(2, { kind: MsgKind.RequestVoteReply, term: 5, granted: true } as VoteReply);
    expect(s.node.currentRole).toBe('leader');
  });

  it('§5.3 a rejection walks nextIndex back past the whole conflicting term, and the leader then sends from there', () => {
    // Leader of term 4 holds 1:1 2:1 3:3 4:3 and its no-op 5:4. The follower has 1:1 2:2 3:2: it reports conflictTerm 2 from index 2,
    // a term the leader does not hold at all, so the leader retries at index 2 with prevIndex 1.
    const s = leader({ term: 3, log: [entry(1, 1), entry(1, 2), entry(3, 3), entry(3, 4)] });
    expect(s.node.term).toBe(4);
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 4, success: false, matchIndex: 0, conflictIndex: 2, conflictTerm: 2 } as AppendEntriesReply);
    const [sent] = s.ctx.take<AppendEntries>();
    expect(sent).toMatchObject({ to: 1, msg: { kind: MsgKind.AppendEntries, prevIndex: 1, prevTerm: 1 } });
    expect(sent!.msg.entries.map((e) => e.term)).toEqual([1, 3, 3, 4]);
  });

  it('§5.3 a rejection naming a term the leader holds retries just after the leader\'s last entry of that term', () => {
    // The follower has 1:1 2:1 3:1 (term 1 from index 1); the leader holds term 1 up to index 2, so it retries at 3.
    const s = leader({ term: 3, log: [entry(1, 1), entry(1, 2), entry(3, 3)] });
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 4, success: false, matchIndex: 0, conflictIndex: 1, conflictTerm: 1 } as AppendEntriesReply);
    expect(s.ctx.take<AppendEntries>()[0]!.msg).toMatchObject({ prevIndex: 2, prevTerm: 1 });
  });

  it('§5.3 after a success the next AppendEntries to that follower starts just past its match', () => {
    const s = leader({ term: 1, log: [entry(1, 1)] });
    s.node.onMessage(1, ack(2, 2));
    expect(s.ctx.take()).toEqual([]);
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 7 } });
    const toFollower = s.ctx.take<AppendEntries>().find((m) => m.to === 1)!.msg;
    expect(toFollower).toMatchObject({ prevIndex: 2, prevTerm: 2 });
    expect(toFollower.entries).toHaveLength(1);
  });

  it('§5.3 a rejection delivered after a later success (reordered) does not move nextIndex below the follower\'s match', () => {
    const s = leader({ term: 1, log: [entry(1, 1)] });
    s.node.onMessage(1, ack(2, 2));
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 2, success: false, matchIndex: 0, conflictIndex: 1, conflictTerm: 0 } as AppendEntriesReply);
    expect(s.ctx.take()).toEqual([]);
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 7 } });
    expect(s.ctx.take<AppendEntries>().find((m) => m.to === 1)!.msg).toMatchObject({ prevIndex: 2 });
  });

  it('§5.3 a success claiming more than the leader holds (a follower answering from a later snapshot) counts only up to the leader\'s last index', () => {
    const s = leader({ term: 1, log: [entry(1, 1)] });
    s.node.onMessage(1, ack(2, 9));
    expect(s.node.committed).toBe(2);
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 7 } });
    expect(s.ctx.take<AppendEntries>().find((m) => m.to === 1)!.msg).toMatchObject({ prevIndex: 2, prevTerm: 2 });
  });

  it('§5.3 a rejection asking for exactly what the leader sends next (a follower lacking only the no-op) moves nextIndex nowhere and resends nothing', () => {
    // Leader of term 2: 1:1 2:1 and its no-op 3:2, its AppendEntries from index 3 already out. The follower holds
    // 1:1 2:1 and reports the gap at 3: nextIndex is 3 already, not to be walked back before it.
    const s = leader({ term: 1, log: [entry(1, 1), entry(1, 2)] });
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 2, success: false, matchIndex: 0, conflictIndex: 3, conflictTerm: 0 } as AppendEntriesReply);
    expect(s.ctx.take()).toEqual([]);
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 7 } });
    expect(s.ctx.take<AppendEntries>().find((m) => m.to === 1)!.msg).toMatchObject({ prevIndex: 2, prevTerm: 1 });
  });

  /** A leader of term 2 with 130 entries of term 1 and its no-op at 131, follower 1 sent 1-64 and then 65-128 (batches of 64). */
  function catchingUp() {
    const s = leader({ term: 1, log: Array.from({ length: 130 }, (_, i) => entry(1, i + 1)) });
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 2, success: false, matchIndex: 0, conflictIndex: 1, conflictTerm: 0 } as AppendEntriesReply);
    expect(s.ctx.take<AppendEntries>().map((m) => [m.msg.prevIndex, m.msg.entries.length])).toEqual([[0, 64]]);
    s.node.onMessage(1, ack(2, 64));
    expect(s.ctx.take<AppendEntries>().map((m) => [m.msg.prevIndex, m.msg.entries.length])).toEqual([[64, 64]]);
    return s;
  }

  it('§5.3 a duplicated success reply sends nothing: the batch after the one it acknowledges is on the wire already', () => {
    const s = catchingUp();
    s.node.onMessage(1, ack(2, 64));
    expect(s.ctx.take()).toEqual([]);
  });

  it('§5.3 a success reply older than one already counted (reordered) moves nextIndex back nowhere', () => {
    const s = catchingUp();
    s.node.onMessage(1, ack(2, 128));
    expect(s.ctx.take<AppendEntries>().map((m) => [m.msg.prevIndex, m.msg.entries.length])).toEqual([[128, 3]]);
    s.node.onMessage(1, ack(2, 64));
    expect(s.ctx.take()).toEqual([]);
    // The next round to follower 1 still starts past 128, where it was.
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 7 } });
    expect(s.ctx.take<AppendEntries>().find((m) => m.to === 1)!.msg).toMatchObject({ prevIndex: 128 });
  });

  it('§5.3 a leader whose log starts after a snapshot sends a follower far behind batches of at most maxEntriesPerMessage entries, each starting where the last ended', () => {
    // Snapshot up to index 100 (term 1), entries 101-300 of term 1 in the log, the no-op of term 2 at 301.
    // Follower 1 lacks everything from 150 on: 152 entries, more than two batches of 64.
    const s = leader({ term: 1, snapshot: { lastIndex: 100, lastTerm: 1, state: { values: [], sessions: [] }, config: [0, 1, 2] }, log: Array.from({ length: 200 }, (_, i) => entry(1, i + 101)) });
    expect(s.node.lastIndex()).toBe(301);
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 2, success: false, matchIndex: 0, conflictIndex: 150, conflictTerm: 0 } as AppendEntriesReply);
    const batches: [number, number][] = [];
    for (let sent = s.ctx.take<AppendEntries>(); sent.length > 0; sent = s.ctx.take<AppendEntries>()) {
      expect(sent.map((m) => [m.to, m.msg.kind])).toEqual([[1, MsgKind.AppendEntries]]);
      const { prevIndex, entries } = sent[0]!.msg;
      batches.push([prevIndex, entries.length]);
      expect(entries.length).toBeLessThanOrEqual(64);
      expect(entries[0]).toBe(s.node.entryAt(prevIndex + 1));
      s.node.onMessage(1, ack(2, prevIndex + entries.length));
    }
    expect(batches).toEqual([
      [149, 64],
      [213, 64],
      [277, 24],
    ]);
    expect(s.node.committed).toBe(301);
  });

  it('§7 a follower that needs the entry at the snapshot\'s last index (compacted away) is sent the snapshot', () => {
    const s = leader({ term: 1, snapshot: { lastIndex: 100, lastTerm: 1, state: { values: [], sessions: [] }, config: [0, 1, 2] }, log: [entry(1, 101)] });
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 2, success: false, matchIndex: 0, conflictIndex: 100, conflictTerm: 0 } as AppendEntriesReply);
    expect(s.ctx.take().map((m) => [m.to, m.msg.kind])).toEqual([[1, MsgKind.InstallSnapshot]]);
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 2, success: false, matchIndex: 0, conflictIndex: 101, conflictTerm: 0 } as AppendEntriesReply);
    expect(s.ctx.take<AppendEntries>().map((m) => [m.to, m.msg.kind, m.msg.prevIndex, m.msg.entries.length])).toEqual([[1, MsgKind.AppendEntries, 100, 2]]);
  });

  it('§5.3 a success that leaves a follower behind is answered at once with the next batch, up to the last entry', () => {
    // 64 entries of term 1, then the leader's no-op of term 2 at 65; a batch carries at most 64 entries.
    const s = leader({ term: 1, log: Array.from({ length: 64 }, (_, i) => entry(1, i + 1)) });
    s.node.onMessage(1, { kind: MsgKind.AppendEntriesReply, term: 2, success: false, matchIndex: 0, conflictIndex: 1, conflictTerm: 0 } as AppendEntriesReply);
    const [first] = s.ctx.take<AppendEntries>();
    expect(first!.msg).toMatchObject({ prevIndex: 0 });
    expect(first!.msg.entries).toHaveLength(64);
    s.node.onMessage(1, ack(2, 64));
    const next = s.ctx.take<AppendEntries>();
    expect(next.map((m) => [m.to, m.msg.prevIndex, m.msg.entries.length])).toEqual([[1, 64, 1]]);
  });

  it('§5.4.2 a majority acknowledging an old-term entry commits nothing; a majority on an entry of the current term commits everything before it', () => {
    // Five nodes: two acknowledgements plus the leader's own is a majority of 5.
    const s = leader({ n: 5, term: 2, log: [entry(1, 1), entry(2, 2)] });
    s.node.onMessage(1, ack(3, 2));
    s.node.onMessage(2, ack(3, 2));
    expect(s.node.committed).toBe(0);
    s.node.onMessage(1, ack(3, 3));
    expect(s.node.committed).toBe(0); // the leader and node 1: not a majority of 5
    s.node.onMessage(3, ack(3, 3));
    expect(s.node.committed).toBe(3);
  });
});

describe('§5.2, §5.4.1, §9.6 RequestVote and PreVote', () => {
  const requestVote = (term: number, lastLogIndex: number, lastLogTerm: number) => ({ kind: MsgKind.RequestVote, term, lastLogIndex, lastLogTerm }) as never;

  it('§5.2 a repeated RequestVote from the candidate already voted for is granted again (the first reply may have been lost); another candidate is refused', () => {
    const s = setup({ self: 1, term: 1 });
    s.node.onMessage(0, requestVote(4, 0, 0));
    s.node.onMessage(0, requestVote(4, 0, 0));
    s.node.onMessage(2, requestVote(4, 0, 0));
    expect(s.ctx.take<VoteReply>().map((m) => [m.to, m.msg.granted])).toEqual([
      [0, true],
      [0, true],
      [2, false],
    ]);
  });

  it('§5.4.1 a candidate whose last entry has a higher term is at least as up to date, however much shorter its log', () => {
    const s = setup({ self: 1, term: 1, log: [entry(1, 1), entry(1, 2), entry(1, 3)] });
    s.node.onMessage(0, requestVote(3, 1, 2));
    expect(s.ctx.take<VoteReply>()[0]!.msg).toMatchObject({ term: 3, granted: true });
  });

  it('§5.1 adopting a newer term clears the vote on disk too: restarted, the node may vote in that term', () => {
    const first = setup({ self: 1, term: 1 });
    first.node.onMessage(0, requestVote(4, 0, 0));
    expect(first.ctx.take<VoteReply>()[0]!.msg.granted).toBe(true);
    first.node.onMessage(2, append(5, 0, 0, [], 0));
    expect(first.node.term).toBe(5);
    const restarted = setup({ self: 1, stable: first.stable });
    restarted.node.onMessage(2, requestVote(5, 0, 0));
    expect(restarted.ctx.take<VoteReply>()[0]!.msg).toMatchObject({ term: 5, granted: true });
  });

  it('§9.6 a pre-vote grant left over from an earlier pre-vote round is not counted', () => {
    const s = setup({ term: 1, preVote: true });
    s.node.onTimer(TIMER_ELECTION); // pre-vote for term 2
    s.node.onMessage(1, append(2, 0, 0, [], 0)); // a leader of term 2 appears
    expect(s.node.currentRole).toBe('follower');
    s.ctx.nowUs = 1_000_000;
    s.node.onTimer(TIMER_ELECTION); // it falls silent: pre-vote for term 3
    expect(s.node.currentRole).toBe('preCandidate');
    s.node.onMessage(2, { kind: MsgKind.PreVoteReply, term: 2, granted: true } as VoteReply);
    expect(s.node.currentRole).toBe('preCandidate');
    expect(s.node.term).toBe(2);
    s.node.onMessage(2, { kind: MsgKind.PreVoteReply, term: 3, granted: true } as VoteReply);
    expect(s.node.currentRole).toBe('candidate');
    expect(s.node.term).toBe(3);
  });
});

describe('§7 InstallSnapshot receiver (dissertation §5.1), with a log longer than the snapshot', () => {
  const snapshot = (lastIndex: number, lastTerm: number, values: [string, number][]): InstallSnapshot => ({
    kind: MsgKind.InstallSnapshot,
    term: 2,
    snapshot: { lastIndex, lastTerm, state: { values, sessions: [] }, config: [0, 1, 2] },
    round: 0,
  });

  it('§7 receiver step 6: a snapshot whose last entry matches the log keeps the entries after it, and commits no further than the snapshot', () => {
    const log = [entry(1, 1), entry(1, 2), entry(1, 3), entry(2, 4), entry(2, 5)];
    const s = setup({ self: 1, term: 2, log });
    s.node.onMessage(0, snapshot(3, 1, [['k1', 103]]));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 3 });
    expect(s.node.snapshotIndex).toBe(3);
    expect(s.node.lastIndex()).toBe(5);
    expect(s.node.entryAt(4)).toBe(log[3]);
    expect(s.node.entryAt(5)).toBe(log[4]);
    expect(s.node.committed).toBe(3);
    expect(s.node.applied).toBe(3);
    expect(s.node.read('k1')).toBe(103);
    // The kept entries still commit by the usual rule.
    s.node.onMessage(0, append(2, 5, 2, [], 5));
    expect(s.node.committed).toBe(5);
    expect(s.node.read('k1')).toBe(205);
  });

  it('§7 receiver step 6 on a follower that has compacted its own log: the entries after the leader\'s later snapshot are kept', () => {
    // The follower's own snapshot ends at 2; its log holds 3:1 4:1 5:2 6:2. The leader's snapshot ends at 4 (term 1).
    const own = { lastIndex: 2, lastTerm: 1, state: { values: [['k1', 102]], sessions: [] }, config: [0, 1, 2] } as Snapshot;
    const log = [entry(1, 3), entry(1, 4), entry(2, 5), entry(2, 6)];
    const s = setup({ self: 1, term: 2, snapshot: own, log });
    expect(s.node.lastIndex()).toBe(6);
    s.node.onMessage(0, snapshot(4, 1, [['k1', 104]]));
    expect(s.node.snapshotIndex).toBe(4);
    expect(s.node.lastIndex()).toBe(6);
    expect(s.node.entryAt(5)).toBe(log[2]);
    expect(s.node.entryAt(6)).toBe(log[3]);
    expect(s.node.read('k1')).toBe(104);
  });

  it('§7 (dissertation §5.1) an installed snapshot brings its configuration: the follower\'s members become the snapshot\'s', () => {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1)] });
    s.node.onMessage(0, { ...snapshot(3, 1, [['k1', 103]]), snapshot: { lastIndex: 3, lastTerm: 1, state: { values: [['k1', 103]], sessions: [] }, config: [0, 1] } } as InstallSnapshot);
    expect(s.node.configuration).toEqual([0, 1]);
  });

  it('§7 a snapshot no further than the commit index is answered with the commit index, not the end of a longer log whose tail is not known to match', () => {
    // 1:1 2:1 committed; 3:1 4:1 from a leader of term 1 that nobody vouched for.
    const s = setup({ self: 1, term: 2, log: [entry(1, 1), entry(1, 2), entry(1, 3), entry(1, 4)] });
    s.node.onMessage(0, append(2, 2, 1, [], 2));
    s.ctx.take();
    s.node.onMessage(0, snapshot(1, 1, [['k1', 101]]));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 2 });
    expect(s.node.lastIndex()).toBe(4);
  });

  it('§7 a snapshot carries the leader\'s round like an AppendEntries: the reply acknowledges it, and the follower has heard it (§4.2.3)', () => {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1)] });
    s.node.onMessage(0, { ...snapshot(3, 1, [['k1', 103]]), round: 7 } as InstallSnapshot);
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 3, round: 7 });
    // A transfer's RequestVote naming an earlier round of this leader is ignored.
    s.ctx.nowUs = 10_000;
    s.node.onMessage(2, { kind: MsgKind.RequestVote, term: 3, lastLogIndex: 3, lastLogTerm: 1, transfer: true, round: 5 } as RequestVote);
    expect(s.ctx.take()).toEqual([]);
    expect(s.node.term).toBe(2);
  });

  it('§7 a node with no observer installs a snapshot all the same', () => {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1)], observer: null });
    s.node.onMessage(0, snapshot(3, 1, [['k1', 103]]));
    expect(s.node.snapshotIndex).toBe(3);
    expect(s.node.read('k1')).toBe(103);
  });

  it('§7 receiver step 7: a snapshot whose last entry conflicts with the log discards the whole log', () => {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1), entry(1, 2), entry(1, 3), entry(1, 4)] });
    s.node.onMessage(0, snapshot(3, 2, [['k1', 203]]));
    expect(s.node.snapshotIndex).toBe(3);
    expect(s.node.lastIndex()).toBe(3);
    expect(s.node.entryAt(4)).toBeUndefined();
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 3 });
  });

  it('§7 a snapshot no further than the commit index is ignored, and the reply reports what is committed', () => {
    const log = [entry(1, 1), entry(1, 2), entry(1, 3), entry(1, 4)];
    const s = setup({ self: 1, term: 2, log });
    s.node.onMessage(0, append(2, 4, 1, [], 4));
    s.ctx.take();
    s.node.onMessage(0, snapshot(2, 1, [['k1', 102]]));
    expect(s.node.snapshotIndex).toBe(0);
    expect(s.node.lastIndex()).toBe(4);
    expect(s.node.read('k1')).toBe(104);
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 4 });
  });

  it('§5.3 after a snapshot, AppendEntries whose entries all lie inside it is answered with the snapshot\'s index', () => {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1), entry(1, 2), entry(1, 3)] });
    s.node.onMessage(0, snapshot(3, 1, [['k1', 103]]));
    s.ctx.take();
    // A delayed AppendEntries of entry 1 only: everything it carries is compacted; the follower matches up to 3.
    s.node.onMessage(0, append(2, 0, 0, [entry(1, 1)], 1));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 3 });
  });

  it('§5.3 receiver step 3 on a follower that has compacted its log: the conflicting entry and what follows are replaced in place', () => {
    // Snapshot up to 2; the log holds 3:1 4:1 5:1. The leader of term 2 has 3:1 4:2.
    const s = setup({ self: 1, term: 2, snapshot: { lastIndex: 2, lastTerm: 1, state: { values: [], sessions: [] }, config: [0, 1, 2] }, log: [entry(1, 3), entry(1, 4), entry(1, 5)] });
    s.node.onMessage(0, append(2, 3, 1, [entry(2, 4)], 0));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 4 });
    expect(s.node.lastIndex()).toBe(4);
    expect(s.node.entryAt(3)).toMatchObject({ term: 1 });
    expect(s.node.entryAt(4)).toMatchObject({ term: 2 });
    expect(s.observer.truncations).toEqual([{ fromIndex: 4, role: 'follower' }]);
  });

  it('§5.3 fast backtracking never points into the snapshot, even when the snapshot ends in the conflicting term', () => {
    const s = setup({ self: 1, term: 2, log: [entry(2, 1), entry(2, 2), entry(2, 3), entry(2, 4), entry(2, 5)] });
    s.node.onMessage(0, snapshot(3, 2, [['k1', 203]]));
    s.ctx.take();
    s.node.onMessage(0, append(3, 5, 3, [entry(3, 6)], 0));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: false, conflictIndex: 4, conflictTerm: 2 });
  });

  it('§5.3 after a snapshot, AppendEntries whose prevIndex lies inside it skips the entries the snapshot covers', () => {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1), entry(1, 2), entry(1, 3)] });
    s.node.onMessage(0, snapshot(3, 1, [['k1', 103]]));
    s.ctx.take();
    // The leader still thinks this follower needs index 2 on: entries 2-3 are in the snapshot, 4 is new.
    s.node.onMessage(0, append(2, 1, 1, [entry(1, 2), entry(1, 3), entry(2, 4)], 4));
    expect(s.ctx.take<AppendEntriesReply>()[0]!.msg).toMatchObject({ success: true, matchIndex: 4 });
    expect(s.node.entryAt(4)).toMatchObject({ term: 2 });
    expect(s.node.committed).toBe(4);
  });
});

describe('§6.4.1 lease reads: the lease runs from the send time of the round a majority acknowledged', () => {
  const read = (seq: number) => ({ client: 0, seq, op: { f: 'read' as const, key: 'k1', value: null } });

  it('§6.4.1 the lease is counted from when the round was sent, not from when its acknowledgement arrived', () => {
    const s = leader({ term: 0, reads: 'lease' });
    const lease = leaseDurationUs({ electionTimeoutUsMin: MIN, maxClockDrift: 0.05 });
    // Round 1 was sent at 0 (on taking office); its acknowledgement, committing the no-op, arrives 60 ms later.
    s.ctx.nowUs = 60_000;
    s.node.onMessage(1, ack(1, 1, 1));
    expect(s.node.committed).toBe(1);
    s.ctx.nowUs = lease - 1;
    s.node.onClientRequest(read(1));
    expect(s.ctx.replies).toHaveLength(1);
    // From the acknowledgement it would run until 60 ms + lease; from the send time it has ended.
    s.ctx.nowUs = lease;
    s.node.onClientRequest(read(2));
    expect(s.ctx.replies).toHaveLength(1);
  });

  it('§6.4.1 only a majority\'s acknowledgement extends the lease: with five nodes, one follower\'s is not enough', () => {
    const s = leader({ n: 5, term: 0, reads: 'lease' });
    s.node.onMessage(1, ack(1, 1, 1));
    s.node.onMessage(2, ack(1, 1, 1));
    expect(s.node.committed).toBe(1);
    // Round 2 (a heartbeat at 50 ms): only node 1 acknowledges it; the lease stays that of round 1 (sent at 0).
    s.ctx.nowUs = 50_000;
    s.node.onTimer(1);
    s.ctx.take();
    s.node.onMessage(1, ack(1, 1, 2));
    const lease = leaseDurationUs({ electionTimeoutUsMin: MIN, maxClockDrift: 0.05 });
    s.ctx.nowUs = lease;
    s.node.onClientRequest(read(1));
    expect(s.ctx.replies).toHaveLength(0);
    // Node 2's acknowledgement makes round 2 a majority's: the lease now runs to 50 ms + lease.
    s.node.onMessage(2, ack(1, 1, 2));
    s.ctx.nowUs = 50_000 + lease - 1;
    s.node.onClientRequest(read(2));
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 2, ok: true, value: null }]);
  });
  it('§6.4.1 a round sent during a transfer that was then aborted extends no lease: only rounds sent after the abort do', () => {
    const s = leader({ term: 0, reads: 'lease' });
    s.node.onMessage(1, ack(1, 1, 1)); // round 1 (sent at 0) confirmed; the no-op committed
    s.ctx.nowUs = 10_000;
    expect(s.node.onAdmin!({ type: 'transfer', to: 2 })).toBe('leadership transfer started');
    // A heartbeat during the transfer: round 2, sent at 50 ms. The TimeoutNow may still start an election
    // that voters who acknowledged round 2 let through (they heard no round later than the TimeoutNow's).
    s.ctx.nowUs = 50_000;
    s.node.onTimer(1);
    s.ctx.nowUs = 60_000;
    s.node.onTimer(2); // the transfer aborts
    s.ctx.take();
    s.ctx.nowUs = 70_000;
    s.node.onMessage(1, ack(1, 1, 2));
    s.ctx.nowUs = 80_000;
    s.node.onClientRequest(read(1));
    expect(s.ctx.replies).toEqual([]);
    // The read's own round (3, sent at 80 ms, after the abort) confirms leadership, and renews the lease.
    const round = s.ctx.take<AppendEntries>().find((m) => m.msg.kind === MsgKind.AppendEntries)!.msg.round!;
    expect(round).toBe(3);
    s.node.onMessage(1, ack(1, 1, 3));
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: true, value: null }]);
    s.node.onClientRequest(read(2));
    expect(s.ctx.replies).toHaveLength(2);
  });

  it('§6.4 a new leader serves no lease read before it has committed an entry of its own term, even with a confirmed round', () => {
    // Node 0 holds 1:1, wins term 2 and appends its no-op at 2. Node 1 acknowledges round 1 having stored only index 1.
    const s = leader({ term: 1, log: [entry(1, 1)], reads: 'lease' });
    s.node.onMessage(1, ack(2, 1, 1));
    expect(s.node.committed).toBe(0);
    s.node.onClientRequest(read(1));
    expect(s.ctx.replies).toEqual([]);
    // Once the no-op commits (and the read's round is confirmed), the read is answered with the committed state.
    const round = s.ctx.take<AppendEntries>().find((m) => m.msg.kind === MsgKind.AppendEntries)!.msg.round!;
    s.node.onMessage(1, ack(2, 2, round));
    expect(s.node.committed).toBe(2);
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: true, value: 101 }]);
  });

  it('§6.4.1 a leader re-elected after its transfer moved office away serves lease reads again in its new term', () => {
    const s = leader({ term: 0, reads: 'lease' });
    s.node.onMessage(1, ack(1, 1, 1));
    expect(s.node.onAdmin!({ type: 'transfer', to: 1 })).toBe('leadership transfer started');
    // Node 1 took over in term 2; node 0 steps down on its first AppendEntries.
    s.ctx.nowUs = 10_000;
    s.node.onMessage(1, append(2, 1, 1, [], 1));
    expect(s.node.currentRole).toBe('follower');
    // Much later, node 0 stands again and wins term 3.
    s.ctx.nowUs = 1_000_000;
    s.node.onTimer(TIMER_ELECTION);
    expect(s.node.term).toBe(3);
    s.node.onMessage(2, { kind: MsgKind.RequestVoteReply, term: 3, granted: true } as VoteReply);
    expect(s.node.currentRole).toBe('leader');
    s.ctx.take();
    s.node.onMessage(2, ack(3, 2, 1));
    expect(s.node.committed).toBe(2);
    s.node.onClientRequest(read(1));
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: true, value: null }]);
  });
});

describe('§4.1 membership changes and §3.10 transfers: one change at a time, from a leader that has committed in its term', () => {
  it('§4.1 a leader appends a configuration entry only once it has committed an entry of its term, and only one until that commits; it refuses changes that change nothing', () => {
    const s = leader({ term: 1, log: [entry(1, 1)] }); // term 2; its no-op at index 2, not yet committed
    // The no-op is the leader's own entry: no client, no operation.
    expect(s.stable.log.get(2)).toMatchObject({ term: 2, op: null, client: -1 });
    expect(s.node.onAdmin!({ type: 'remove', node: 1 })).toBe('skipped remove: the leader has not committed an entry of its term yet');
    s.node.onMessage(2, ack(2, 2));
    expect(s.node.committed).toBe(2);
    expect(s.node.onAdmin!({ type: 'add', node: 2 })).toBe('skipped add: already a member');
    expect(s.node.onAdmin!({ type: 'remove', node: 5 })).toBe('skipped remove: not a member');
    expect(s.node.onAdmin!({ type: 'remove', node: 1 })).toBe('configuration entry appended');
    expect(s.node.configuration).toEqual([0, 2]);
    expect(s.stable.log.get(3)).toMatchObject({ term: 2, op: null, client: -1, config: [0, 2] });
    expect(s.node.onAdmin!({ type: 'add', node: 1 })).toBe('skipped add: another membership change is not committed yet');
    // Node 2's acknowledgement commits the removal under [n1, n3]; node 1 is added back, sorted into place.
    s.node.onMessage(2, ack(2, 3));
    expect(s.node.committed).toBe(3);
    s.ctx.take();
    expect(s.node.onAdmin!({ type: 'add', node: 1 })).toBe('configuration entry appended');
    expect(s.node.configuration).toEqual([0, 1, 2]);
    // The added node is sent what follows the leader's log as it was when it was added: its nextIndex is lastIndex + 1.
    const toAdded = s.ctx.take<AppendEntries>().filter((m) => m.to === 1 && m.msg.kind === MsgKind.AppendEntries);
    expect(toAdded.map((m) => [m.msg.prevIndex, m.msg.entries.length])).toEqual([[3, 1]]);
  });

  it('only a leader takes operator commands; §3.10 a transfer to itself or to a non-member is refused', () => {
    const f = setup({ term: 1 });
    expect(f.node.onAdmin!({ type: 'transfer', to: 1 })).toBe('skipped: not the leader');
    expect(f.node.onAdmin!({ type: 'add', node: 1 })).toBe('skipped: not the leader');
    const s = leader({ term: 1 });
    expect(s.node.onAdmin!({ type: 'transfer', to: 0 })).toBe('skipped transfer: the target is already the leader');
    expect(s.node.onAdmin!({ type: 'transfer', to: 7 })).toBe('skipped transfer: the target is not a member');
    expect(s.ctx.take()).toEqual([]);
  });

  it('§3.10 a transfer first brings the target\'s log up to date, and sends it TimeoutNow once it matches the leader\'s', () => {
    const s = leader({ term: 1, log: [entry(1, 1)] }); // term 2; the no-op at index 2
    s.node.onMessage(1, ack(2, 2));
    s.ctx.take();
    // Node 2 has acknowledged nothing of this term: it is sent the log first, not TimeoutNow.
    expect(s.node.onAdmin!({ type: 'transfer', to: 2 })).toBe('leadership transfer started');
    expect(s.ctx.take().map((m) => [m.to, m.msg.kind])).toEqual([[2, MsgKind.AppendEntries]]);
    s.node.onMessage(2, ack(2, 2));
    expect(s.ctx.take().map((m) => [m.to, m.msg.kind])).toEqual([[2, MsgKind.TimeoutNow]]);
  });

  it('§4.1 a configuration of one member may grow: only removing its last member is refused', () => {
    const s = setup({ n: 2, term: 1, log: [entry(1, 1)] });
    s.node.onTimer(TIMER_ELECTION);
    s.node.onMessage(1, { kind: MsgKind.RequestVoteReply, term: 2, granted: true } as VoteReply);
    s.node.onMessage(1, ack(2, 2));
    expect(s.node.onAdmin!({ type: 'remove', node: 1 })).toBe('configuration entry appended');
    // Alone in its configuration, the leader commits the removal by itself.
    expect(s.node.committed).toBe(3);
    expect(s.node.onAdmin!({ type: 'add', node: 1 })).toBe('configuration entry appended');
    expect(s.node.configuration).toEqual([0, 1]);
  });

  it('§5.1 (dissertation) a snapshot records the configuration in force at its last index: the last configuration entry at or before it, else the previous snapshot\'s, else the initial one', () => {
    const s = leader({ term: 1, log: [entry(1, 1)], snapshotEvery: 2 }); // term 2; the no-op at index 2
    const write = (seq: number) => s.node.onClientRequest({ client: 0, seq, op: { f: 'write', key: 'k1', value: seq } });
    s.node.onMessage(2, ack(2, 2)); // applied 2: captured at 2
    expect(s.node.onAdmin!({ type: 'remove', node: 1 })).toBe('configuration entry appended'); // index 3: [n1, n3]
    write(1); // index 4
    s.node.onMessage(2, ack(2, 4)); // applied 4: the capture at 2 becomes the snapshot; captured at 4
    expect(s.stable.snapshot).toMatchObject({ lastIndex: 2, config: [0, 1, 2] });
    write(2); // index 5
    write(3); // index 6
    s.node.onMessage(2, ack(2, 6)); // applied 6: the capture at 4 becomes the snapshot
    expect(s.stable.snapshot).toMatchObject({ lastIndex: 4, config: [0, 2] });
    write(4); // index 7
    write(5); // index 8
    s.node.onMessage(2, ack(2, 8)); // the capture at 6, after the snapshot at 4 and no configuration entry since: the snapshot's
    expect(s.stable.snapshot).toMatchObject({ lastIndex: 6, config: [0, 2] });
  });

  it('the view shows the terms of the last entries of the log, as many as asked, oldest first', () => {
    const s = setup({ term: 3, log: [entry(1, 1), entry(2, 2), entry(3, 3)] });
    expect(s.node.view(2).logTailTerms).toEqual([2, 3]);
    expect(s.node.view(10).logTailTerms).toEqual([1, 2, 3]);
    expect(s.node.view().logTailTerms).toEqual([]);
    expect(s.node.view(1).logLength).toBe(3);
  });
});

describe('observers are optional: a node with none, or one that reports only what it must, follows the same rules', () => {
  const requestVote = (kind: 1 | 5, term: number): RequestVote => ({ kind, term, lastLogIndex: 0, lastLogTerm: 0 }) as RequestVote;
  const minimal: RaftObserver = { roleChanged() {}, becameLeader() {}, appended() {}, truncated() {}, committed() {}, applied() {} };

  it.each([
    ['no observer', null],
    ['an observer without vote or event', minimal],
  ] as const)('§5.1 a stale RequestVote is refused with the voter\'s term, §4.2.3 one within a minimum election timeout of a leader is ignored, §9.6 a PreVote is answered: with %s', (_name, observer) => {
    const stale = setup({ term: 3, observer });
    stale.node.onMessage(1, requestVote(MsgKind.RequestVote, 2));
    expect(stale.ctx.take().map((m) => m.msg)).toEqual([{ kind: MsgKind.RequestVoteReply, term: 3, granted: false }]);
    const follower = setup({ self: 1, term: 2, observer });
    follower.node.onMessage(0, append(2, 0, 0, [], 0));
    follower.ctx.take();
    follower.node.onMessage(2, requestVote(MsgKind.RequestVote, 3));
    expect(follower.ctx.take()).toEqual([]);
    expect(follower.node.term).toBe(2);
    const voter = setup({ term: 2, preVote: true, observer });
    voter.node.onMessage(1, requestVote(MsgKind.PreVote, 3));
    expect(voter.ctx.take().map((m) => m.msg.kind)).toEqual([MsgKind.PreVoteReply]);
  });
});

describe('timers and messages every role must take calmly (onTimer, onMessage)', () => {
  const write = (seq: number) => ({ client: 0, seq, op: { f: 'write' as const, key: 'k1', value: seq } });

  it('§5.2 only a leader sends heartbeats: a heartbeat timer that fires after its leader stepped down sends nothing', () => {
    const s = leader({ term: 1, log: [entry(1, 1)] });
    s.node.onMessage(1, append(3, 2, 2, [], 0));
    expect(s.node.currentRole).toBe('follower');
    s.ctx.take();
    s.node.onTimer(1);
    expect(s.ctx.take()).toEqual([]);
  });

  it('an unknown timer is the host\'s bug: the node refuses it loudly', () => {
    const s = setup({ term: 1 });
    expect(() => s.node.onTimer(3)).toThrow(/unknown timer 3/);
  });

  it('§3.10 a transfer to node 0 that no one takes up aborts after an election timeout like any other, and the leader takes writes again', () => {
    // Node 1 leads term 2 (voted in by node 2); node 0 has acknowledged the no-op, so it is sent TimeoutNow at once.
    const s = setup({ self: 1, term: 1, log: [entry(1, 1)] });
    s.node.onTimer(TIMER_ELECTION);
    s.node.onMessage(2, { kind: MsgKind.RequestVoteReply, term: 2, granted: true } as VoteReply);
    expect(s.node.currentRole).toBe('leader');
    s.node.onMessage(0, ack(2, 2));
    expect(s.node.committed).toBe(2);
    s.ctx.take();
    expect(s.node.onAdmin!({ type: 'transfer', to: 0 })).toBe('leadership transfer started');
    expect(s.ctx.take().map((m) => [m.to, m.msg.kind])).toEqual([[0, MsgKind.TimeoutNow]]);
    s.node.onClientRequest(write(1));
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: false, value: null, error: 'leadership transfer in progress' }]);
    s.node.onTimer(2); // node 0 never stood: the transfer aborts
    s.node.onClientRequest(write(2));
    expect(s.node.lastIndex()).toBe(3);
    expect(s.ctx.take<AppendEntries>().filter((m) => m.msg.kind === MsgKind.AppendEntries)).toHaveLength(2);
  });

  it('the leader\'s answer to a forwarded request reaches the client as it was: a definite failure stays definite, an indeterminate one indeterminate', () => {
    // Node 1 follows node 0 in term 2 and forwards its clients' requests to it.
    const s = setup({ self: 1, term: 2 });
    s.node.onMessage(0, append(2, 0, 0, [], 0));
    s.node.onClientRequest({ client: 5, seq: 1, op: { f: 'read', key: 'k1', value: null } });
    s.node.onClientRequest({ client: 6, seq: 1, op: { f: 'write', key: 'k1', value: 1 } });
    expect(s.ctx.take().filter((m) => m.msg.kind === MsgKind.Forward)).toHaveLength(2);
    const reply = (client: number, indeterminate?: true) => ({ kind: MsgKind.ClientReply, term: 2, client, seq: 1, ok: false, value: null, error: 'leadership transfer in progress', ...(indeterminate ? { indeterminate } : {}) }) as never;
    s.node.onMessage(0, reply(5));
    s.node.onMessage(0, reply(6, true));
    expect(s.ctx.replies).toEqual([
      { client: 5, seq: 1, ok: false, value: null, error: 'leadership transfer in progress' },
      { client: 6, seq: 1, ok: false, value: null, error: 'leadership transfer in progress', indeterminate: true },
    ]);
  });

  it('§5.1 a stale-term InstallSnapshot is refused with the receiver\'s term, and installs nothing', () => {
    const s = setup({ self: 1, term: 3, log: [entry(1, 1)] });
    s.node.onMessage(0, { kind: MsgKind.InstallSnapshot, term: 2, snapshot: { lastIndex: 5, lastTerm: 2, state: { values: [['k1', 9]], sessions: [] }, config: [0, 1, 2] }, round: 1 } as InstallSnapshot);
    expect(s.ctx.take<AppendEntriesReply>().map((m) => [m.to, m.msg.kind, m.msg.term, m.msg.success])).toEqual([[0, MsgKind.AppendEntriesReply, 3, false]]);
    expect(s.node.snapshotIndex).toBe(0);
    expect(s.node.read('k1')).toBe(null);
  });

  it('§4.2.2 a server whose removal it knows is committed ignores TimeoutNow; while the removal is not known committed it still stands', () => {
    // Node 2 follows node 0 in term 2; index 2 is the configuration [n1, n2] that removes it.
    const removal: Entry = { term: 2, op: null, client: -1, seq: 0, origin: 0, config: [0, 1] };
    const timeoutNow = { kind: MsgKind.TimeoutNow, term: 2, round: 0 } as never;
    const pending = setup({ self: 2, term: 2, log: [entry(1, 1)] });
    pending.node.onMessage(0, append(2, 1, 1, [removal], 1));
    pending.ctx.take();
    pending.node.onMessage(0, timeoutNow);
    expect(pending.node.term).toBe(3);
    expect(pending.ctx.take().map((m) => [m.to, m.msg.kind])).toEqual([
      [0, MsgKind.RequestVote],
      [1, MsgKind.RequestVote],
    ]);
    const removed = setup({ self: 2, term: 2, log: [entry(1, 1)] });
    removed.node.onMessage(0, append(2, 1, 1, [removal], 2));
    removed.ctx.take();
    removed.node.onMessage(0, timeoutNow);
    expect(removed.node.term).toBe(2);
    expect(removed.ctx.take()).toEqual([]);
  });
});

describe('§4.2.3 who may disrupt a leader: RequestVotes near a leader, transfers, restarts', () => {
  const requestVote = (term: number, extra: { transfer?: true; round?: number } = {}) => ({ kind: MsgKind.RequestVote, term, lastLogIndex: 1, lastLogTerm: 1, ...extra }) as never;
  const granted = (s: ReturnType<typeof setup>) => s.ctx.take<VoteReply>().filter((m) => m.msg.kind === MsgKind.RequestVoteReply).map((m) => [m.to, m.msg.term, m.msg.granted]);

  /** Node 1 following node 0 in term 2, log 1:1, having heard its round 5 at `heardUs`. */
  function follower(heardUs = 0, startedUs?: number) {
    const s = setup({ self: 1, term: 2, log: [entry(1, 1)], ...(startedUs === undefined ? {} : { startedUs }) });
    s.ctx.nowUs = heardUs;
    s.node.onMessage(0, append(2, 1, 1, [], 0, 5));
    s.ctx.take();
    return s;
  }

  it('§4.2.3 a candidate has no leader: one that stood on a TimeoutNow moments after hearing its leader still answers a later candidate', () => {
    const s = follower(0);
    s.ctx.nowUs = 10_000;
    s.node.onMessage(0, { kind: MsgKind.TimeoutNow, term: 2, round: 5 } as never);
    expect(s.node.currentRole).toBe('candidate');
    expect(s.node.term).toBe(3);
    s.ctx.take();
    s.ctx.nowUs = 20_000;
    s.node.onMessage(2, requestVote(4));
    expect(s.node.term).toBe(4);
    expect(granted(s)).toEqual([[2, 4, true]]);
  });

  it('§4.2.3 once no leader has been heard for a minimum election timeout, a transfer\'s RequestVote is answered like any other, whatever round it names', () => {
    const s = follower(0);
    s.ctx.nowUs = MIN;
    s.node.onMessage(2, requestVote(3, { transfer: true, round: 3 }));
    expect(granted(s)).toEqual([[2, 3, true]]);
  });

  it('§4.2.3 a transfer\'s RequestVote from a term beyond the next is let through near a leader: the round it names is not of this leader', () => {
    const s = follower(0);
    s.ctx.nowUs = 10_000;
    // Round 3 of term 3's leader, which this node never heard: its own round 5 is of term 2 and says nothing about it.
    s.node.onMessage(2, requestVote(4, { transfer: true, round: 3 }));
    expect(granted(s)).toEqual([[2, 4, true]]);
    // The same from the next term, naming a round older than the one heard, is ignored.
    const next = follower(0);
    next.ctx.nowUs = 10_000;
    next.node.onMessage(2, requestVote(3, { transfer: true, round: 3 }));
    expect(granted(next)).toEqual([]);
    expect(next.node.term).toBe(2);
  });

  it('§4.2.3 a delayed AppendEntries of an older round does not make the follower forget the later round it heard', () => {
    const s = follower(0);
    s.node.onMessage(0, append(2, 1, 1, [], 0, 3));
    s.ctx.take();
    s.ctx.nowUs = 10_000;
    s.node.onMessage(2, requestVote(3, { transfer: true, round: 4 }));
    expect(granted(s)).toEqual([]);
    expect(s.node.term).toBe(2);
  });

  it('§4.2.3 a node that restarted ignores a transfer\'s RequestVote near a leader for a minimum election timeout after its restart, and no longer', () => {
    const s = follower(100_000, 0);
    s.ctx.nowUs = MIN - 1;
    s.node.onMessage(2, requestVote(3, { transfer: true, round: 5 }));
    expect(granted(s)).toEqual([]);
    s.ctx.nowUs = MIN;
    s.node.onMessage(2, requestVote(3, { transfer: true, round: 5 }));
    expect(granted(s)).toEqual([[2, 3, true]]);
  });

  it('§3.10 a node that restarted within a minimum election timeout does not stand on TimeoutNow (it may have acknowledged a later round and forgotten); after it, it does', () => {
    const s = follower(10_000, 0);
    s.ctx.nowUs = MIN - 1;
    s.node.onMessage(0, { kind: MsgKind.TimeoutNow, term: 2, round: 5 } as never);
    expect(s.node.term).toBe(2);
    expect(s.ctx.take()).toEqual([]);
    s.ctx.nowUs = MIN;
    s.node.onMessage(0, { kind: MsgKind.TimeoutNow, term: 2, round: 5 } as never);
    expect(s.node.term).toBe(3);
    expect(s.ctx.take<RequestVote>().map((m) => [m.to, m.msg.transfer, m.msg.round])).toEqual([
      [0, true, 5],
      [2, true, 5],
    ]);
  });
});

describe('§5.3 the leader sends each follower the entries from its own nextIndex', () => {
  it('§5.3 in one broadcast a follower behind the others gets its missing entries, and the others exactly what they lack', () => {
    const s = leader({ n: 5, term: 1, log: [entry(1, 1), entry(1, 2), entry(1, 3)] });
    // Follower 2 reports a gap from index 2: its nextIndex drops to 2, the others stay past the leader's log.
    s.node.onMessage(2, { kind: MsgKind.AppendEntriesReply, term: s.node.term, success: false, matchIndex: 0, conflictIndex: 2, conflictTerm: 0 } as AppendEntriesReply);
    s.ctx.take();
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'write', key: 'k1', value: 7 } });
    const sent = s.ctx.take<AppendEntries>().filter((m) => m.msg.kind === MsgKind.AppendEntries);
    expect(sent.map((m) => m.to).sort()).toEqual([1, 2, 3, 4]);
    const last = s.node.lastIndex();
    for (const { to, msg } of sent) {
      // Every message is consistent with the leader's log: prevTerm is the term at prevIndex, the entries follow it to the end.
      expect(msg.prevTerm).toBe(s.stable.log.get(msg.prevIndex)!.term);
      expect(msg.entries).toEqual(s.stable.log.slice(msg.prevIndex + 1));
      expect(msg.prevIndex + msg.entries.length).toBe(last);
      // Followers 1, 3 and 4 have acknowledged nothing since the election: they still lack the no-op too.
      expect(msg.prevIndex).toBe(to === 2 ? 1 : 3);
    }
  });
});

describe('§5.2, §9.6 elections: timers, pre-votes, votes, stepping down', () => {
  const write = (seq: number) => ({ client: 0, seq, op: { f: 'write' as const, key: 'k1', value: seq } });
  const preVoteGrant = (term: number) => ({ kind: MsgKind.PreVoteReply, term, granted: true }) as VoteReply;

  it('§5.2 election timeouts are drawn from the whole of [min, max], both ends included', () => {
    const s = setup({ term: 1 });
    s.ctx.random = () => 1 - 2 ** -40;
    s.node.onTimer(TIMER_ELECTION);
    expect(s.ctx.timers.get(TIMER_ELECTION)).toBe(300_000);
    s.ctx.random = () => 0;
    s.node.onTimer(TIMER_ELECTION);
    expect(s.ctx.timers.get(TIMER_ELECTION)).toBe(MIN);
  });

  it('§5.2 a follower stands once its election timeout, counted from its last contact with the leader, has run out: at the deadline, not a timer later', () => {
    // Every draw is the minimum timeout. The leader was last heard at 10 ms, after the timer was armed.
    const heard = () => {
      const s = setup({ self: 1, term: 2, log: [entry(1, 1)] });
      s.ctx.random = () => 0;
      s.ctx.nowUs = 10_000;
      s.node.onMessage(0, append(2, 1, 1, [], 0));
      s.ctx.take();
      return s;
    };
    // Fired 1 µs before the deadline: re-armed for what is left.
    const early = heard();
    early.ctx.nowUs = 10_000 + MIN - 1;
    early.node.onTimer(TIMER_ELECTION);
    expect(early.node.currentRole).toBe('follower');
    expect(early.ctx.timers.get(TIMER_ELECTION)).toBe(1);
    early.ctx.nowUs = 10_000 + MIN;
    early.node.onTimer(TIMER_ELECTION);
    expect(early.node.currentRole).toBe('candidate');
    // Fired exactly at the deadline: it stands now.
    const onTime = heard();
    onTime.ctx.nowUs = 10_000 + MIN;
    onTime.node.onTimer(TIMER_ELECTION);
    expect(onTime.node.currentRole).toBe('candidate');
    expect(onTime.node.term).toBe(3);
  });

  it('§9.6 a pre-candidate believes in no leader: its clients are told there is none, not forwarded to the old one', () => {
    const s = setup({ term: 1, preVote: true });
    s.node.onMessage(2, append(1, 0, 0, [], 0));
    expect(s.node.view().leader).toBe(2);
    s.ctx.take();
    s.ctx.nowUs = 1_000_000;
    s.node.onTimer(TIMER_ELECTION);
    expect(s.node.currentRole).toBe('preCandidate');
    expect(s.node.view().leader).toBe(-1);
    s.ctx.take();
    s.node.onClientRequest(write(1));
    expect(s.ctx.take()).toEqual([]);
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: false, error: 'no leader' }]);
  });

  it('§9.6 a cluster of one with PreVote elects its only member: it wins its pre-vote and its election alone', () => {
    const s = setup({ n: 1, term: 1, preVote: true });
    s.node.onTimer(TIMER_ELECTION);
    expect(s.node.currentRole).toBe('leader');
    expect(s.node.term).toBe(2);
  });

  it('§9.6 a pre-vote won leads to an ordinary election: its RequestVotes are not a transfer\'s', () => {
    const s = setup({ term: 1, preVote: true, log: [entry(1, 1)] });
    s.node.onTimer(TIMER_ELECTION);
    s.ctx.take();
    s.node.onMessage(1, preVoteGrant(2));
    expect(s.node.currentRole).toBe('candidate');
    expect(s.ctx.take().map((m) => m.msg)).toEqual([
      { kind: MsgKind.RequestVote, term: 2, lastLogIndex: 1, lastLogTerm: 1 },
      { kind: MsgKind.RequestVote, term: 2, lastLogIndex: 1, lastLogTerm: 1 },
    ]);
  });

  it('§9.6 pre-vote grants that arrive after the pre-candidate heard a leader of its term start no election', () => {
    const s = setup({ term: 1, preVote: true });
    s.node.onTimer(TIMER_ELECTION); // asks for term 2
    s.node.onMessage(1, append(1, 0, 0, [], 0)); // node 1 leads term 1 after all
    expect(s.node.currentRole).toBe('follower');
    s.ctx.take();
    s.node.onMessage(2, preVoteGrant(2));
    expect(s.node.currentRole).toBe('follower');
    expect(s.node.term).toBe(1);
    expect(s.ctx.take()).toEqual([]);
  });

  it('§5.2 a candidate that steps down on hearing the winner of its own term keeps its vote for itself: it grants no other candidate of that term', () => {
    const s = setup({ term: 2, log: [entry(1, 1)] });
    s.node.onTimer(TIMER_ELECTION); // term 3, voted for itself
    s.node.onMessage(1, append(3, 1, 1, [], 0));
    expect(s.node.currentRole).toBe('follower');
    s.ctx.take();
    s.ctx.nowUs = 1_000_000; // long after the leader was heard: only the vote already cast stands in the way
    s.node.onMessage(2, { kind: MsgKind.RequestVote, term: 3, lastLogIndex: 1, lastLogTerm: 1 } as RequestVote);
    expect(s.ctx.take<VoteReply>().map((m) => [m.to, m.msg.term, m.msg.granted])).toEqual([[2, 3, false]]);
    expect(s.stable.votedFor).toBe(0);
  });

  it('§6.4 a deposed leader fails its pending reads once, definitely (a read has no effect); deposed again after a new term in office, it answers none of them twice', () => {
    const s = leader({ term: 1, log: [entry(1, 1)], reads: 'readIndex' });
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'read', key: 'k1', value: null } });
    s.node.onMessage(1, { kind: MsgKind.Forward, term: 2, client: 7, seq: 1, op: { f: 'read', key: 'k1', value: null } } as never);
    s.ctx.take();
    s.node.onMessage(1, append(3, 2, 2, [], 0));
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: false, value: null, error: 'not leader' }]);
    expect(s.ctx.take().map((m) => [m.to, m.msg])).toEqual([
      [1, { kind: MsgKind.ClientReply, term: 3, client: 7, seq: 1, ok: false, value: null, error: 'not leader' }],
      [1, expect.objectContaining({ kind: MsgKind.AppendEntriesReply })],
    ]);
    // Elected in term 4 (node 2's vote), then deposed by term 5: no read was pending, so no one is answered.
    s.ctx.nowUs = 1_000_000;
    s.node.onTimer(TIMER_ELECTION);
    s.node.onMessage(2, { kind: MsgKind.RequestVoteReply, term: 4, granted: true } as VoteReply);
    expect(s.node.currentRole).toBe('leader');
    s.ctx.take();
    s.node.onMessage(2, append(5, 3, 4, [], 0));
    expect(s.ctx.take().map((m) => m.msg.kind)).toEqual([MsgKind.AppendEntriesReply]);
    expect(s.ctx.replies).toHaveLength(1);
  });

  it('a leader without CheckQuorum keeps no election timer; with it, the timer is armed for a minimum election timeout', () => {
    expect(leader({ term: 1 }).ctx.timers.has(TIMER_ELECTION)).toBe(false);
    expect(leader({ term: 1, checkQuorum: true }).ctx.timers.get(TIMER_ELECTION)).toBe(MIN);
  });

  it.each([
    ['an observer', undefined],
    ['no observer', null],
    ['an observer without event', { roleChanged() {}, becameLeader() {}, appended() {}, truncated() {}, committed() {}, applied() {} } as RaftObserver],
  ] as const)('§6.2 CheckQuorum: a leader that heard from no majority within an election timeout steps down and knows no leader (with %s)', (_name, observer) => {
    const s = leader({ term: 1, checkQuorum: true, ...(observer === undefined ? {} : { observer }) });
    s.node.onMessage(1, ack(2, 1));
    s.ctx.nowUs = MIN;
    s.node.onTimer(TIMER_ELECTION); // node 1 answered: a majority with the leader
    expect(s.node.currentRole).toBe('leader');
    s.ctx.nowUs = 2 * MIN;
    s.node.onTimer(TIMER_ELECTION); // nobody since
    expect(s.node.currentRole).toBe('follower');
    expect(s.node.term).toBe(2);
    expect(s.node.view().leader).toBe(-1);
    s.ctx.take();
    s.node.onClientRequest(write(1));
    expect(s.ctx.take()).toEqual([]);
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: false, error: 'no leader' }]);
  });
});

describe('§6.4 readIndex: a read waits for its own round to be confirmed and for the read index to be applied', () => {
  const read = (seq: number) => ({ client: 0, seq, op: { f: 'read' as const, key: 'k1', value: null } });
  const roundOf = (s: ReturnType<typeof setup>) => s.ctx.take<AppendEntries>().find((m) => m.msg.kind === MsgKind.AppendEntries)!.msg.round!;

  it('§6.4 a new leader answers no read before it commits an entry of its term, even once a majority confirmed the read\'s round', () => {
    // Node 0 holds 1:1 (committed by the old leader, unknown to it) and its no-op 2:2. Node 1 confirms the read's
    // round having stored only index 1: the read index is not known yet, and the state (k1 unset) may be stale.
    const s = leader({ term: 1, log: [entry(1, 1)], reads: 'readIndex' });
    s.node.onClientRequest(read(1));
    const round = roundOf(s);
    s.node.onMessage(1, ack(2, 1, round));
    expect(s.node.committed).toBe(0);
    expect(s.ctx.replies).toEqual([]);
    s.node.onMessage(1, ack(2, 2, round));
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: true, value: 101 }]);
  });

  it('§6.4 a read is confirmed by the round sent after it arrived, not by an earlier one acknowledged late', () => {
    const s = leader({ term: 1, log: [entry(1, 1)], reads: 'readIndex' });
    s.node.onMessage(1, ack(2, 2, 1));
    expect(s.node.committed).toBe(2);
    s.node.onClientRequest(read(1));
    const round = roundOf(s);
    expect(round).toBe(2);
    s.node.onMessage(2, ack(2, 2, 1)); // round 1, from the other follower
    expect(s.ctx.replies).toEqual([]);
    s.node.onMessage(2, ack(2, 2, 2));
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: true, value: 101 }]);
  });
});

describe('§5.4.2, §4.1, §5.1 (dissertation) committing, applying and compacting on the leader', () => {
  const write = (seq: number) => ({ client: 0, seq, op: { f: 'write' as const, key: 'k1', value: seq } });

  it('§5.3 a cluster of one commits, applies and answers a write as soon as it is appended', () => {
    const s = setup({ n: 1, term: 1 });
    s.node.onTimer(TIMER_ELECTION);
    expect(s.node.currentRole).toBe('leader');
    s.node.onClientRequest(write(1));
    expect(s.node.committed).toBe(2);
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: true }]);
  });

  it('§6.4 readIndex: a new leader that applied an older commit index answers no read before its own term\'s entry commits (the state it applied may be stale)', () => {
    // Node 0 followed node 1 in term 1 and applied index 1; index 2 (written 102) may have been committed since.
    const s = setup({ term: 1, log: [entry(1, 1), entry(1, 2)], reads: 'readIndex' });
    s.node.onMessage(1, append(1, 2, 1, [], 1));
    expect(s.node.applied).toBe(1);
    s.ctx.nowUs = 1_000_000;
    s.node.onTimer(TIMER_ELECTION);
    s.node.onMessage(2, { kind: MsgKind.RequestVoteReply, term: 2, granted: true } as VoteReply);
    expect(s.node.currentRole).toBe('leader');
    s.ctx.take();
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'read', key: 'k1', value: null } });
    const round = s.ctx.take<AppendEntries>().find((m) => m.msg.kind === MsgKind.AppendEntries)!.msg.round!;
    s.node.onMessage(2, ack(2, 2, round)); // the round is confirmed, the no-op (3) is not stored on a majority yet
    expect(s.ctx.replies).toEqual([]);
    s.node.onMessage(2, ack(2, 3, round));
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: true, value: 102 }]);
  });

  it('§4.1 the commit index never moves back: removing the member that made a majority leaves it where it was', () => {
    // Leader of term 2: no-op at 2, writes at 3 and 4. Node 1 has all of them, node 2 only the no-op.
    const s = leader({ term: 1, log: [entry(1, 1)] });
    s.node.onMessage(2, ack(2, 2));
    s.node.onClientRequest(write(1));
    s.node.onClientRequest(write(2));
    s.node.onMessage(1, ack(2, 4));
    expect(s.node.committed).toBe(4);
    // Under [n1, n3] index 2 is the highest on a majority, an entry of this term: still nothing moves back.
    expect(s.node.onAdmin!({ type: 'remove', node: 1 })).toBe('configuration entry appended');
    expect(s.node.committed).toBe(4);
    s.node.onMessage(2, ack(2, 5));
    expect(s.node.committed).toBe(5);
  });

  it('§4.2.2 a leader that removed itself steps down once the removal commits, and knows no leader', () => {
    const s = leader({ term: 1, log: [entry(1, 1)] });
    s.node.onMessage(1, ack(2, 2));
    expect(s.node.onAdmin!({ type: 'remove', node: 0 })).toBe('configuration entry appended');
    s.node.onMessage(1, ack(2, 3));
    s.node.onMessage(2, ack(2, 3));
    expect(s.node.committed).toBe(3);
    expect(s.node.currentRole).toBe('follower');
    expect(s.node.view().leader).toBe(-1);
  });

  it('a forwarded cas whose compare fails is answered to its origin as a definite failure', () => {
    const s = leader({ term: 1, log: [entry(1, 1)] });
    s.node.onMessage(1, { kind: MsgKind.Forward, term: 2, client: 7, seq: 1, op: { f: 'cas', key: 'k1', value: [5, 6] } } as never);
    s.ctx.take();
    s.node.onMessage(2, ack(2, 3));
    expect(s.node.committed).toBe(3);
    expect(s.ctx.take().filter((m) => m.msg.kind === MsgKind.ClientReply)).toEqual([
      { to: 1, msg: { kind: MsgKind.ClientReply, term: 2, client: 7, seq: 1, ok: false, value: null, error: 'mismatch' } },
    ]);
  });

  it('§4.1, §6.4 a read waiting on a member the leader then removes is answered as soon as the leader alone is the configuration', () => {
    const s = leader({ n: 2, term: 1, log: [entry(1, 1)], reads: 'readIndex' });
    s.node.onMessage(1, ack(2, 2, 1));
    expect(s.node.committed).toBe(2);
    s.node.onClientRequest({ client: 0, seq: 1, op: { f: 'read', key: 'k1', value: null } });
    expect(s.ctx.replies).toEqual([]);
    expect(s.node.onAdmin!({ type: 'remove', node: 1 })).toBe('configuration entry appended');
    expect(s.node.committed).toBe(3);
    expect(s.ctx.replies).toEqual([{ client: 0, seq: 1, ok: true, value: 101 }]);
  });

  it('§5.1 (dissertation) the state is captured every snapshotEvery applied entries, and the previous capture becomes the snapshot, counted one entry at a time', () => {
    const s = leader({ term: 0, snapshotEvery: 2 }); // term 1; the no-op at 1
    const snapshots: number[] = [];
    s.node.onMessage(1, ack(1, 1));
    snapshots.push(s.node.snapshotIndex);
    for (let i = 2; i <= 6; i++) {
      s.node.onClientRequest(write(i));
      s.node.onMessage(1, ack(1, i));
      expect(s.node.applied).toBe(i);
      snapshots.push(s.node.snapshotIndex);
    }
    // Captured at 2, 4, 6; each capture becomes the snapshot at the next.
    expect(snapshots).toEqual([0, 0, 0, 2, 2, 4]);
  });

  it('§5.1 (dissertation) a capture that an installed snapshot has overtaken is dropped, never made the snapshot', () => {
    // Follower node 1 captures at 2, then installs the leader's snapshot up to 10, then applies 11 and 12.
    const s = setup({ self: 1, term: 2, log: [entry(2, 1), entry(2, 2)], snapshotEvery: 2 });
    s.node.onMessage(0, append(2, 2, 2, [], 2));
    expect(s.node.applied).toBe(2);
    s.node.onMessage(0, { kind: MsgKind.InstallSnapshot, term: 2, snapshot: { lastIndex: 10, lastTerm: 2, state: { values: [['k1', 210]], sessions: [] }, config: [0, 1, 2] }, round: 0 } as InstallSnapshot);
    expect(s.node.snapshotIndex).toBe(10);
    s.node.onMessage(0, append(2, 10, 2, [entry(2, 11), entry(2, 12)], 12));
    expect(s.node.applied).toBe(12);
    expect(s.node.snapshotIndex).toBe(10);
    expect(s.node.lastIndex()).toBe(12);
    expect(s.node.read('k1')).toBe(212);
  });
});

describe('§5.1 (dissertation), §4.1 a node restarted from its disk', () => {
  it('§4.1 takes the latest configuration entry in its log as its configuration, even when it is the first entry of the log', () => {
    const s = setup({ term: 2, log: [{ term: 1, op: null, client: -1, seq: 0, origin: 0, config: [0, 1] }, entry(1, 2)] });
    expect(s.node.configuration).toEqual([0, 1]);
  });

  it('§5.1 (dissertation) starts from its snapshot: the state, the commit index and, with no configuration entry after it, the configuration', () => {
    const snap: Snapshot = { lastIndex: 4, lastTerm: 1, state: { values: [['k1', 7]], sessions: [] }, config: [0, 2] };
    const s = setup({ term: 2, snapshot: snap, log: [entry(1, 5)] });
    expect(s.node.read('k1')).toBe(7);
    expect(s.node.committed).toBe(4);
    expect(s.node.applied).toBe(4);
    expect(s.node.configuration).toEqual([0, 2]);
  });
});
