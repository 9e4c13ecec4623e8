import { assert } from '../../core/assert.ts';
import type { ClientRequest, Message, NodeContext, NodeView, ProtocolNode } from '../../core/protocol.ts';
import { KvStateMachine } from './kv.ts';
import { committedIndex, voteResult } from './quorum.ts';
import { initialRole, nextRole, type Role, type RoleEvent, type RoleSnapshot } from './roles.ts';
import {
  MsgKind,
  type AppendEntries,
  type AppendEntriesReply,
  type Entry,
  type Forward,
  type RaftConfig,
  type RaftObserver,
  type RaftStable,
  type RequestVote,
  type VoteReply,
} from './types.ts';

const TIMER_ELECTION = 0;
const TIMER_HEARTBEAT = 1;

const NO_VOTE = -1;
const VOTE_NONE = 0;
const VOTE_GRANTED = 1;
const VOTE_REJECTED = 2;

/**
 * One Raft server (extended paper, Figure 2) as a pure state machine: every
 * input is a message, a timer or a client request; every output goes through
 * the `NodeContext`. Term handling happens once, up front, in `onMessage`;
 * then the message's own handler runs (etcd's `Step`).
 *
 * Persistence: `stable` is the node's disk. It is written synchronously
 * before any message is sent, so "persist before answering" holds by
 * construction — except under the `forget-vote` bug switch.
 */
export class RaftNode implements ProtocolNode {
  private role: Role = 'follower';
  private roleSnapshot: RoleSnapshot = initialRole();
  private leaderId = -1;
  private votedFor: number;
  private commitIndex = 0;
  private lastApplied = 0;
  private readonly kv = new KvStateMachine();
  private readonly nextIndex: Int32Array;
  private readonly matchIndex: Float64Array;
  private readonly quorumScratch: Float64Array;
  private readonly votes: Uint8Array;
  /** checkQuorum: which peers answered since the leader's last check. */
  private readonly recentlyActive: Uint8Array;
  /** Requests from this node's clients still waiting for their entry to be applied, by client. */
  private readonly pending = new Map<number, ClientRequest>();
  /** Local time this node last heard from a current leader (PreVote's "heard from a leader" check). */
  private lastLeaderContactUs = Number.NEGATIVE_INFINITY;
  private readonly self: number;
  private readonly n: number;

  constructor(
    private readonly ctx: NodeContext,
    private readonly config: RaftConfig,
    private readonly stable: RaftStable,
    private readonly observer: RaftObserver | null,
  ) {
    this.self = ctx.self;
    this.n = ctx.nodeCount;
    this.votedFor = stable.votedFor;
    this.nextIndex = new Int32Array(this.n);
    this.matchIndex = new Float64Array(this.n);
    this.quorumScratch = new Float64Array(this.n);
    this.votes = new Uint8Array(this.n);
    this.recentlyActive = new Uint8Array(this.n);
  }

  // ---- inputs ---------------------------------------------------------------

  start(): void {
    this.resetElectionTimer();
  }

  onTimer(timer: number): void {
    if (timer === TIMER_HEARTBEAT) {
      if (this.role !== 'leader') return;
      this.broadcastAppend();
      this.ctx.setTimer(TIMER_HEARTBEAT, this.config.heartbeatUs);
      return;
    }
    assert(timer === TIMER_ELECTION, `unknown timer ${timer}`);
    if (this.role === 'leader') {
      this.checkQuorum();
      return;
    }
    if (this.config.preVote) this.startPreVote();
    else this.startElection();
  }

