import type { Violation } from '../check/violations.ts';
import type { Value } from '../core/protocol.ts';
import type { Us } from '../core/time.ts';
import type { FaultSpec } from '../scenario/types.ts';
import type { DropReason } from '../sim/simulator.ts';
import type { VoteReasonName } from '../protocols/raft/types.ts';

/**
 * What a steppable run tells its listeners (the terminal UI, `--follow`),
 * and what it shows of itself: plain, serialisable data, never formatted
 * trace lines. Nodes are named by their names (`n1`), clients by their
 * 1-based process number (as in the history).
 */

export type { DropReason, VoteReasonName };

/** When it happened: `event` is the ordinal of the event being processed (the first event is 1), `atUs` its simulated time. */
export interface At {
  readonly event: number;
  readonly atUs: Us;
}

export interface MessageSent extends At {
  readonly type: 'message-sent';
  readonly from: string;
  readonly to: string;
  /** The message type's name (`AppendEntries`). */
  readonly message: string;
  /** The sender's term or epoch. */
  readonly term: number;
  readonly arriveUs: Us;
  /** The network's second copy of a message just sent. */
  readonly duplicate: boolean;
}

export interface MessageDelivered extends At {
  readonly type: 'message-delivered';
  readonly from: string;
  readonly to: string;
  readonly message: string;
  readonly term: number;
  readonly sentUs: Us;
}

export interface MessageDropped extends At {
  readonly type: 'message-dropped';
  readonly from: string;
  readonly to: string;
  readonly message: string;
  readonly term: number;
  /** Equal to `atUs` for a loss at send. */
  readonly sentUs: Us;
  readonly reason: DropReason;
}

/** A node took a role: Raft `follower`, `preCandidate`, `candidate`, `leader`; primary/replica `primary`, `replica`. */
export interface RoleChanged extends At {
  readonly type: 'role';
  readonly node: string;
  readonly role: string;
  /** Its term (epoch) in that role. */
  readonly term: number;
}

/**
 * Raft: `voter` decided `candidate`'s RequestVote (or PreVote) for `term`, by the rule `reason`:
 * `granted` (§5.2; a pre-vote §9.6); refused: `stale-term` (§5.1), `already-voted` (§5.2),
 * `log-not-up-to-date` (§5.4.1), and for a pre-vote `leader-alive`, `is-leader`, `restarted` (§9.6);
 * ignored, with no reply (§4.2.3): `ignored-leader-alive`, `ignored-is-leader`, `ignored-restarted`,
 * and for a leadership transfer's RequestVote `ignored-transfer-stale`, `ignored-transfer-restarted`.
 */
export interface VoteDecided extends At {
  readonly type: 'vote';
  readonly voter: string;
  readonly candidate: string;
  /** The term the candidate stands in (a pre-vote: would stand in). */
  readonly term: number;
  readonly preVote: boolean;
  readonly granted: boolean;
  /** No reply at all (a `ignored-…` reason). */
  readonly ignored: boolean;
  readonly reason: VoteReasonName;
  /** The voter's term when it decided (before adopting `term`). */
  readonly voterTerm: number;
  /** The leader the voter believed in, null for none. */
  readonly leader: string | null;
  /** Whom the voter had voted for in `voterTerm`, null for nobody. */
  readonly votedFor: string | null;
}

export interface ClientInvoked extends At {
  readonly type: 'client-invoked';
  readonly client: number;
  readonly node: string;
  readonly f: 'read' | 'write' | 'cas';
  readonly key: string;
  readonly value: Value | readonly [Value, Value];
}

export interface ClientCompleted extends At {
  readonly type: 'client-completed';
  readonly client: number;
  readonly node: string;
  readonly f: 'read' | 'write' | 'cas';
  readonly key: string;
  /** As recorded in the history: the value read on an ok read, else the value as invoked. */
  readonly value: Value | readonly [Value, Value];
  /** Jepsen's: `ok` took effect, `fail` did not, `info` unknown. */
  readonly outcome: 'ok' | 'fail' | 'info';
  /** On `fail` (and a timed-out `info`): why; `timeout` when the client gave up waiting. */
  readonly error?: string;
  readonly invokedUs: Us;
}

