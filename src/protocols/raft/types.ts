import type { ClientOp, Message, Value } from '../../core/protocol.ts';
import type { Us } from '../../core/time.ts';
import type { RaftLog } from './log.ts';

/** A log entry. Immutable once created: logs on different nodes share the same objects. */
export interface Entry {
  readonly term: number;
  /** null: a no-op (a new leader's first entry) or a configuration entry. */
  readonly op: ClientOp | null;
  /** The client and its operation number: the state machine applies each (client, seq) at most once. */
  readonly client: number;
  readonly seq: number;
  /** The node whose client sent the request: it answers the client when it applies the entry. */
  readonly origin: number;
  /** A configuration entry: the voting members from this entry on (dissertation §4.1, one server at a time). */
  readonly config?: readonly number[];
}

/** The state machine's content at a log index: what a snapshot carries. */
export interface KvSnapshot {
  readonly values: readonly (readonly [string, Value])[];
  readonly sessions: readonly (readonly [number, number])[];
}

/** A compacted log prefix (dissertation §5). */
export interface Snapshot {
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly state: KvSnapshot;
  /** The configuration as of lastIndex. */
  readonly config: readonly number[];
}

/** What a Raft node persists before it answers any message: survives a crash. */
export interface RaftStable {
  term: number;
  /** -1 when the node has not voted in `term`. */
  votedFor: number;
  /**
   * log[0] is a sentinel: index `snapshot.lastIndex` (0 without a snapshot)
   * with the snapshot's last term; log[i] holds index `offset + i`. Kept in
   * chunks shared between nodes where their logs agree (see RaftLog).
   */
  log: RaftLog;
  snapshot: Snapshot | null;
}

/** Read-only access to one node's log, for checkers: indexes are absolute. */
export interface LogView {
  readonly snapshotIndex: number;
  lastIndex(): number;
  /** The entry at `index`; undefined beyond the log or at/below the snapshot. */
  entryAt(index: number): Entry | undefined;
}

/** One-line deviations from the correct rules, each to watch what breaks. */
export type RaftBug = 'commit-old-term' | 'forget-vote' | 'no-up-to-date-check' | 'reset-timer-on-any-rpc' | 'read-without-quorum';

export const RAFT_BUGS: readonly RaftBug[] = ['commit-old-term', 'forget-vote', 'no-up-to-date-check', 'reset-timer-on-any-rpc', 'read-without-quorum'];

/** How reads are served (dissertation §6.4). */
export type ReadMode = 'log' | 'readIndex' | 'lease' | 'local';

export const READ_MODES: readonly ReadMode[] = ['log', 'readIndex', 'lease', 'local'];

export interface RaftConfig {
  readonly electionTimeoutUsMin: Us;
  readonly electionTimeoutUsMax: Us;
  readonly heartbeatUs: Us;
  /** Dissertation §9.6: ask before raising the term. */
  readonly preVote: boolean;
  /** A leader steps down after an election timeout without hearing from a majority. */
  readonly checkQuorum: boolean;
  readonly reads: ReadMode;
  /**
   * The largest drift of any node's clock from real time that lease reads
   * are safe under (0.05: every clock within 5% of real time). The lease
   * follows from it: see `leaseDurationUs`.
   */
  readonly maxClockDrift: number;
  readonly bugs: ReadonlySet<RaftBug>;
  /** Compact the log after this many applied entries beyond the last snapshot; 0: never. */
  readonly snapshotEvery: number;
  /** The initial voting members (node indexes); the rest start outside the cluster until added. */
  readonly members: readonly number[];
  /** Entries per AppendEntries at most: bounds message size and catch-up bursts. */
  readonly maxEntriesPerMessage: number;
}

