import type { ClientOp, Message, Value } from '../../core/protocol.ts';
import type { Us } from '../../core/time.ts';

/**
 * A write-ahead-log entry. Immutable once created: logs on different nodes
 * share the same objects. `epoch` is the lock epoch of the primary that
 * wrote it (PostgreSQL's timeline): one primary per epoch, so an (index,
 * epoch) pair names one entry everywhere.
 */
export interface Entry {
  readonly epoch: number;
  /** null only for the sentinel at index 0. */
  readonly op: ClientOp | null;
  /** The client and its operation number: the state machine applies each (client, seq) at most once. */
  readonly client: number;
  readonly seq: number;
}

/** A log position, compared by (epoch of the last entry, index): PostgreSQL's (timeline, LSN). */
export interface LogPosition {
  readonly epoch: number;
  readonly index: number;
}

/**
 * Who may be promoted under `replication: sync` with `syncMode: first`
 * (Patroni's /sync key): the primary that published it, which holds every
 * write it acknowledged, and its synchronous standbys, which confirmed every
 * one of them — each once it holds `base`, where the primary's log ended
 * when it took office. Only a primary that took office publishes one, and
 * it acknowledges nothing before a majority recorded it.
 */
export interface SyncEligibility {
  /** The epoch of the primary that published it: a newer one replaces an older one. */
  readonly epoch: number;
  readonly primary: number;
  readonly standbys: readonly number[];
  readonly base: LogPosition;
}

/**
 * One node's copy of the leader lock — the record the failover manager keeps
 * in its DCS (Patroni's /leader, /sync and /optime keys). A node changes its
 * promise only when it grants the lock; the record of a majority is the truth.
 */
export interface LockRecord {
  readonly epoch: number;
  readonly holder: number;
  readonly sync: SyncEligibility;
}

/** What a node persists: its WAL, the highest epoch it knows, its copy of the lock. Survives a crash. */
export interface PrimaryReplicaStable {
  /** log[0] is a sentinel of epoch 0; entries start at index 1. */
  log: Entry[];
  epoch: number;
  promise: LockRecord;
  /**
   * The last index of the newest primary this node heard of — that primary's
   * epoch, then its index (Patroni's /optime/leader): the mark
   * maxLagOnFailover is measured against. A newer primary's mark replaces an
   * older one's whatever its value: a deposed primary's long log is no reference.
   */
  leaderMark: LogPosition;
  /** True until the first boot: the first node starts as primary holding the lock. */
  firstBoot: boolean;
}

export interface PrimaryReplicaConfig {
  readonly replication: 'async' | 'sync' | 'semi-sync';
  readonly syncStandbys: number;
  readonly syncMode: 'first' | 'any';
  readonly semiSyncTimeoutUs: Us;
  readonly waitPoint: 'after-sync' | 'after-commit';
  readonly failover: 'none' | 'auto';
  /** The leader lock's TTL. */
  readonly failoverTimeoutUs: Us;
  /** null: unlimited. */
  readonly maxLagOnFailover: number | null;
  readonly fencing: 'none' | 'lease';
  readonly reads: 'primary' | 'any';
  /** Entries per shipment at most: bounds message size and catch-up bursts. */
  readonly maxEntriesPerMessage: number;
  /** How often a primary sends each idle replica a (possibly empty) shipment: its heartbeat. */
  readonly shipIntervalUs: Us;
  /** A shipment unanswered this long is sent again (lost, or the replica restarted). */
  readonly shipRetryUs: Us;
  /**
   * Cascading replication, per node: the replica that feeds it its WAL, or -1 (or absent) for the primary.
   * A node fed by a replica the primary finds unresponsive is fed by the primary (re-pointed), and a node
   * whose upstream took office is fed by it as primary.
   */
  readonly upstream?: readonly number[];
}

/** What the safety checker and the trace are told. Observers watch; they never steer. */
export interface PrimaryReplicaObserver {
  /** `node` started acting as primary of `epoch` (the first boot included). */
  tookOffice(node: number, epoch: number): void;
  /** `node` stopped acting as primary; `why` is for the event log. */
  steppedDown(node: number, epoch: number, why: string): void;
  /** `node` holds the lock of `epoch` for `remainingUs` more (local time) — it acquired or renewed it. */
  lockHeld(node: number, epoch: number, remainingUs: Us): void;
  /** `node` no longer counts on the lock it held (it lapsed, or it heard of a newer epoch); `stillPrimary`: it carries on without it (no fencing). */
  lockLost(node: number, epoch: number, stillPrimary: boolean): void;
  /** An entry was written at `index` of `node`'s log, after an entry of epoch `prevEpoch`. */
  appended(node: number, index: number, entry: Entry, prevEpoch: number): void;
  /** `node` discarded its entries from `fromIndex` on (`count` of them) while in `role`: pg_rewind. */
  rewound(node: number, fromIndex: number, count: number, role: string): void;
  /** `node`'s state machine starts over from an empty state (a restart, or a rewind past what it applied). */
  applyReset(node: number): void;
  applied(node: number, index: number, entry: Entry): void;
  /** Semi-sync turned off (fell back to async) or on again. */
  semiSyncChanged(node: number, on: boolean): void;
}