/** A leader (Raft) counted its log committed up to `index`, in `term`. */
export interface Committed extends At {
  readonly type: 'commit';
  readonly node: string;
  readonly index: number;
  readonly term: number;
}

/** `node` applied the entry at `index` (written in `term`, or epoch) to its state machine. */
export interface Applied extends At {
  readonly type: 'applied';
  readonly node: string;
  readonly index: number;
  readonly term: number;
}

export interface FaultApplied extends At {
  readonly type: 'fault';
  /** Its place in the run's fault script (`SteppableRun.faultScript()`). */
  readonly index: number;
  readonly fault: FaultSpec;
  /** What it did, resolved against this model (`crash n3`), or why it was skipped (`skipped crash leader: no leader`). */
  readonly text: string;
  readonly skipped: boolean;
  /** Injected by hand during the run, not in the scenario file. */
  readonly injected: boolean;
}

/** The scripted part ended: faults healed, crashed nodes restarted, clients stopped. */
export interface Settled extends At {
  readonly type: 'settle';
  readonly text: string;
}

export interface ViolationFound extends At {
  readonly type: 'violation';
  readonly violation: Violation;
}

/** A line the model writes in the trace: role changes, leadership transfers, semi-sync switching, ... `important` ones are in the event log. */
export interface Note extends At {
  readonly type: 'note';
  readonly node: string | null;
  readonly text: string;
  readonly important: boolean;
}

/**
 * A line of the scenario's narration (`notes:`), told when the run's clock
 * reaches its time with every event at or before that time processed. Not a
 * simulation event: it takes no place in the event queue and changes no
 * `traceHash`. Every run of a group tells it; show it once.
 */
export interface Narration extends At {
  readonly type: 'narration';
  /** Its place in `scenario.notes` (time order). */
  readonly index: number;
  readonly text: string;
}

/** The run went back to event `event` (at `atUs`): forget what was told about later events. */
export interface Rewound extends At {
  readonly type: 'rewind';
}

export type RunEvent =
  | MessageSent
  | MessageDelivered
  | MessageDropped
  | RoleChanged
  | VoteDecided
  | ClientInvoked
  | ClientCompleted
  | Committed
  | Applied
  | FaultApplied
  | Settled
  | ViolationFound
  | Note
  | Narration
  | Rewound;

export type RunEventType = RunEvent['type'];

export type RunListener = (event: RunEvent) => void;

/** The next event of a run, before it happens (`SteppableRun.peek`). */
export type PendingEvent =
  | { readonly kind: 'deliver'; readonly atUs: Us; readonly from: string; readonly to: string; readonly message: string; readonly term: number; readonly sentUs: Us }
  | { readonly kind: 'timer'; readonly atUs: Us; readonly node: string; readonly timer: string }
  | { readonly kind: 'client-invoke'; readonly atUs: Us; readonly client: number }
  | { readonly kind: 'client-timeout'; readonly atUs: Us; readonly client: number }
  /** A request held while its node was paused, handed over now that it resumed. */
  | { readonly kind: 'client-request'; readonly atUs: Us; readonly client: number; readonly node: string }
  | { readonly kind: 'fault'; readonly atUs: Us; readonly index: number; readonly fault: FaultSpec; readonly injected: boolean }
  | { readonly kind: 'settle'; readonly atUs: Us }
  | { readonly kind: 'action'; readonly atUs: Us };

/** A moment worth jumping to (`[` and `]` in the UI): a fault, settle, a leader or primary taking office, a violation. */
export interface Landmark extends At {
  readonly kind: 'fault' | 'settle' | 'leader' | 'violation';
  readonly text: string;
}

/** Where a run is: `event` events processed, its clock at `nowUs` (at or after the last event's time, at or before the next's). */
export interface RunPosition {
  readonly event: number;
  readonly nowUs: Us;
}

