import { assert } from '../../core/assert.ts';
import type { AdminCommand, ClientOp, ClientRequest, Message, NodeContext, NodeView, ProtocolNode, Value } from '../../core/protocol.ts';
import { KvStateMachine } from '../kv.ts';
import { committedIndex, voteResult } from './quorum.ts';
import { initialRole, nextRole, type Role, type RoleEvent, type RoleSnapshot } from './roles.ts';
import {
  MsgKind,
  type AppendEntries,
  type AppendEntriesReply,
  type Entry,
  type Forward,
  type InstallSnapshot,
  type LogView,
  type RaftConfig,
  type RaftMessage,
  type RaftObserver,
  type RaftStable,
  type ClientReply,
  type RequestVote,
  type Snapshot,
  type TimeoutNow,
  type VoteReply,
  VoteReason,
  leaseDurationUs,
} from './types.ts';

const TIMER_ELECTION = 0;
const TIMER_HEARTBEAT = 1;
/** Leadership transfer: abort if the target has not taken over within an election timeout. */
const TIMER_TRANSFER = 2;
/** By timer id, for the UI. */
export const TIMER_NAMES: readonly string[] = ['election', 'heartbeat', 'transfer'];

const NO_VOTE = -1;
/** No rule withholds the vote (see withholdRule, leaderAliveRule). */
const NOT_WITHHELD = -1 as const;

/** The terms of the last `tailMax` entries of a Raft log (those compacted into the snapshot excluded), oldest first. */
export function raftLogTail(stable: RaftStable, tailMax: number): number[] {
  const log = stable.log;
  const from = Math.max(1, log.length - tailMax);
  const terms: number[] = [];
  for (let i = from; i < log.length; i++) terms.push(log.get(i)!.term);
  return terms;
}
const VOTE_NONE = 0;
const VOTE_GRANTED = 1;
const VOTE_REJECTED = 2;

/** A read waiting for the leader to confirm it still leads (readIndex, lease). */
interface PendingRead {
  readonly client: number;
  readonly seq: number;
  readonly key: string;
  readonly origin: number;
  /** The commit index to wait for; -1 until the leader has committed an entry of its term. */
  readIndex: number;
  /** The heartbeat round that must be acknowledged by a majority. */
  readonly round: number;
}

/**
 * One Raft server (extended paper, Figure 2; dissertation chapters 3-6) as a
 * pure state machine: every input is a message, a timer, a client request or
 * an operator command; every output goes through the `NodeContext`. Term
 * handling happens once, up front, in `onMessage`; then the message's own
 * handler runs (etcd's `Step`).
 *
 * Persistence: `stable` is the node's disk. It is written synchronously
 * before any message is sent, so "persist before answering" holds by
 * construction — except under the `forget-vote` bug switch.
 */