  onMessage(from: number, msg: Message): void {
    const m = msg as RequestVote | VoteReply | AppendEntries | AppendEntriesReply | Forward;
    // Client traffic and pre-votes do not carry a term that the receiver adopts.
    switch (m.kind) {
      case MsgKind.Forward:
        return this.handleForward(from, m as Forward);
      case MsgKind.ForwardRejected:
        return this.handleForwardRejected(m as Forward);
      case MsgKind.PreVote:
        return this.handlePreVote(from, m as RequestVote);
    }
    if (m.term > this.term) {
      // A granted pre-vote answers with the term we would stand in: no reason to step down.
      const grantedPreVote = m.kind === MsgKind.PreVoteReply && (m as VoteReply).granted;
      if (!grantedPreVote) this.becomeFollower(m.term, m.kind === MsgKind.AppendEntries ? from : -1);
    } else if (m.term < this.term) {
      // A stale-term RPC gets a rejection carrying our term, and resets nothing.
      if (this.config.bugs.has('reset-timer-on-any-rpc')) this.resetElectionTimer();
      if (m.kind === MsgKind.RequestVote) this.sendVoteReply(from, MsgKind.RequestVoteReply, this.term, false);
      else if (m.kind === MsgKind.AppendEntries) this.sendAppendReply(from, false, 0, this.lastIndex() + 1, 0);
      return;
    }
    switch (m.kind) {
      case MsgKind.RequestVote:
        return this.handleRequestVote(from, m as RequestVote);
      case MsgKind.RequestVoteReply:
        return this.handleVoteReply(from, m as VoteReply);
      case MsgKind.PreVoteReply:
        return this.handlePreVoteReply(from, m as VoteReply);
      case MsgKind.AppendEntries:
        return this.handleAppendEntries(from, m as AppendEntries);
      case MsgKind.AppendEntriesReply:
        return this.handleAppendReply(from, m as AppendEntriesReply);
    }
  }

  onClientRequest(request: ClientRequest): void {
    if (this.role === 'leader') {
      this.pending.set(request.client, request);
      this.appendClientEntry(request.client, request.seq, request.op, this.self);
    } else if (this.leaderId >= 0) {
      this.pending.set(request.client, request);
      const forward: Forward = { kind: MsgKind.Forward, term: this.term, client: request.client, seq: request.seq, op: request.op };
      this.ctx.send(this.leaderId, forward);
    } else {
      this.ctx.reply({ client: request.client, seq: request.seq, ok: false, error: 'no leader' });
    }
  }

  view(): NodeView {
    return { role: this.role, term: this.term, logLength: this.lastIndex(), commitIndex: this.commitIndex };
  }

  // ---- queries (for the protocol host, checks and tests) --------------------

  get term(): number {
    return this.stable.term;
  }

  get currentRole(): Role {
    return this.role;
  }

  get log(): readonly Entry[] {
    return this.stable.log;
  }

  get committed(): number {
    return this.commitIndex;
  }

  lastIndex(): number {
    return this.stable.log.length - 1;
  }

  private lastTerm(): number {
    return this.stable.log[this.stable.log.length - 1]!.term;
  }

  private termAt(index: number): number {
    return this.stable.log[index]!.term;
  }

  // ---- elections -------------------------------------------------------------

  private resetElectionTimer(): void {
    const { electionTimeoutUsMin: min, electionTimeoutUsMax: max } = this.config;
    this.ctx.setTimer(TIMER_ELECTION, min + Math.floor(this.ctx.random() * (max - min + 1)));
  }

  private startPreVote(): void {
    this.changeRole({ type: 'ELECTION_TIMEOUT', preVote: true });
    this.leaderId = -1;
    this.votes.fill(VOTE_NONE);
    this.votes[this.self] = VOTE_GRANTED;
    this.resetElectionTimer();
    if (voteResult(1, 0, this.n) === 'won') return this.startElection();
    const ask: RequestVote = { kind: MsgKind.PreVote, term: this.term + 1, lastLogIndex: this.lastIndex(), lastLogTerm: this.lastTerm() };
    for (let peer = 0; peer < this.n; peer++) if (peer !== this.self) this.ctx.send(peer, ask);
  }

