/**
 * The leader lock as each node keeps it: the DCS record of Patroni, spread
 * over the nodes themselves. A holder (or would-be holder) asks every node;
 * a majority of grants is the lock. A node grants a new holder only once
 * its promise to the previous one has run out, so two holders' leases never
 * overlap: a node's promise lasts at least as long as the lease its holder
 * counts from the moment it *sent* the request.
 */
import { atLeast } from './sync.ts';
import type { LockRecord, LogPosition, SyncEligibility } from './types.ts';

export interface GrantRequest {
  readonly from: number;
  readonly epoch: number;
  readonly last: LogPosition;
  readonly sync: SyncEligibility;
}

export interface GrantRules {
  /** replication sync with syncMode first: only the publishing primary or a caught-up member of its sync set may take the lock. */
  readonly syncSetOnly: boolean;
}

/**
 * Why a node refuses a lock request. maxLagOnFailover is not among the
 * reasons: it is the candidate's own check, as in Patroni (it reads the
 * leader's last position from the DCS) — it limits what a failover may
 * lose, it is not what keeps two holders apart.
 */
export type Refusal = 'older epoch' | 'epoch taken' | 'held' | 'not a sync standby';

/** Why a node refuses, or null when it grants. Pure: the caller records the grant. */
export function refusal(promise: LockRecord, promiseExpired: boolean, req: GrantRequest, rules: GrantRules): Refusal | null {
  if (req.epoch < promise.epoch) return 'older epoch';
  if (req.epoch === promise.epoch) return promise.holder === req.from ? null : 'epoch taken';
  // A newer epoch: a takeover (or the holder renewing with a node that missed its acquisition).
  if (promise.holder === req.from) return null;
  if (!promiseExpired) return 'held';
  if (rules.syncSetOnly && !mayBePromoted(newerSync(promise.sync, req.sync), req.from, req.last)) return 'not a sync standby';
  return null;
}

/** The eligibility published by the later primary. */
export function newerSync(a: SyncEligibility, b: SyncEligibility): SyncEligibility {
  return b.epoch > a.epoch ? b : a;
}

/** Under `sync`: the primary that published `sync`, or one of its standbys once it holds the base. */
export function mayBePromoted(sync: SyncEligibility, node: number, last: LogPosition): boolean {
  return node === sync.primary || (sync.standbys.includes(node) && atLeast(last, sync.base));
}

/** The record a node keeps after granting `req`: the new epoch and holder, and the newer eligibility of the two. */
export function grantedRecord(promise: LockRecord, req: GrantRequest): LockRecord {
  const sync = newerSync(promise.sync, req.sync);
  if (promise.epoch === req.epoch && promise.holder === req.from && promise.sync === sync) return promise;
  return { epoch: req.epoch, holder: req.from, sync };
}

/** Merges what a peer knows into a node's view: the newer epoch's holder, the newer eligibility. */
export function mergedView(view: LockRecord, other: LockRecord): LockRecord {
  const sync = newerSync(view.sync, other.sync);
  const lockNewer = other.epoch > view.epoch;
  if (!lockNewer && sync === view.sync) return view;
  return lockNewer ? { epoch: other.epoch, holder: other.holder, sync } : { ...view, sync };
}
