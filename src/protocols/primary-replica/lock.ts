/**
 * The leader lock as each node keeps it: the DCS record of Patroni, spread
 * over the nodes themselves. A holder (or would-be holder) asks every node;
 * a majority of grants is the lock. A node grants a new holder only once
 * its promise to the previous one has run out, so two holders' leases never
 * overlap: a node's promise lasts at least as long as the lease its holder
 * counts from the moment it *sent* the request.
 */
import { atLeast } from './sync.ts';
import type { LockRecord, LogPosition } from './types.ts';

export interface GrantRequest {
  readonly from: number;
  readonly epoch: number;
  readonly last: LogPosition;
}

export interface GrantRules {
  /** replication sync with syncMode first: only a caught-up member of the sync set (or the holder) may take the lock. */
  readonly syncSetOnly: boolean;
  /** null: unlimited. */
  readonly maxLag: number | null;
}

export type Refusal = 'older epoch' | 'epoch taken' | 'held' | 'not a sync standby' | 'too far behind';

/** Why a node refuses, or null when it grants. Pure: the caller records the grant. */
export function refusal(promise: LockRecord, promiseExpired: boolean, req: GrantRequest, rules: GrantRules): Refusal | null {
  if (req.epoch < promise.epoch) return 'older epoch';
  if (req.epoch === promise.epoch) return promise.holder === req.from ? null : 'epoch taken';
  // A newer epoch: a takeover (or the holder renewing with a node that missed its acquisition).
  if (promise.holder === req.from) return null;
  if (!promiseExpired) return 'held';
  if (rules.syncSetOnly && !(promise.syncSet.includes(req.from) && atLeast(req.last, promise.syncBase))) return 'not a sync standby';
  if (rules.maxLag !== null && req.last.index < promise.leaderIndex - rules.maxLag) return 'too far behind';
  return null;
}