  private startElection(): void {
    this.changeRole(this.role === 'preCandidate' ? { type: 'PRE_VOTE_WON' } : { type: 'ELECTION_TIMEOUT', preVote: false });
    this.leaderId = -1;
    this.stable.term += 1;
    this.setVote(this.self);
    this.votes.fill(VOTE_NONE);
    this.votes[this.self] = VOTE_GRANTED;
    this.resetElectionTimer();
    if (voteResult(1, 0, this.n) === 'won') return this.becomeLeader();
    const ask: RequestVote = { kind: MsgKind.RequestVote, term: this.term, lastLogIndex: this.lastIndex(), lastLogTerm: this.lastTerm() };
    for (let peer = 0; peer < this.n; peer++) if (peer !== this.self) this.ctx.send(peer, ask);
  }

  /** §5.4.1: at least as up-to-date — compare last terms, then last indexes. */
  private logIsUpToDate(lastLogTerm: number, lastLogIndex: number): boolean {
    if (this.config.bugs.has('no-up-to-date-check')) return true;
    const myTerm = this.lastTerm();
    return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= this.lastIndex());
  }

  private handleRequestVote(from: number, m: RequestVote): void {
    const free = this.votedFor === NO_VOTE || this.votedFor === from;
    const granted = free && this.logIsUpToDate(m.lastLogTerm, m.lastLogIndex);
    if (granted) {
      this.setVote(from);
      // Reset the election timer only when granting a vote.
      this.resetElectionTimer();
    }
    this.sendVoteReply(from, MsgKind.RequestVoteReply, this.term, granted);
  }

  private handlePreVote(from: number, m: RequestVote): void {
    const heardFromLeaderRecently =
      this.role === 'leader' || this.ctx.now() - this.lastLeaderContactUs < this.config.electionTimeoutUsMin;
    const granted = m.term > this.term && !heardFromLeaderRecently && this.logIsUpToDate(m.lastLogTerm, m.lastLogIndex);
    this.sendVoteReply(from, MsgKind.PreVoteReply, granted ? m.term : this.term, granted);
  }

  private handleVoteReply(from: number, m: VoteReply): void {
    if (this.role !== 'candidate' || this.votes[from] !== VOTE_NONE) return;
    this.votes[from] = m.granted ? VOTE_GRANTED : VOTE_REJECTED;
    if (this.tally() === 'won') this.becomeLeader();
  }

  private handlePreVoteReply(from: number, m: VoteReply): void {
    if (this.role !== 'preCandidate' || this.votes[from] !== VOTE_NONE) return;
    if (m.granted && m.term !== this.term + 1) return;
    this.votes[from] = m.granted ? VOTE_GRANTED : VOTE_REJECTED;
    if (this.tally() === 'won') this.startElection();
  }

  private tally(): ReturnType<typeof voteResult> {
    let granted = 0;
    let rejected = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.votes[i] === VOTE_GRANTED) granted++;
      else if (this.votes[i] === VOTE_REJECTED) rejected++;
    }
    return voteResult(granted, rejected, this.n);
  }

  private sendVoteReply(to: number, kind: 2 | 6, term: number, granted: boolean): void {
    const reply: VoteReply = { kind, term, granted };
    this.ctx.send(to, reply);
  }

  private setVote(node: number): void {
    this.votedFor = node;
    // Persist the vote before the reply leaves: a node that forgets it can vote twice in one term.
    if (!this.config.bugs.has('forget-vote')) this.stable.votedFor = node;
  }

  private becomeFollower(term: number, leader: number): void {
    const wasFollower = this.role === 'follower';
    if (term > this.term) {
      this.stable.term = term;
      this.setVote(NO_VOTE);
    }
    this.leaderId = leader;
    if (!wasFollower) {
      this.changeRole({ type: 'STEP_DOWN' });
      this.ctx.cancelTimer(TIMER_HEARTBEAT);
      this.resetElectionTimer();
    }
  }

  private becomeLeader(): void {
    this.changeRole({ type: 'ELECTION_WON' });
    this.leaderId = this.self;
    const next = this.lastIndex() + 1;
    this.nextIndex.fill(next);
    this.matchIndex.fill(0);
    this.recentlyActive.fill(0);
    this.observer?.becameLeader(this.self, this.term, this.stable.log);
    // A no-op of the new term lets entries of earlier terms commit (§5.4.2, §8).
    this.appendEntry({ term: this.term, op: null, client: -1, seq: 0, origin: this.self });
    this.broadcastAppend();
    this.ctx.setTimer(TIMER_HEARTBEAT, this.config.heartbeatUs);
    if (this.config.checkQuorum) this.ctx.setTimer(TIMER_ELECTION, this.config.electionTimeoutUsMin);
    else this.ctx.cancelTimer(TIMER_ELECTION);
    if (this.n === 1) this.maybeCommit();
  }

  /** CheckQuorum: a leader that did not hear from a majority within an election timeout steps down. */
  private checkQuorum(): void {
    if (!this.config.checkQuorum) return;
    let active = 1;
    for (let i = 0; i < this.n; i++) if (i !== this.self && this.recentlyActive[i] === 1) active++;
    this.recentlyActive.fill(0);
    if (voteResult(active, 0, this.n) !== 'won') {
      this.becomeFollower(this.term, -1);
      return;
    }
    this.ctx.setTimer(TIMER_ELECTION, this.config.electionTimeoutUsMin);
  }

  private changeRole(event: RoleEvent): void {
    const next = nextRole(this.roleSnapshot, event);
    assert(next !== null, `illegal role change: ${this.role} on ${event.type}`);
    this.roleSnapshot = next;
    this.role = next.value as Role;
    this.observer?.roleChanged(this.self, this.role, this.term);
  }

  // ---- replication -------------------------------------------------------------

  private appendEntry(entry: Entry): void {
    const log = this.stable.log;
    const prevTerm = log[log.length - 1]!.term;
    log.push(entry);
    this.observer?.appended(this.self, log.length - 1, entry, prevTerm);
  }

  private appendClientEntry(client: number, seq: number, op: ClientRequest['op'], origin: number): void {
    this.appendEntry({ term: this.term, op, client, seq, origin });
    if (this.n === 1) this.maybeCommit();
    else this.broadcastAppend();
  }

  private broadcastAppend(): void {
    for (let peer = 0; peer < this.n; peer++) if (peer !== this.self) this.sendAppend(peer);
  }

  private sendAppend(to: number): void {
    const log = this.stable.log;
    const next = this.nextIndex[to]!;
    const end = Math.min(log.length, next + this.config.maxEntriesPerMessage);
    const msg: AppendEntries = {
      kind: MsgKind.AppendEntries,
      term: this.term,
      prevIndex: next - 1,
      prevTerm: log[next - 1]!.term,
      entries: next < end ? log.slice(next, end) : EMPTY,
      commit: this.commitIndex,
    };
    this.ctx.send(to, msg);
  }

  private sendAppendReply(to: number, success: boolean, matchIndex: number, conflictIndex: number, conflictTerm: number): void {
    const reply: AppendEntriesReply = { kind: MsgKind.AppendEntriesReply, term: this.term, success, matchIndex, conflictIndex, conflictTerm };
    this.ctx.send(to, reply);
  }

  private handleAppendEntries(from: number, m: AppendEntries): void {
    // Same term: whoever sends AppendEntries is the leader; a candidate of this term steps down.
    if (this.role !== 'follower') this.becomeFollower(m.term, from);
    this.leaderId = from;
    this.lastLeaderContactUs = this.ctx.now();
    this.resetElectionTimer();

    const log = this.stable.log;
    if (m.prevIndex > this.lastIndex()) {
      return this.sendAppendReply(from, false, 0, this.lastIndex() + 1, 0);
    }
    if (log[m.prevIndex]!.term !== m.prevTerm) {
      // Fast backtracking: skip the whole conflicting term at once.
      const conflictTerm = log[m.prevIndex]!.term;
      let first = m.prevIndex;
      while (first > 1 && log[first - 1]!.term === conflictTerm) first--;
      return this.sendAppendReply(from, false, 0, first, conflictTerm);
    }
    const entries = m.entries;
    for (let i = 0; i < entries.length; i++) {
      const index = m.prevIndex + 1 + i;
      if (index < log.length) {
        if (log[index]!.term === entries[i]!.term) continue;
        assert(index > this.commitIndex, `follower asked to overwrite committed index ${index}`);
        this.observer?.truncated(this.self, index, this.role);
        log.length = index;
      }
      this.appendEntry(entries[i]!);
    }
    const lastNew = m.prevIndex + entries.length;
    const commit = Math.min(m.commit, lastNew);
    if (commit > this.commitIndex) {
      this.commitIndex = commit;
      this.applyCommitted();
    }
    this.sendAppendReply(from, true, lastNew, 0, 0);
  }

  private handleAppendReply(from: number, m: AppendEntriesReply): void {
    if (this.role !== 'leader') return;
    this.recentlyActive[from] = 1;
    if (m.success) {
      if (m.matchIndex > this.matchIndex[from]!) {
        this.matchIndex[from] = m.matchIndex;
        this.maybeCommit();
      }
      if (this.nextIndex[from]! <= m.matchIndex) this.nextIndex[from] = m.matchIndex + 1;
      if (this.nextIndex[from]! <= this.lastIndex() && m.matchIndex + 1 === this.nextIndex[from]) this.sendAppend(from);
      return;
    }
    let next = m.conflictIndex;
    if (m.conflictTerm > 0) {
      const log = this.stable.log;
      let last = this.lastIndex();
      while (last > 0 && log[last]!.term > m.conflictTerm) last--;
      if (last > 0 && log[last]!.term === m.conflictTerm) next = last + 1;
    }
    next = Math.max(this.matchIndex[from]! + 1, Math.min(next, this.lastIndex() + 1));
    if (next === this.nextIndex[from]) return; // a stale or duplicated rejection: already acted on
    this.nextIndex[from] = next;
    this.sendAppend(from);
  }

  /** Commit the highest index stored on a majority — only if it is of the current term (§5.4.2, Figure 8). */
  private maybeCommit(): void {
    this.matchIndex[this.self] = this.lastIndex();
    const n = committedIndex(this.matchIndex, this.quorumScratch);
    if (n <= this.commitIndex) return;
    if (this.termAt(n) !== this.term && !this.config.bugs.has('commit-old-term')) return;
    this.commitIndex = n;
    this.observer?.committed(this.self, n, this.stable.log);
    this.applyCommitted();
    // Tell the followers now rather than at the next heartbeat, so their clients hear back sooner.
    if (this.n > 1) this.broadcastAppend();
  }

  private applyCommitted(): void {
    const log = this.stable.log;
    while (this.lastApplied < this.commitIndex) {
      const index = ++this.lastApplied;
      const entry = log[index]!;
      this.observer?.applied(this.self, index, entry);
      if (entry.op === null) continue;
      const outcome = this.kv.apply(entry.client, entry.seq, entry.op);
      if (outcome === null || entry.origin !== this.self) continue;
      const waiting = this.pending.get(entry.client);
      if (waiting === undefined || waiting.seq !== entry.seq) continue;
      this.pending.delete(entry.client);
      this.ctx.reply({ client: entry.client, seq: entry.seq, ...outcome });
    }
  }

  // ---- client forwarding -----------------------------------------------------------

  private handleForward(from: number, m: Forward): void {
    if (this.role !== 'leader') {
      const rejected: Forward = { kind: MsgKind.ForwardRejected, term: this.term, client: m.client, seq: m.seq, op: m.op };
      this.ctx.send(from, rejected);
      return;
    }
    this.appendClientEntry(m.client, m.seq, m.op, from);
  }

  private handleForwardRejected(m: Forward): void {
    const waiting = this.pending.get(m.client);
    if (waiting === undefined || waiting.seq !== m.seq) return;
    this.pending.delete(m.client);
    // The receiver was not the leader and appended nothing: the operation definitely took no effect.
    this.ctx.reply({ client: m.client, seq: m.seq, ok: false, error: 'not leader' });
  }
}

const EMPTY: readonly Entry[] = Object.freeze([]);