export const MsgKind = {
  /** Primary → replica: WAL entries after (prevIndex, prevEpoch); empty as a heartbeat. */
  Ship: 1,
  ShipReply: 2,
  /** A replica passes its client's request to the primary it believes in. */
  Forward: 3,
  /** The primary's answer to a forwarded request, or a refusal (not primary). */
  ForwardReply: 4,
  /** Acquire or renew the leader lock: each node is a DCS member that grants or refuses. */
  LockRequest: 5,
  LockReply: 6,
  /** The holder renewed or acquired the lock with a majority: what a DCS watch would tell every member. */
  LockHeld: 7,
  /** A would-be candidate asks every member how far its log goes (Patroni's health check of its peers). */
  Probe: 8,
  ProbeReply: 9,
  /** A candidate that gave up hands back the grants of its epoch. */
  LockRelease: 10,
} as const;

export const MSG_NAMES: Readonly<Record<number, string>> = {
  1: 'Ship',
  2: 'ShipReply',
  3: 'Forward',
  4: 'ForwardReply',
  5: 'LockRequest',
  6: 'LockReply',
  7: 'LockHeld',
  8: 'Probe',
  9: 'ProbeReply',
  10: 'LockRelease',
};

export interface Ship extends Message {
  readonly kind: 1;
  readonly prevIndex: number;
  readonly prevEpoch: number;
  readonly entries: readonly Entry[];
  /** The primary's last index when it sent this: what the replica's log may hold beyond is not the primary's. */
  readonly primaryLastIndex: number;
  /** Cascading replication: sent by a replica relaying its own log to a replica it feeds (the sender is not the primary). */
  readonly relay?: true;
}

export interface ShipReply extends Message {
  readonly kind: 2;
  readonly success: boolean;
  /** On success: the last index known to match the primary's. */
  readonly matchIndex: number;
  /** On failure: where the primary should retry (fast backtracking as in Raft §5.3). */
  readonly conflictIndex: number;
  readonly conflictEpoch: number;
}

export interface Forward extends Message {
  readonly kind: 3;
  readonly client: number;
  readonly seq: number;
  readonly op: ClientOp;
}

export interface ForwardReply extends Message {
  readonly kind: 4;
  readonly client: number;
  readonly seq: number;
  readonly ok: boolean;
  readonly value: Value | undefined;
  readonly error: string | undefined;
  /** A refused write: another copy of the Forward may have been, or may yet be, appended (ClientReply.indeterminate). */
  readonly indeterminate: boolean;
}

/** `term` is the epoch asked for (the holder's own when renewing). */
export interface LockRequest extends Message {
  readonly kind: 5;
  /** The requester's round: its LockReply names it, and answers to an older round are ignored. */
  readonly round: number;
  /** true: a candidate taking the lock over; false: the holder renewing. */
  readonly acquire: boolean;
  /** The requester's log position (a candidate: where its log ended when it decided to take over). */
  readonly last: LogPosition;
  /** The newest eligibility the requester knows of (a renewing primary: the one it publishes). */
  readonly sync: SyncEligibility;
}

/** `term` is the epoch of the granter's record after deciding. */
export interface LockReply extends Message {
  readonly kind: 6;
  /** The round of the LockRequest answered. */
  readonly round: number;
  readonly granted: boolean;
  /** Whom the granter's record names after deciding. */
  readonly holder: number;
  /** The granter's log position when it answered: once it grants a newer epoch it takes nothing more from the old primary. */
  readonly last: LogPosition;
  /** Refused because its promise to the holder still runs: for how much longer (local time); 0 otherwise. */
  readonly heldForUs: Us;
}

export interface LockHeld extends Message {
  readonly kind: 7;
  readonly leaderIndex: number;
  readonly sync: SyncEligibility;
}

export interface Probe extends Message {
  readonly kind: 8;
  readonly round: number;
  /** The newest lock record the prober knows of: peers with an older one learn whom it names. */
  readonly record: LockRecord;
  /** The last index of the newest primary the prober heard of (that primary's epoch, its index). */
  readonly leader: LogPosition;
}

export interface ProbeReply extends Message {
  readonly kind: 9;
  readonly round: number;
  readonly last: LogPosition;
  /** The responder may be promoted by its own account (sync set, lag). */
  readonly eligible: boolean;
  /** The responder is acting as primary: not a candidate for promotion. */
  readonly primary: boolean;
  /** The last index of the newest primary the responder heard of (that primary's epoch, its index). */
  readonly leader: LogPosition;
  /** The newest lock record the responder knows of. */
  readonly record: LockRecord;
}

export interface LockRelease extends Message {
  readonly kind: 10;
}

export type PrimaryReplicaMessage = Ship | ShipReply | Forward | ForwardReply | LockRequest | LockReply | LockHeld | Probe | ProbeReply | LockRelease;