/** What the safety checker and the trace are told. Observers watch; they never steer. */
export interface RaftObserver {
  roleChanged(node: number, role: string, term: number, previous: string): void;
  becameLeader(node: number, term: number, log: LogView): void;
  /** An entry was written at `index` of `node`'s log (after its predecessor of term `prevTerm`). */
  appended(node: number, index: number, entry: Entry, prevTerm: number): void;
  /** `node` removed its entries from `fromIndex` on, while in `role`. */
  truncated(node: number, fromIndex: number, role: string): void;
  /** A leader advanced its commit index to `index`; `term` is its own term, the term the entries are committed in. */
  committed(node: number, index: number, log: LogView, term: number): void;
  applied(node: number, index: number, entry: Entry): void;
  /** A note for the event log (leadership transfer, membership change, snapshot). */
  event?(node: number, text: string): void;
  /**
   * `node` decided a RequestVote (or, `preVote`, a PreVote) from `candidate` for `term` (the term it
   * stands, or would stand, in): `reason` is the rule that decided it (`VoteReason`), `nodeTerm` the
   * voter's term when it decided, `leader` the leader it believes in and `votedFor` whom it voted for
   * in `nodeTerm` (-1: none). Integers only: the node formats nothing and allocates nothing for it.
   */
  vote?(node: number, candidate: number, term: number, preVote: boolean, reason: VoteReason, nodeTerm: number, leader: number, votedFor: number): void;
}

/**
 * The rule that decided a vote or a pre-vote (`RaftObserver.vote`). `Granted`
 * is the only grant; the `Ignored*` reasons send no reply at all (§4.2.3);
 * the others refuse.
 */
export const VoteReason = {
  /** §5.2 (a vote: first come, first served, to a candidate at least as up to date); §9.6 for a pre-vote. */
  Granted: 0,
  /** §5.1: the candidate's term is older than the voter's (a pre-vote: not above it). */
  StaleTerm: 1,
  /** §5.2: the voter already voted for another candidate in this term (a leader or candidate voted for itself). */
  AlreadyVoted: 2,
  /** §5.4.1: the candidate's log is less up to date than the voter's (last term, then last index). */
  LogNotUpToDate: 3,
  /** §4.2.3: the voter heard from a current leader within the minimum election timeout. */
  IgnoredLeaderAlive: 4,
  /** §4.2.3: the voter is the leader. */
  IgnoredIsLeader: 5,
  /** §4.2.3: the voter restarted within the minimum election timeout (it may have acknowledged a leader just before). */
  IgnoredRestarted: 6,
  /** §3.10, §4.2.3: a transfer's RequestVote, but the voter heard a heartbeat round of the old leader later than the TimeoutNow's. */
  IgnoredTransferStale: 7,
  /** §3.10, §4.2.3: a transfer's RequestVote, but the voter restarted within the minimum election timeout. */
  IgnoredTransferRestarted: 8,
  /** §9.6: a pre-vote refused because a leader is alive: the voter heard from it within the minimum election timeout. */
  LeaderAlive: 9,
  /** §9.6: a pre-vote refused by the leader itself. */
  IsLeader: 10,
  /** §9.6: a pre-vote refused because the voter restarted within the minimum election timeout. */
  Restarted: 11,
} as const;

export type VoteReason = (typeof VoteReason)[keyof typeof VoteReason];

/** `VoteReason` by code, as names for the event stream (`vote` events). */
export const VOTE_REASON_NAMES = [
  'granted',
  'stale-term',
  'already-voted',
  'log-not-up-to-date',
  'ignored-leader-alive',
  'ignored-is-leader',
  'ignored-restarted',
  'ignored-transfer-stale',
  'ignored-transfer-restarted',
  'leader-alive',
  'is-leader',
  'restarted',
] as const;

export type VoteReasonName = (typeof VOTE_REASON_NAMES)[number];

