import type { ClientOp, Message } from '../../core/protocol.ts';
import type { Us } from '../../core/time.ts';

/** A log entry. Immutable once created: logs on different nodes share the same objects. */
export interface Entry {
  readonly term: number;
  /** null: the no-op a new leader appends to commit entries of earlier terms. */
  readonly op: ClientOp | null;
  /** The client and its operation number: the state machine applies each (client, seq) at most once. */
  readonly client: number;
  readonly seq: number;
  /** The node whose client sent the request: it answers the client when it applies the entry. */
  readonly origin: number;
}

/** What a Raft node persists before it answers any message: survives a crash. */
export interface RaftStable {
  term: number;
  /** -1 when the node has not voted in `term`. */
  votedFor: number;
  /** log[0] is a sentinel of term 0; entries start at index 1. */
  log: Entry[];
}

/** One-line deviations from the correct rules, each to watch what breaks. */
export type RaftBug = 'commit-old-term' | 'forget-vote' | 'no-up-to-date-check' | 'reset-timer-on-any-rpc' | 'read-without-quorum';

export const RAFT_BUGS: readonly RaftBug[] = ['commit-old-term', 'forget-vote', 'no-up-to-date-check', 'reset-timer-on-any-rpc', 'read-without-quorum'];

export interface RaftConfig {
  readonly electionTimeoutUsMin: Us;
  readonly electionTimeoutUsMax: Us;
  readonly heartbeatUs: Us;
  /** Dissertation §9.6: ask before raising the term. */
  readonly preVote: boolean;
  /** A leader steps down after an election timeout without hearing from a majority. */
  readonly checkQuorum: boolean;
  readonly bugs: ReadonlySet<RaftBug>;
  /** Entries per AppendEntries at most: bounds message size and catch-up bursts. */
  readonly maxEntriesPerMessage: number;
}

/** What the safety checker and the trace are told. Observers watch; they never steer. */
export interface RaftObserver {
  roleChanged(node: number, role: string, term: number): void;
  becameLeader(node: number, term: number, log: readonly Entry[]): void;
  /** An entry was written at `index` of `node`'s log (after its predecessor of term `prevTerm`). */
  appended(node: number, index: number, entry: Entry, prevTerm: number): void;
  /** `node` removed its entries from `fromIndex` on, while in `role`. */
  truncated(node: number, fromIndex: number, role: string): void;
  /** A leader advanced its commit index to `index`. */
  committed(node: number, index: number, log: readonly Entry[]): void;
  applied(node: number, index: number, entry: Entry): void;
}

export const MsgKind = {
  RequestVote: 1,
  RequestVoteReply: 2,
  AppendEntries: 3,
  AppendEntriesReply: 4,
  PreVote: 5,
  PreVoteReply: 6,
  /** A follower passes a client's request to the leader it believes in. */
  Forward: 7,
  /** The receiver of a Forward is not the leader: the origin answers its client `fail`. */
  ForwardRejected: 8,
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
};

export interface RequestVote extends Message {
  readonly kind: 1 | 5;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
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
}

export interface AppendEntriesReply extends Message {
  readonly kind: 4;
  readonly success: boolean;
  /** On success: the last index known to match the leader's. */
  readonly matchIndex: number;
  /** On failure: where the leader should retry (fast backtracking, §5.3). */
  readonly conflictIndex: number;
  readonly conflictTerm: number;
}

export interface Forward extends Message {
  readonly kind: 7 | 8;
  readonly client: number;
  readonly seq: number;
  readonly op: ClientOp;
}

export type RaftMessage = RequestVote | VoteReply | AppendEntries | AppendEntriesReply | Forward;