// ---- snapshots ---------------------------------------------------------------

export interface NodeSnapshot {
  readonly name: string;
  readonly status: 'up' | 'crashed' | 'paused';
  /** Its role; `crashed` when down (the other fields then come from its disk). */
  readonly role: string;
  /** Term (Raft) or epoch (primary/replica). */
  readonly term: number;
  /** Raft: whom it voted for in `term`, null for nobody. */
  readonly votedFor: string | null;
  /** The leader or primary it believes in, null for none known. */
  readonly leader: string | null;
  readonly logLength: number;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  /** The terms (epochs) of its last log entries, oldest first; the last is at `logLength`. */
  readonly logTail: readonly number[];
  /** Its partition group: nodes with the same number can talk. */
  readonly side: number;
  /** Entries behind the leader's or primary's log (0 when none, or for the leader itself). */
  readonly lag: number;
  /** Events held while it is paused. */
  readonly backlog: number;
  /** Clock drift (0.05 = 5% fast). */
  readonly clockDrift: number;
  /** Primary/replica: it counts on holding the leader lock. */
  readonly holdsLock?: boolean;
  /** Primary/replica, the primary: the standbys its writes wait for. */
  readonly syncStandbys?: readonly string[];
}

export interface NetworkSnapshot {
  /** The partition groups, each a list of node names; one group when nothing is partitioned. */
  readonly groups: readonly (readonly string[])[];
  /** One-way cuts: messages from `from` to `to` are lost. */
  readonly cuts: readonly { readonly from: string; readonly to: string }[];
  readonly latencyUsMin: Us;
  readonly latencyUsMax: Us;
  readonly drop: number;
  readonly duplicate: number;
}

export interface MessageInFlight {
  readonly from: string;
  readonly to: string;
  readonly message: string;
  readonly term: number;
  readonly sentUs: Us;
  readonly arriveUs: Us;
}

export interface ClientOutcome {
  readonly atUs: Us;
  readonly f: string;
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly error?: string;
}

export interface ClientSnapshot {
  /** 1-based, as in the history. */
  readonly client: number;
  readonly node: string;
  /** The operation in progress, if any. */
  readonly pending: { readonly f: string; readonly key: string; readonly sinceUs: Us } | null;
  /** Its last completed operations, oldest first. */
  readonly recent: readonly ClientOutcome[];
}

export interface RunSnapshot {
  readonly model: string;
  readonly kind: string;
  readonly position: RunPosition;
  readonly durationUs: Us;
  /** duration + settle (or where `--until` stops the run). */
  readonly endUs: Us;
  readonly phase: 'scripted' | 'settle' | 'ended';
  readonly nodes: readonly NodeSnapshot[];
  /** The model's leader or primary (the highest term's), null for none. */
  readonly leader: string | null;
  /** Primary/replica: who holds the leader lock now (by a majority's grants) and its epoch; null for nobody. Absent for Raft. */
  readonly lock?: { readonly holder: string; readonly epoch: number } | null;
  readonly network: NetworkSnapshot;
  /** Messages on the wire, earliest arrival first, at most the `inFlightMax` asked for. */
  readonly inFlight: readonly MessageInFlight[];
  /** How many messages are on the wire in all. */
  readonly inFlightTotal: number;
  readonly clients: readonly ClientSnapshot[];
  readonly messages: { readonly sent: number; readonly delivered: number; readonly dropped: number };
  readonly violations: readonly Violation[];
  /** The next event, null at the end. */
  readonly next: PendingEvent | null;
}

/** The client figures so far (docs/figures.md), as the run goes; `linearizable` is decided only at the end (`finish`). */
export interface LiveFigures {
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly availability: number;
  readonly lostWrites: number;
  readonly staleReads: number;
  readonly dirtyReads: number;
  readonly rtoMs: number;
  readonly leaderChanges: number;
  readonly violations: number;
}