export const MsgKind = {
  RequestVote: 1,
  RequestVoteReply: 2,
  AppendEntries: 3,
  AppendEntriesReply: 4,
  PreVote: 5,
  PreVoteReply: 6,
  /** A follower passes a client's request to the leader it believes in. */
  Forward: 7,
  /** The receiver of a Forward is not the leader: the origin answers its client (a write: `info`, a duplicate may be appended). */
  ForwardRejected: 8,
  /** The leader answers a forwarded request: a write or log read once applied, a readIndex or lease read once confirmed. */
  ClientReply: 9,
  /** Leadership transfer: start an election now (dissertation §3.10). */
  TimeoutNow: 10,
  InstallSnapshot: 11,
} as const;

export const MSG_NAMES: Readonly<Record<number, string>> = {
  1: 'RequestVote',
  2: 'RequestVoteReply',
  3: 'AppendEntries',
  4: 'AppendEntriesReply',
  5: 'PreVote',
  6: 'PreVoteReply',
  7: 'Forward',
  8: 'ForwardRejected',
  9: 'ClientReply',
  10: 'TimeoutNow',
  11: 'InstallSnapshot',
};

export interface RequestVote extends Message {
  readonly kind: 1 | 5;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Sent because of a leadership transfer: voters skip the "heard from a leader recently" check (dissertation §4.2.3)... */
  readonly transfer?: boolean;
  /** ...unless they heard a heartbeat round of the old leader later than this one, the round of the TimeoutNow (with `transfer`). */
  readonly round?: number;
}

export interface VoteReply extends Message {
  readonly kind: 2 | 6;
  readonly granted: boolean;
}

export interface AppendEntries extends Message {
  readonly kind: 3;
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  /** The leader's heartbeat round, echoed in the reply: confirms leadership for readIndex and lease reads. */
  readonly round?: number;
}

export interface AppendEntriesReply extends Message {
  readonly kind: 4;
  readonly success: boolean;
  /** On success: the last index known to match the leader's. */
  readonly matchIndex: number;
  /** On failure: where the leader should retry (fast backtracking, §5.3). */
  readonly conflictIndex: number;
  readonly conflictTerm: number;
  readonly round?: number;
}

export interface Forward extends Message {
  readonly kind: 7 | 8;
  readonly client: number;
  readonly seq: number;
  readonly op: ClientOp;
}

export interface ClientReply extends Message {
  readonly kind: 9;
  readonly client: number;
  readonly seq: number;
  readonly ok: boolean;
  readonly value: Value;
  readonly error?: string;
  /** With ok false: a copy of the request may still take effect; the origin's client records `info`. */
  readonly indeterminate?: boolean;
}

export interface InstallSnapshot extends Message {
  readonly kind: 11;
  readonly snapshot: Snapshot;
  readonly round?: number;
}

export interface TimeoutNow extends Message {
  readonly kind: 10;
  /** The leader's heartbeat round when it sent this: a target that has heard a later round ignores it (see RequestVote.round). */
  readonly round: number;
}

/**
 * How long a lease lasts, counted on the leader's clock from the send time of
 * the heartbeat round a majority acknowledged. A follower that acknowledged
 * the round at real time R >= S refuses votes until its own clock has
 * advanced the minimum election timeout T past R (dissertation §4.2.3). With
 * clock rates 1 + d, |d| <= maxClockDrift = δ, the leader's lease of L local
 * time ends at real S + L/(1 + d_leader) and the follower's refusal at real
 * R + T/(1 + d_follower) at the earliest; the lease is safe when
 * L/(1 + d_leader) <= T/(1 + d_follower) for every pair, i.e. when
 * L <= T × (1 - δ)/(1 + δ): the bound is on the ratio of two clocks' rates,
 * at most (1 + δ)/(1 - δ), not on each clock alone.
 */
export function leaseDurationUs(config: Pick<RaftConfig, 'electionTimeoutUsMin' | 'maxClockDrift'>): number {
  const d = config.maxClockDrift;
  return Math.floor((config.electionTimeoutUsMin * (1 - d)) / (1 + d));
}

export type RaftMessage = RequestVote | VoteReply | AppendEntries | AppendEntriesReply | Forward | ClientReply | TimeoutNow | InstallSnapshot;