export class RaftNode implements ProtocolNode, LogView {
  private role: Role = 'follower';
  private roleSnapshot: RoleSnapshot = initialRole();
  private leaderId = -1;
  private votedFor: number;
  private commitIndex: number;
  private lastApplied: number;
  private kv: KvStateMachine;
  /** The voting members: the latest configuration entry in the log (committed or not), else the snapshot's, else the initial one. */
  private members: readonly number[];
  private readonly nextIndex: Int32Array;
  /**
   * The last index sent to each follower in an AppendEntries since its
   * nextIndex last moved back: entries up to it are on the wire (or lost, and
   * the next round sends them again). A reply does not re-send them.
   */
  private readonly sentIndex: Int32Array;
  private readonly matchIndex: Float64Array;
  /** Per-member values for quorum maths, and the sort buffer it needs: no allocation per commit check. */
  private readonly quorumInput: Float64Array;
  private readonly quorumScratch: Float64Array;
  private readonly votes: Uint8Array;
  /** checkQuorum: which peers answered since the leader's last check. */
  private readonly recentlyActive: Uint8Array;
  /** The highest heartbeat round each peer acknowledged. */
  private readonly ackedRound: Float64Array;
  private round = 0;
  /** Local send time of recent rounds, for the lease. */
  private readonly roundSentUs = new Map<number, number>();
  private leaseUntilUs = Number.NEGATIVE_INFINITY;
  /** The lease's length on this node's clock (leaseDurationUs: the minimum election timeout shortened for clock drift). */
  private readonly leaseUs: number;
  /**
   * Only a round above this one extends the lease: +Infinity during a
   * leadership transfer, the last round sent before it was aborted after one
   * (a TimeoutNow sent during the transfer may still start an election that
   * voters let through; see withholdRule).
   */
  private leaseFloorRound = 0;
  /** A follower: the highest heartbeat round it heard from the leader of its current term (0: none). */
  private heardRound = 0;
  /**
   * When this node restarted (local clock), if it had a term: it may have
   * acknowledged a leader's round just before it crashed, so it counts the
   * restart as hearing from a leader (see leaderAliveRule).
   */
  private restartedUs = Number.NEGATIVE_INFINITY;
  private pendingReads: PendingRead[] = [];
  /** The state captured at the last compaction point, waiting to become the snapshot (see maybeCompact). */
  private captured: Snapshot | null = null;
  /** Leadership transfer target, -1 when none. */
  private transferTo = -1;
  /** Requests from this node's clients still waiting for their entry to be applied, by client. */
  /** By client id: the request this node's own client waits on. An array, not a Map: a Map's table shrinks and regrows with every request answered. */
  private readonly pending: (ClientRequest | undefined)[] = [];
  /** Local time this node last heard from a current leader (PreVote and CheckQuorum's vote check). */
  private lastLeaderContactUs = Number.NEGATIVE_INFINITY;
  /** When (local clock) the election timer was last armed, or the last contact it was re-armed from. */
  private electionArmedUs = Number.NEGATIVE_INFINITY;
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
    const snap = stable.snapshot;
    this.commitIndex = snap?.lastIndex ?? 0;
    this.lastApplied = this.commitIndex;
    this.kv = snap === null ? new KvStateMachine() : KvStateMachine.restore(snap.state);
    this.members = this.latestConfig();
    this.nextIndex = new Int32Array(this.n);
    this.sentIndex = new Int32Array(this.n);
    this.matchIndex = new Float64Array(this.n);
    this.quorumInput = new Float64Array(this.n);
    this.quorumScratch = new Float64Array(this.n);
    this.votes = new Uint8Array(this.n);
    this.recentlyActive = new Uint8Array(this.n);
    this.ackedRound = new Float64Array(this.n);
    this.leaseUs = leaseDurationUs(config);
  }

  // ---- inputs ---------------------------------------------------------------

  start(): void {
    // The time of the last contact with a leader is volatile, yet a lease may count on this node's
    // acknowledgement from just before a crash. The dissertation's rule (§4.2.3: no vote within a
    // minimum election timeout of hearing from a current leader; §6.4.1: the lease rests on it) needs it
    // to survive a restart, so a restarted node treats its start as leader contact. A node that never
    // had a term (the cluster's first boot, a node not yet added) cannot have acknowledged anyone.
    if (this.stable.term > 0) this.restartedUs = this.ctx.now();
    this.resetElectionTimer();
  }

  onTimer(timer: number): void {
    switch (timer) {
      case TIMER_HEARTBEAT:
        if (this.role !== 'leader') return;
        this.broadcastAppend();
        return;
      case TIMER_TRANSFER:
        if (this.transferTo >= 0) {
          this.observer?.event?.(this.self, 'aborted the leadership transfer: no takeover within an election timeout');
          this.transferTo = -1;
          // Only rounds sent from now on renew the lease: the voters that acknowledge them refuse the
          // transfer's RequestVotes, which carry an earlier round.
          this.leaseFloorRound = this.round;
        }
        return;
      case TIMER_ELECTION:
        if (this.role === 'leader') return this.checkQuorum();
        if (this.rearmFromLastContact()) return;
        // A node removed from the configuration campaigns no more once its removal is committed.
        if (!this.mayCampaign()) return this.resetElectionTimer();
        if (this.config.preVote) this.startPreVote();
        else this.startElection(false);
        return;
      default:
        assert(false, `unknown timer ${timer}`);
    }
  }

  onMessage(from: number, msg: Message): void {
    const m = msg as RaftMessage;
    // Client traffic and pre-votes do not carry a term that the receiver adopts.
    switch (m.kind) {
      case MsgKind.Forward:
        return this.handleForward(from, m as Forward);
      case MsgKind.ForwardRejected:
        // A duplicate of the Forward may reach the same node once it leads, and be appended: only a read is surely void.
        return this.answerPending((m as Forward).client, (m as Forward).seq, false, null, 'not leader', (m as Forward).op.f !== 'read');
      case MsgKind.ClientReply: {
        const r = m as ClientReply;
        return this.answerPending(r.client, r.seq, r.ok, r.value, r.error, r.indeterminate === true);
      }
      case MsgKind.PreVote:
        return this.handlePreVote(from, m as RequestVote);
    }
    if (m.kind === MsgKind.RequestVote && m.term > this.term) {
      // Dissertation §4.2.3: within a minimum election timeout of hearing from a current leader, a node
      // neither adopts the term of a RequestVote nor grants it, whatever the options: a removed server
      // or a rejoining one cannot depose a healthy leader, and a lease can count on it (§6.4.1).
      const withheld = this.withholdRule(m as RequestVote);
      if (withheld !== NOT_WITHHELD) {
        this.observer?.vote?.(this.self, from, m.term, false, withheld, this.term, this.leaderId, this.votedFor);
        return;
      }
    }
    if (m.term > this.term) {
      // A granted pre-vote answers with the term we would stand in: no reason to step down.
      const grantedPreVote = m.kind === MsgKind.PreVoteReply && (m as VoteReply).granted;
      if (!grantedPreVote) this.becomeFollower(m.term, m.kind === MsgKind.AppendEntries || m.kind === MsgKind.InstallSnapshot ? from : -1);
    } else if (m.term < this.term) {
      // A stale-term RPC gets a rejection carrying our term, and resets nothing.
      if (this.config.bugs.has('reset-timer-on-any-rpc')) this.resetElectionTimer();
      if (m.kind === MsgKind.RequestVote) {
        this.observer?.vote?.(this.self, from, m.term, false, VoteReason.StaleTerm, this.term, this.leaderId, this.votedFor);
        this.sendVoteReply(from, MsgKind.RequestVoteReply, this.term, false);
      } else if (m.kind === MsgKind.AppendEntries || m.kind === MsgKind.InstallSnapshot) this.sendAppendReply(from, false, 0, this.lastIndex() + 1, 0, 0);
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
      case MsgKind.InstallSnapshot:
        return this.handleInstallSnapshot(from, m as InstallSnapshot);
      case MsgKind.TimeoutNow: {
        const round = (m as TimeoutNow).round;
        if (this.role !== 'leader' && this.mayCampaign() && this.mayDisruptLeader(round)) this.startElection(true, round);
        return;
      }
    }
  }

  onClientRequest(request: ClientRequest): void {
    if (request.op.f === 'read' && this.config.reads === 'local') {
      // Served from this node's own state: fast, available, and possibly stale.
      this.ctx.reply({ client: request.client, seq: request.seq, ok: true, value: this.kv.read(request.op.key) });
      return;
    }
    if (this.role === 'leader') {
      this.pending[request.client] = request;
      this.leaderHandle(request.client, request.seq, request.op, this.self);
    } else if (this.leaderId >= 0) {
      this.pending[request.client] = request;
      const forward: Forward = { kind: MsgKind.Forward, term: this.term, client: request.client, seq: request.seq, op: request.op };
      this.ctx.send(this.leaderId, forward);
    } else {
      this.ctx.reply({ client: request.client, seq: request.seq, ok: false, error: 'no leader' });
    }
  }

  onAdmin(command: AdminCommand): string {
    if (this.role !== 'leader') return 'skipped: not the leader';
    switch (command.type) {
      case 'transfer':
        return this.startTransfer(command.to);
      case 'add':
      case 'remove':
        return this.changeMembership(command.type, command.node);
    }
  }

  view(tailMax = 0): NodeView {
    return {
      role: this.role,
      term: this.term,
      logLength: this.lastIndex(),
      commitIndex: this.commitIndex,
      appliedIndex: this.lastApplied,
      votedFor: this.votedFor,
      leader: this.leaderId,
      logTailTerms: raftLogTail(this.stable, tailMax),
      members: this.members,
    };
  }

  // ---- queries (for the protocol host, checks and tests) --------------------

  get term(): number {
    return this.stable.term;
  }

  get currentRole(): Role {
    return this.role;
  }

  get committed(): number {
    return this.commitIndex;
  }

  get applied(): number {
    return this.lastApplied;
  }

  get configuration(): readonly number[] {
    return this.members;
  }

  get snapshotIndex(): number {
    return this.stable.snapshot?.lastIndex ?? 0;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.stable.log.length - 1;
  }

  entryAt(index: number): Entry | undefined {
    const offset = this.snapshotIndex;
    return index > offset ? this.stable.log.get(index - offset) : undefined;
  }

  /** The value of `key` in this node's state machine. */
  read(key: string): Value {
    return this.kv.read(key);
  }

  private lastTerm(): number {
    return this.stable.log.last().term;
  }

  /** The term at `index`; the snapshot's last term at its last index; -1 when compacted away or beyond the log. */
  private termAt(index: number): number {
    const entry = this.stable.log.get(index - this.snapshotIndex);
    return entry === undefined ? -1 : entry.term;
  }

  private latestConfig(): readonly number[] {
    const log = this.stable.log;
    for (let i = log.length - 1; i >= 1; i--) if (log.get(i)!.config !== undefined) return log.get(i)!.config!;
    return this.stable.snapshot?.config ?? this.config.members;
  }

  /**
   * "A leader is alive" (dissertation §4.2.3, and PreVote's check §9.6): this node leads, or it heard
   * from the leader of its term within the minimum election timeout, or it restarted within one.
   * Which of them holds, as the RequestVote rule it makes (`VoteReason.Ignored*`), or NOT_WITHHELD.
   */
  private leaderAliveRule(): VoteReason | typeof NOT_WITHHELD {
    if (this.role === 'leader') return VoteReason.IgnoredIsLeader;
    const now = this.ctx.now();
    const min = this.config.electionTimeoutUsMin;
    if (this.leaderId >= 0 && now - this.lastLeaderContactUs < min) return VoteReason.IgnoredLeaderAlive;
    return now - this.restartedUs < min ? VoteReason.IgnoredRestarted : NOT_WITHHELD;
  }

  /**
   * §4.2.3: why this node ignores a RequestVote of a higher term — a leader is alive and the candidate
   * has no leave to disrupt it (a `VoteReason.Ignored*`) — or NOT_WITHHELD.
   */
  private withholdRule(m: RequestVote): VoteReason | typeof NOT_WITHHELD {
    const alive = this.leaderAliveRule();
    if (alive === NOT_WITHHELD || m.transfer !== true) return alive;
    // A transfer's RequestVote goes through (§3.10, §4.2.3) — as long as it cannot overtake a lease.
    // A leader that grants it steps down, and its lease with it. A follower of the old leader's term
    // must not have heard a round later than the TimeoutNow's: the leader's lease counts no round
    // sent during the transfer, and after an abort only later rounds (leaseFloorRound).
    if (this.role === 'leader' || m.term !== this.term + 1) return NOT_WITHHELD;
    if (this.ctx.now() - this.restartedUs < this.config.electionTimeoutUsMin) return VoteReason.IgnoredTransferRestarted;
    return this.heardRound > (m.round ?? 0) ? VoteReason.IgnoredTransferStale : NOT_WITHHELD;
  }

  /**
   * A TimeoutNow sent at the leader's round `round` may disrupt it (a transfer's RequestVote: see withholdRule): this
   * node has not restarted within a minimum election timeout (it may have acknowledged a later round
   * and forgotten), and has heard no round later than `round`.
   */
  private mayDisruptLeader(round: number): boolean {
    if (this.ctx.now() - this.restartedUs < this.config.electionTimeoutUsMin) return false;
    return this.heardRound <= round;
  }

  // ---- elections -------------------------------------------------------------

  private resetElectionTimer(): void {
    this.electionArmedUs = this.ctx.now();
    this.ctx.setTimer(TIMER_ELECTION, this.drawElectionTimeout());
  }

  /** A fresh election timeout, uniform in [min, max] (§5.2). */
  private drawElectionTimeout(): number {
    const { electionTimeoutUsMin: min, electionTimeoutUsMax: max } = this.config;
    return min + Math.floor(this.ctx.random() * (max - min + 1));
  }

  /**
   * A follower does not re-arm its election timer on every AppendEntries: it
   * notes when it last heard from the leader, and when the timer fires it
   * restarts it from that moment with a freshly drawn timeout. The deadline
   * is the same in distribution as re-arming on every message (last contact
   * plus a uniform draw); the hot path saves a random draw and a heap move.
   * Returns true when the timer was re-armed (the follower heard from a leader in time).
   */
  private rearmFromLastContact(): boolean {
    if (this.role !== 'follower' || this.lastLeaderContactUs <= this.electionArmedUs) return false;
    const remaining = this.lastLeaderContactUs + this.drawElectionTimeout() - this.ctx.now();
    if (remaining <= 0) return false;
    this.electionArmedUs = this.lastLeaderContactUs;
    this.ctx.setTimer(TIMER_ELECTION, remaining);
    return true;
  }

  private startPreVote(): void {
    this.changeRole({ type: 'ELECTION_TIMEOUT', preVote: true });
    this.leaderId = -1;
    this.resetVotes();
    this.resetElectionTimer();
    if (this.tally() === 'won') return this.startElection(false);
    const ask: RequestVote = { kind: MsgKind.PreVote, term: this.term + 1, lastLogIndex: this.lastIndex(), lastLogTerm: this.lastTerm() };
    this.sendToMembers(ask);
  }

  /** `transferRound`: the TimeoutNow's round, for a transfer; -1 for an election of its own. */
  private startElection(transfer: boolean, transferRound = -1): void {
    const event: RoleEvent = this.role === 'preCandidate' ? { type: 'PRE_VOTE_WON' } : { type: 'ELECTION_TIMEOUT', preVote: false };
    // The new term first, so that the role change is reported with the term it is in.
    this.stable.term += 1;
    this.heardRound = 0;
    this.changeRole(event);
    this.leaderId = -1;
    this.setVote(this.self);
    this.resetVotes();
    this.resetElectionTimer();
    if (this.tally() === 'won') return this.becomeLeader();
    const ask: RequestVote = transfer
      ? { kind: MsgKind.RequestVote, term: this.term, lastLogIndex: this.lastIndex(), lastLogTerm: this.lastTerm(), transfer, round: transferRound }
      : { kind: MsgKind.RequestVote, term: this.term, lastLogIndex: this.lastIndex(), lastLogTerm: this.lastTerm() };
    this.sendToMembers(ask);
  }

  private resetVotes(): void {
    this.votes.fill(VOTE_NONE);
    this.votes[this.self] = VOTE_GRANTED;
  }

  private sendToMembers(msg: Message): void {
    for (const peer of this.members) if (peer !== this.self) this.ctx.send(peer, msg);
  }

  /** §5.4.1: at least as up-to-date — compare last terms, then last indexes. */
  private logIsUpToDate(lastLogTerm: number, lastLogIndex: number): boolean {
    if (this.config.bugs.has('no-up-to-date-check')) return true;
    const myTerm = this.lastTerm();
    return lastLogTerm > myTerm || (lastLogTerm === myTerm && lastLogIndex >= this.lastIndex());
  }

  private handleRequestVote(from: number, m: RequestVote): void {
    const free = this.votedFor === NO_VOTE || this.votedFor === from;
    const reason = !free ? VoteReason.AlreadyVoted : this.logIsUpToDate(m.lastLogTerm, m.lastLogIndex) ? VoteReason.Granted : VoteReason.LogNotUpToDate;
    const granted = reason === VoteReason.Granted;
    this.observer?.vote?.(this.self, from, m.term, false, reason, this.term, this.leaderId, this.votedFor);
    if (granted) {
      this.setVote(from);
      // Reset the election timer only when granting a vote.
      this.resetElectionTimer();
    }
    this.sendVoteReply(from, MsgKind.RequestVoteReply, this.term, granted);
  }

  private handlePreVote(from: number, m: RequestVote): void {
    let reason: VoteReason;
    if (m.term <= this.term) reason = VoteReason.StaleTerm;
    else {
      // §9.6: a pre-vote is refused while a leader is alive, by the rule of §4.2.3.
      const alive = this.leaderAliveRule();
      if (alive === VoteReason.IgnoredIsLeader) reason = VoteReason.IsLeader;
      else if (alive === VoteReason.IgnoredLeaderAlive) reason = VoteReason.LeaderAlive;
      else if (alive === VoteReason.IgnoredRestarted) reason = VoteReason.Restarted;
      else reason = this.logIsUpToDate(m.lastLogTerm, m.lastLogIndex) ? VoteReason.Granted : VoteReason.LogNotUpToDate;
    }
    const granted = reason === VoteReason.Granted;
    this.observer?.vote?.(this.self, from, m.term, true, reason, this.term, this.leaderId, this.votedFor);
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
    if (this.tally() === 'won') this.startElection(false);
  }

  /** The election's outcome among the current members. */
  private tally(): ReturnType<typeof voteResult> {
    let granted = 0;
    let rejected = 0;
    for (const member of this.members) {
      if (this.votes[member] === VOTE_GRANTED) granted++;
      else if (this.votes[member] === VOTE_REJECTED) rejected++;
    }
    return voteResult(granted, rejected, this.members.length);
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
      this.heardRound = 0;
    }
    this.leaderId = leader;
    if (!wasFollower) {
      const wasLeader = this.role === 'leader';
      this.changeRole({ type: 'STEP_DOWN' });
      this.ctx.cancelTimer(TIMER_HEARTBEAT);
      this.resetElectionTimer();
      if (wasLeader) this.stepDownCleanup();
    }
  }

  /** A deposed leader cannot confirm reads any more: they definitely did not happen (a read has no effect). */
  private stepDownCleanup(): void {
    this.transferTo = -1;
    this.ctx.cancelTimer(TIMER_TRANSFER);
    this.leaseUntilUs = Number.NEGATIVE_INFINITY;
    this.roundSentUs.clear();
    const reads = this.pendingReads;
    this.pendingReads = [];
    for (const r of reads) this.answerClient(r.client, r.seq, r.origin, false, null, 'not leader', false);
  }

  private becomeLeader(): void {
    this.changeRole({ type: 'ELECTION_WON' });
    this.leaderId = this.self;
    const next = this.lastIndex() + 1;
    this.nextIndex.fill(next);
    this.sentIndex.fill(0);
    this.matchIndex.fill(0);
    this.recentlyActive.fill(0);
    this.ackedRound.fill(0);
    this.round = 0;
    this.roundSentUs.clear();
    this.leaseFloorRound = 0;
    this.observer?.becameLeader(this.self, this.term, this);
    // A no-op of the new term lets entries of earlier terms commit (§5.4.2, §8).
    this.appendEntry({ term: this.term, op: null, client: -1, seq: 0, origin: this.self });
    this.broadcastAppend();
    if (this.config.checkQuorum) this.ctx.setTimer(TIMER_ELECTION, this.config.electionTimeoutUsMin);
    else this.ctx.cancelTimer(TIMER_ELECTION);
    this.maybeCommit();
  }

  /** CheckQuorum: a leader that did not hear from a majority within an election timeout steps down. */
  private checkQuorum(): void {
    if (!this.config.checkQuorum) return;
    let active = 0;
    for (const member of this.members) if (member === this.self || this.recentlyActive[member] === 1) active++;
    this.recentlyActive.fill(0);
    if (voteResult(active, 0, this.members.length) !== 'won') {
      this.observer?.event?.(this.self, 'lost contact with a majority (CheckQuorum)');
      this.becomeFollower(this.term, -1);
      return;
    }
    this.ctx.setTimer(TIMER_ELECTION, this.config.electionTimeoutUsMin);
  }

  private changeRole(event: RoleEvent): void {
    const next = nextRole(this.roleSnapshot, event);
    assert(next !== null, `illegal role change: ${this.role} on ${event.type}`);
    const previous = this.role;
    this.roleSnapshot = next;
    this.role = next.value as Role;
    this.observer?.roleChanged(this.self, this.role, this.term, previous);
  }

  // ---- leadership transfer and membership ---------------------------------------

  private startTransfer(to: number): string {
    if (to === this.self) return 'skipped transfer: the target is already the leader';
    if (!this.members.includes(to)) return 'skipped transfer: the target is not a member';
    this.transferTo = to;
    // §6.4.1: "a leader would need to expire its lease before transferring leadership". The target's
    // election may bypass the voters' §4.2.3 check, so no lease holds until the transfer ends.
    this.leaseUntilUs = Number.NEGATIVE_INFINITY;
    this.leaseFloorRound = Number.POSITIVE_INFINITY;
    this.ctx.setTimer(TIMER_TRANSFER, this.config.electionTimeoutUsMax);
    this.continueTransfer();
    return 'leadership transfer started';
  }

  /** Once the target's log matches ours, tell it to start an election now. */
  private continueTransfer(): void {
    const to = this.transferTo;
    if (to < 0) return;
    if (this.matchIndex[to] === this.lastIndex()) {
      const timeoutNow: TimeoutNow = { kind: MsgKind.TimeoutNow, term: this.term, round: this.round };
      this.ctx.send(to, timeoutNow);
    } else {
      this.sendAppend(to);
    }
  }

  private changeMembership(type: 'add' | 'remove', node: number): string {
    const members = this.members;
    if (type === 'add' && members.includes(node)) return 'skipped add: already a member';
    if (type === 'remove' && !members.includes(node)) return 'skipped remove: not a member';
    // A configuration with no members can never commit or elect anything again.
    if (type === 'remove' && members.length === 1) return 'skipped remove: it is the last member';
    // One change at a time: the previous configuration entry must be committed, and so an entry of this term.
    if (this.pendingConfigChange()) return `skipped ${type}: another membership change is not committed yet`;
    if (this.termAt(this.commitIndex) !== this.term) return `skipped ${type}: the leader has not committed an entry of its term yet`;
    const next = type === 'add' ? [...members, node].sort((a, b) => a - b) : members.filter((m) => m !== node);
    if (type === 'add') {
      this.nextIndex[node] = this.lastIndex() + 1;
      this.sentIndex[node] = 0;
      this.matchIndex[node] = 0;
    }
    this.appendEntry({ term: this.term, op: null, client: -1, seq: 0, origin: this.self, config: next });
    this.broadcastAppend();
    this.maybeCommit();
    return 'configuration entry appended';
  }

  /**
   * Whether this node may stand for election: while it is a member of its
   * latest configuration, and also while the entry that removed it is not
   * known to be committed. Configurations take effect when appended
   * (dissertation §4.1), so a leader that appended its own removal and then
   * crashed would otherwise never stand again, although the configuration
   * still in force (the committed one) may need it: with two members, the
   * other one needs its vote, and it refuses that vote to a shorter log.
   * Standing, it counts the votes of its latest configuration, brings the
   * removal to the others and commits it, then steps down (§4.2.2).
   */
  private mayCampaign(): boolean {
    return this.members.includes(this.self) || this.pendingConfigChange();
  }

  private pendingConfigChange(): boolean {
    for (let i = this.lastIndex(); i > this.commitIndex; i--) if (this.entryAt(i)?.config !== undefined) return true;
    return false;
  }

  // ---- replication -------------------------------------------------------------

  private appendEntry(entry: Entry): void {
    const log = this.stable.log;
    const prevTerm = log.last().term;
    log.push(entry);
    if (entry.config !== undefined) this.members = entry.config;
    this.observer?.appended(this.self, this.lastIndex(), entry, prevTerm);
  }

  private leaderHandle(client: number, seq: number, op: ClientOp, origin: number): void {
    if (this.transferTo >= 0) {
      // Refused before the log. A forwarded write may have a duplicate on the wire that arrives after the
      // transfer is aborted, and is appended: only the origin's own client request, or a read, surely fails.
      return this.answerClient(client, seq, origin, false, null, 'leadership transfer in progress', origin !== this.self && op.f !== 'read');
    }
    if (op.f === 'read') {
      if (this.config.bugs.has('read-without-quorum')) {
        // The bug: answer from local state without confirming that we still lead.
        return this.answerClient(client, seq, origin, true, this.kv.read(op.key), undefined, false);
      }
      if (this.config.reads === 'readIndex' || this.config.reads === 'lease') return this.leaderRead(client, seq, op.key, origin);
    }
    this.appendEntry({ term: this.term, op, client, seq, origin });
    if (this.members.length === 1) this.maybeCommit();
    else this.broadcastAppend();
  }

  /** ReadIndex (dissertation §6.4) and lease reads (§6.4.1). */
  private leaderRead(client: number, seq: number, key: string, origin: number): void {
    const committedInTerm = this.termAt(this.commitIndex) === this.term;
    if (this.config.reads === 'lease' && committedInTerm && this.ctx.now() < this.leaseUntilUs) {
      return this.answerClient(client, seq, origin, true, this.kv.read(key), undefined, false);
    }
    this.pendingReads.push({ client, seq, key, origin, readIndex: committedInTerm ? this.commitIndex : -1, round: this.round + 1 });
    this.broadcastAppend();
    this.serveReads();
  }

  /** Answers the reads whose round a majority acknowledged and whose read index is applied. */
  private serveReads(): void {
    if (this.pendingReads.length === 0) return;
    const confirmed = this.confirmedRound();
    const committedInTerm = this.termAt(this.commitIndex) === this.term;
    const keep: PendingRead[] = [];
    for (const r of this.pendingReads) {
      if (r.readIndex < 0 && committedInTerm) r.readIndex = this.commitIndex;
      if (r.readIndex >= 0 && r.round <= confirmed && this.lastApplied >= r.readIndex) {
        this.answerClient(r.client, r.seq, r.origin, true, this.kv.read(r.key), undefined, false);
      } else keep.push(r);
    }
    this.pendingReads = keep;
  }

  /** The highest heartbeat round acknowledged by a majority of the members (the leader counts its own). */
  private confirmedRound(): number {
    const input = this.quorumInput;
    let k = 0;
    for (const member of this.members) input[k++] = member === this.self ? this.round : this.ackedRound[member]!;
    return committedIndex(input, this.quorumScratch, k);
  }

  /**
   * Answers a request, at its origin or by a ClientReply to it. `indeterminate` (with ok false): a copy
   * of the request may still take effect, so the client must record `info`, not `fail`.
   */
  private answerClient(client: number, seq: number, origin: number, ok: boolean, value: Value, error: string | undefined, indeterminate: boolean): void {
    if (origin === this.self) return this.answerPending(client, seq, ok, value, error, indeterminate);
    const reply: ClientReply =
      error === undefined
        ? { kind: MsgKind.ClientReply, term: this.term, client, seq, ok, value }
        : indeterminate
          ? { kind: MsgKind.ClientReply, term: this.term, client, seq, ok, value, error, indeterminate }
          : { kind: MsgKind.ClientReply, term: this.term, client, seq, ok, value, error };
    this.ctx.send(origin, reply);
  }

  /** Answers this node's own client, if it still waits for request `seq`. */
  private answerPending(client: number, seq: number, ok: boolean, value: Value, error: string | undefined, indeterminate: boolean): void {
    const waiting = this.pending[client];
    if (waiting === undefined || waiting.seq !== seq) return;
    this.pending[client] = undefined;
    this.ctx.reply(error === undefined ? { client, seq, ok, value } : indeterminate ? { client, seq, ok, value, error, indeterminate } : { client, seq, ok, value, error });
  }

  /** AppendEntries to every follower; the heartbeat timer restarts, so heartbeats go out only in idle periods (§5.2). */
  private broadcastAppend(): void {
    this.ctx.setTimer(TIMER_HEARTBEAT, this.config.heartbeatUs);
    this.round++;
    if (this.config.reads === 'lease') {
      this.roundSentUs.set(this.round, this.ctx.now());
      if (this.roundSentUs.size > 64) this.roundSentUs.delete(this.round - 64);
    }
    // Followers at the same nextIndex get the same message: a message is immutable once sent (a
    // duplicated delivery already shares it), and nothing changes the leader's state between these
    // sends, so one object serves them all. In steady state that is one AppendEntries and one slice
    // of entries per broadcast instead of one per follower (half of what the loop allocates).
    let shared: AppendEntries | null = null;
    for (const peer of this.members) if (peer !== this.self) shared = this.sendAppend(peer, shared);
  }

  /**
   * AppendEntries (or the snapshot) from the follower's nextIndex, at most
   * maxEntriesPerMessage entries. `reuse`, an AppendEntries built in this same
   * broadcast, is sent as it is if it starts where this follower needs.
   * Returns the AppendEntries sent (null: the snapshot was).
   */
  private sendAppend(to: number, reuse: AppendEntries | null = null): AppendEntries | null {
    const next = this.nextIndex[to]!;
    const offset = this.snapshotIndex;
    if (next <= offset) {
      // The entries it needs were compacted: send the snapshot.
      const msg: InstallSnapshot = { kind: MsgKind.InstallSnapshot, term: this.term, snapshot: this.stable.snapshot!, round: this.round };
      this.ctx.send(to, msg);
      return reuse;
    }
    const msg = reuse !== null && reuse.prevIndex === next - 1 ? reuse : this.appendEntriesFrom(next);
    const last = msg.prevIndex + msg.entries.length;
    if (last > this.sentIndex[to]!) this.sentIndex[to] = last;
    this.ctx.send(to, msg);
    return msg;
  }

  private appendEntriesFrom(next: number): AppendEntries {
    const offset = this.snapshotIndex;
    const log = this.stable.log;
    const end = Math.min(log.length, next - offset + this.config.maxEntriesPerMessage);
    return {
      kind: MsgKind.AppendEntries,
      term: this.term,
      prevIndex: next - 1,
      prevTerm: log.get(next - 1 - offset)!.term,
      entries: next - offset < end ? log.slice(next - offset, end) : EMPTY,
      commit: this.commitIndex,
      round: this.round,
    };
  }

  private sendAppendReply(to: number, success: boolean, matchIndex: number, conflictIndex: number, conflictTerm: number, round: number): void {
    const reply: AppendEntriesReply = { kind: MsgKind.AppendEntriesReply, term: this.term, success, matchIndex, conflictIndex, conflictTerm, round };
    this.ctx.send(to, reply);
  }

  /** Same term: whoever sends AppendEntries or a snapshot is the leader; a candidate of this term steps down. */
  private hearFromLeader(from: number, term: number, round: number): void {
    if (this.role !== 'follower') this.becomeFollower(term, from);
    this.leaderId = from;
    if (round > this.heardRound) this.heardRound = round;
    // The election timer restarts from this moment when it next fires (see rearmFromLastContact).
    this.lastLeaderContactUs = this.ctx.now();
  }

  private handleAppendEntries(from: number, m: AppendEntries): void {
    const round = m.round ?? 0;
    this.hearFromLeader(from, m.term, round);
    const offset = this.snapshotIndex;
    if (m.prevIndex > this.lastIndex()) {
      return this.sendAppendReply(from, false, 0, this.lastIndex() + 1, 0, round);
    }
    // Entries up to the snapshot are committed, so they match the leader's: skip them.
    let skip = 0;
    let prevIndex = m.prevIndex;
    if (prevIndex < offset) {
      skip = Math.min(m.entries.length, offset - prevIndex);
      prevIndex += skip;
      if (prevIndex < offset) return this.sendAppendReply(from, true, offset, 0, 0, round);
    } else if (this.termAt(prevIndex) !== m.prevTerm) {
      // Fast backtracking: skip the whole conflicting term at once.
      const conflictTerm = this.termAt(prevIndex);
      let first = prevIndex;
      while (first - 1 > offset && this.termAt(first - 1) === conflictTerm) first--;
      return this.sendAppendReply(from, false, 0, first, conflictTerm, round);
    }
    const log = this.stable.log;
    const entries = m.entries;
    for (let i = skip; i < entries.length; i++) {
      const index = m.prevIndex + 1 + i;
      if (index <= this.lastIndex()) {
        if (this.termAt(index) === entries[i]!.term) continue;
        if (index <= this.commitIndex) {
          // Correct Raft never asks this (Leader Completeness). A bug switch can: a leader elected
          // without the up-to-date check, or one that committed an old-term entry by counting, now
          // overwrites committed entries. Do what it says, so the checker can report what breaks,
          // rather than stop the simulation.
          assert(this.config.bugs.size > 0, `follower asked to overwrite committed index ${index}`);
          this.commitIndex = index - 1;
          this.lastApplied = Math.min(this.lastApplied, index - 1);
        }
        this.observer?.truncated(this.self, index, this.role);
        log.truncate(index - offset);
        this.members = this.latestConfig();
      }
      this.appendEntry(entries[i]!);
    }
    const lastNew = m.prevIndex + entries.length;
    const commit = Math.min(m.commit, lastNew);
    if (commit > this.commitIndex) {
      this.commitIndex = commit;
      this.applyCommitted();
    }
    this.sendAppendReply(from, true, lastNew, 0, 0, round);
  }

  private handleInstallSnapshot(from: number, m: InstallSnapshot): void {
    this.hearFromLeader(from, m.term, m.round ?? 0);
    const snap = m.snapshot;
    if (snap.lastIndex > this.commitIndex) {
      const log = this.stable.log;
      const keepsSuffix = this.termAt(snap.lastIndex) === snap.lastTerm;
      const suffix = keepsSuffix ? log.slice(snap.lastIndex - this.snapshotIndex + 1) : [];
      this.stable.snapshot = snap;
      this.stable.log = log.replaced([{ term: snap.lastTerm, op: null, client: -1, seq: 0, origin: -1 }, ...suffix]);
      this.kv = KvStateMachine.restore(snap.state);
      this.commitIndex = snap.lastIndex;
      this.lastApplied = snap.lastIndex;
      this.members = this.latestConfig();
      this.observer?.event?.(this.self, `installed a snapshot up to index ${snap.lastIndex}`);
    }
    this.sendAppendReply(from, true, Math.max(snap.lastIndex, Math.min(this.commitIndex, this.lastIndex())), 0, 0, m.round ?? 0);
  }

  private handleAppendReply(from: number, m: AppendEntriesReply): void {
    if (this.role !== 'leader') return;
    this.recentlyActive[from] = 1;
    if ((m.round ?? 0) > this.ackedRound[from]!) {
      this.ackedRound[from] = m.round!;
      this.extendLease();
    }
    if (m.success) {
      // Only a reply that moved the follower forward sends the next batch, and only if the
      // entries are not on the wire already: duplicated or overlapping replies would otherwise
      // each send it again, and the copies multiply.
      // Never beyond this leader's own log: a follower answering from its snapshot reports the
      // snapshot's index, which only a leader missing committed entries (the bug switch
      // no-up-to-date-check) can be behind.
      const match = Math.min(m.matchIndex, this.lastIndex());
      const advanced = match > this.matchIndex[from]!;
      if (advanced) {
        this.matchIndex[from] = match;
        this.maybeCommit();
      }
      if (this.nextIndex[from]! <= match) this.nextIndex[from] = match + 1;
      if (from === this.transferTo) this.continueTransfer();
      else if (advanced && this.nextIndex[from]! <= this.lastIndex() && this.sentIndex[from]! < this.lastIndex()) this.sendAppend(from);
      this.serveReads();
      return;
    }
    this.serveReads();
    let next = m.conflictIndex;
    if (m.conflictTerm > 0) {
      let last = this.lastIndex();
      while (last > this.snapshotIndex && this.termAt(last) > m.conflictTerm) last--;
      if (last > this.snapshotIndex && this.termAt(last) === m.conflictTerm) next = last + 1;
    }
    next = Math.max(this.matchIndex[from]! + 1, Math.min(next, this.lastIndex() + 1));
    if (next === this.nextIndex[from]) return; // a stale or duplicated rejection: already acted on
    this.nextIndex[from] = next;
    this.sentIndex[from] = 0;
    this.sendAppend(from);
  }

  private extendLease(): void {
    if (this.config.reads !== 'lease') return;
    const confirmed = this.confirmedRound();
    if (confirmed <= this.leaseFloorRound) return;
    const sentAt = this.roundSentUs.get(confirmed);
    if (sentAt === undefined) return;
    this.leaseUntilUs = Math.max(this.leaseUntilUs, sentAt + this.leaseUs);
  }

  /** Commit the highest index stored on a majority — only if it is of the current term (§5.4.2, Figure 8). */
  private maybeCommit(): void {
    const input = this.quorumInput;
    let k = 0;
    for (const member of this.members) input[k++] = member === this.self ? this.lastIndex() : this.matchIndex[member]!;
    if (k === 0) return;
    const n = committedIndex(input, this.quorumScratch, k);
    if (n <= this.commitIndex) return;
    if (this.termAt(n) !== this.term && !this.config.bugs.has('commit-old-term')) return;
    this.commitIndex = n;
    this.observer?.committed(this.self, n, this, this.term);
    this.applyCommitted();
    // The followers learn the new commit index with the next AppendEntries (a new entry or a heartbeat), as in the paper.
    // A leader removed from the configuration steps down once the removal commits (§4.2.2) — not
    // merely when the smaller configuration, counting from its append, lets older entries commit.
    if (!this.members.includes(this.self) && this.role === 'leader' && !this.pendingConfigChange()) this.becomeFollower(this.term, -1);
  }

  private applyCommitted(): void {
    while (this.lastApplied < this.commitIndex) {
      const index = ++this.lastApplied;
      const entry = this.entryAt(index)!;
      this.observer?.applied(this.self, index, entry);
      if (entry.op === null) continue;
      const outcome = this.kv.apply(entry.client, entry.seq, entry.op);
      if (outcome === null) continue;
      if (entry.origin === this.self) {
        const waiting = this.pending[entry.client];
        if (waiting === undefined || waiting.seq !== entry.seq) continue;
        this.pending[entry.client] = undefined;
        this.ctx.reply({ client: entry.client, seq: entry.seq, ...outcome });
      } else if (this.role === 'leader') {
        // The leader answers a forwarded request as soon as it applies it; the origin learns the commit index only with the next AppendEntries.
        this.answerClient(entry.client, entry.seq, entry.origin, outcome.ok, outcome.value ?? null, outcome.error, false);
      }
    }
    this.maybeCompact();
    if (this.role === 'leader') this.serveReads();
  }

  /**
   * Log compaction (dissertation §5.1), in two steps so that the log always
   * keeps at least `snapshotEvery` entries past its snapshot: a follower one
   * round behind catches up from the log, and only one far behind needs
   * InstallSnapshot. Every `snapshotEvery` applied entries the state is
   * captured; the previous capture becomes the snapshot and its prefix is
   * dropped. The capture is volatile (a restarted node starts afresh).
   */
  private maybeCompact(): void {
    const every = this.config.snapshotEvery;
    if (every <= 0) return;
    const base = this.captured?.lastIndex ?? this.snapshotIndex;
    if (this.lastApplied - base < every) return;
    const capture = this.captured;
    this.captured = { lastIndex: this.lastApplied, lastTerm: this.termAt(this.lastApplied), state: this.kv.snapshot(), config: this.configAt(this.lastApplied) };
    if (capture === null || capture.lastIndex <= this.snapshotIndex) return;
    const offset = this.snapshotIndex;
    this.stable.log = this.stable.log.replaced([{ term: capture.lastTerm, op: null, client: -1, seq: 0, origin: -1 }, ...this.stable.log.slice(capture.lastIndex - offset + 1)]);
    this.stable.snapshot = capture;
  }

  /** The configuration in force at `index` (the last configuration entry at or before it). */
  private configAt(index: number): readonly number[] {
    for (let i = index; i > this.snapshotIndex; i--) {
      const config = this.entryAt(i)?.config;
      if (config !== undefined) return config;
    }
    return this.stable.snapshot?.config ?? this.config.members;
  }

  // ---- client forwarding -----------------------------------------------------------

  private handleForward(from: number, m: Forward): void {
    if (this.role !== 'leader') {
      const rejected: Forward = { kind: MsgKind.ForwardRejected, term: this.term, client: m.client, seq: m.seq, op: m.op };
      this.ctx.send(from, rejected);
      return;
    }
    this.leaderHandle(m.client, m.seq, m.op, from);
  }
}

const EMPTY: readonly Entry[] = Object.freeze([]);
