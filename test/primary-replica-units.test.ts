import { describe, expect, it } from 'vitest';
import { PrimaryReplicaSafetyChecker } from '../src/check/primary-replica-safety.ts';
import type { CheckClock } from '../src/check/violations.ts';
import type { ClientOp } from '../src/core/protocol.ts';
import { grantedRecord, mayBePromoted, mergedView, refusal, type GrantRules } from '../src/protocols/primary-replica/lock.ts';
import type { PrimaryReplicaNode } from '../src/protocols/primary-replica/node.ts';
import { initialRole, nextRole } from '../src/protocols/primary-replica/roles.ts';
import { atLeast, betterCandidate, chooseSyncSet, syncConfirmedIndex } from '../src/protocols/primary-replica/sync.ts';
import {
  MsgKind,
  type Entry,
  type LockRecord,
  type PrimaryReplicaConfig,
  type PrimaryReplicaStable,
  type Ship,
  type ShipReply,
  type SyncEligibility,
} from '../src/protocols/primary-replica/types.ts';
import type { FakeContext } from './helpers/fake-context.ts';
import { bootPrimaryReplica, primaryReplicaConfig } from './helpers/primary-replica.ts';

const MS = 1000;

describe('sync acknowledgement maths (sync.ts)', () => {
  const scratch = new Float64Array(8);
  it.each([
    // matchIndex per node (node 0 is the primary), sync set, k, mode, confirmed
    [[9, 5, 7, 3], [1], 1, 'first', 5],
    [[9, 5, 7, 3], [1, 2], 2, 'first', 5],
    [[9, 5, 0, 3], [1, 2], 2, 'first', 0], // a sync standby that has confirmed nothing stalls FIRST 2
    [[9, 5, 7, 3], [1, 2, 3], 1, 'any', 7],
    [[9, 5, 7, 3], [1, 2, 3], 2, 'any', 5],
    [[9, 5, 7, 3], [1, 2, 3], 3, 'any', 3],
    [[9, 0, 7, 0], [1, 2, 3], 1, 'any', 7], // ANY 1: one spare standby is enough
  ] as const)('matchIndex %j, set %j, k=%i, %s → %i', (match, set, k, mode, want) => {
    expect(syncConfirmedIndex(match, 0, set, k, mode, scratch)).toBe(want);
  });

  it('FIRST k picks the first k other nodes by name, preferring those that answered; ANY takes every other node', () => {
    expect(chooseSyncSet(0, 5, 1, 'first', null)).toEqual([1]);
    expect(chooseSyncSet(1, 5, 2, 'first', null)).toEqual([0, 2]);
    expect(chooseSyncSet(1, 5, 2, 'first', Uint8Array.from([0, 1, 0, 1, 1]))).toEqual([3, 4]);
    expect(chooseSyncSet(2, 4, 1, 'any', null)).toEqual([0, 1, 3]);
  });

  it('compares logs by the epoch of the last entry, then length, then name', () => {
    expect(atLeast({ epoch: 2, index: 3 }, { epoch: 1, index: 9 })).toBe(true);
    expect(atLeast({ epoch: 1, index: 9 }, { epoch: 2, index: 3 })).toBe(false);
    expect(atLeast({ epoch: 1, index: 9 }, { epoch: 1, index: 9 })).toBe(true);
    expect(betterCandidate(3, { epoch: 1, index: 9 }, 1, { epoch: 1, index: 8 })).toBe(true);
    expect(betterCandidate(3, { epoch: 1, index: 9 }, 1, { epoch: 1, index: 9 })).toBe(false);
    expect(betterCandidate(1, { epoch: 1, index: 9 }, 3, { epoch: 1, index: 9 })).toBe(true);
  });
});

describe('the leader lock as each node keeps it (lock.ts)', () => {
  const sync: SyncEligibility = { epoch: 1, primary: 0, standbys: [1], base: { epoch: 1, index: 10 } };
  const promise: LockRecord = { epoch: 3, holder: 0, sync };
  const rules: GrantRules = { syncSetOnly: false };
  const syncRules: GrantRules = { syncSetOnly: true };
  const req = (from: number, epoch: number, index = 20, lastEpoch = 1) => ({ from, epoch, last: { epoch: lastEpoch, index }, sync });

  it.each([
    ['an older epoch is refused', promise, false, req(2, 2), rules, 'older epoch'],
    ['the holder renews its own epoch', promise, false, req(0, 3), rules, null],
    ['another node cannot take the same epoch', promise, true, req(2, 3), rules, 'epoch taken'],
    ['a newer epoch waits until the promise to the holder has run out', promise, false, req(2, 4), rules, 'held'],
    ['a newer epoch is granted once it has', promise, true, req(2, 4), rules, null],
    ['the holder itself may move to a newer epoch at any time', promise, false, req(0, 4), rules, null],
    ['sync: a node outside the sync set may not be promoted', promise, true, req(2, 4), syncRules, 'not a sync standby'],
    ['sync: a sync standby behind the base may not be promoted', promise, true, req(1, 4, 9), syncRules, 'not a sync standby'],
    ['sync: a caught-up sync standby may', promise, true, req(1, 4, 10), syncRules, null],
    ['sync: the primary that published the set may', { ...promise, holder: 2 }, true, req(0, 4), syncRules, null],
  ] as const)('%s', (_name, record, expired, request, grantRules, want) => {
    expect(refusal(record, expired, request, grantRules)).toBe(want);
  });

  it('a grant records the new holder and keeps the newer eligibility; views merge epoch and eligibility separately', () => {
    const newer: SyncEligibility = { epoch: 4, primary: 1, standbys: [2], base: { epoch: 4, index: 30 } };
    const granted = grantedRecord(promise, { from: 2, epoch: 5, last: { epoch: 1, index: 25 }, sync });
    expect(granted).toEqual({ epoch: 5, holder: 2, sync });
    // A failed acquisition's record never changes who may be promoted: only a published eligibility does.
    expect(grantedRecord(promise, { from: 1, epoch: 5, last: { epoch: 1, index: 25 }, sync: newer }).sync).toBe(newer);
    const merged = mergedView(granted, { epoch: 4, holder: 1, sync: newer });
    expect(merged).toEqual({ epoch: 5, holder: 2, sync: newer });
    expect(mayBePromoted(newer, 1, { epoch: 0, index: 0 })).toBe(true);
    expect(mayBePromoted(newer, 2, { epoch: 4, index: 29 })).toBe(false);
    expect(mayBePromoted(newer, 2, { epoch: 4, index: 30 })).toBe(true);
  });
});

describe('role changes (roles.ts)', () => {
  it('allows replica → candidate → primary → replica and nothing else', () => {
    let role = initialRole();
    expect(role.value).toBe('replica');
    expect(nextRole(role, { type: 'LOCK_WON' })).toBeNull();
    expect(nextRole(role, { type: 'DEMOTE' })).toBeNull();
    role = nextRole(role, { type: 'LOCK_LAPSED' })!;
    expect(role.value).toBe('candidate');
    expect(nextRole(role, { type: 'GIVE_UP' })!.value).toBe('replica');
    role = nextRole(role, { type: 'LOCK_WON' })!;
    expect(role.value).toBe('primary');
    expect(nextRole(role, { type: 'LOCK_LAPSED' })).toBeNull();
    expect(nextRole(role, { type: 'DEMOTE' })!.value).toBe('replica');
  });
});

// ---- one node driven by hand ------------------------------------------------------

const config = primaryReplicaConfig;

interface Harness {
  readonly node: PrimaryReplicaNode;
  readonly ctx: FakeContext;
  readonly stable: PrimaryReplicaStable;
}

/** Node `self` of `n`, booted: node 0 starts as primary holding the lock. */
function boot(self: number, n: number, overrides: Partial<PrimaryReplicaConfig> = {}): Harness {
  return bootPrimaryReplica(self, n, config(overrides));
}

const write = (key: string, value: number): ClientOp => ({ f: 'write', key, value });
const read = (key: string): ClientOp => ({ f: 'read', key, value: null });

/** The replica's answer to a shipment that it received everything up to `matchIndex`. */
function ack(term: number, matchIndex: number): ShipReply {
  return { kind: MsgKind.ShipReply, term, success: true, matchIndex, conflictIndex: 0, conflictEpoch: 0 };
}

describe('a primary answering its clients', () => {
  it('async: acknowledges a write as soon as it is in its own log, and ships it to every idle replica', () => {
    const { node, ctx } = boot(0, 3);
    // The heartbeats sent at boot are answered: one shipment in flight per replica, so now both are idle.
    node.onMessage(1, ack(1, 0));
    node.onMessage(2, ack(1, 0));
    ctx.take();
    node.onClientRequest({ client: 0, seq: 1, op: write('k', 1) });
    expect(ctx.replies).toEqual([{ client: 0, seq: 1, ok: true }]);
    const ships = ctx.take<Ship>().filter((s) => s.msg.kind === MsgKind.Ship);
    expect(ships.map((s) => s.to).sort()).toEqual([1, 2]);
    expect(ships[0]!.msg.entries.map((e) => e.op)).toEqual([write('k', 1)]);
  });

  it('sync (after-sync): answers only after its synchronous standby confirmed, and keeps the write invisible until then', () => {
    const { node, ctx } = boot(0, 3, { replication: 'sync' });
    node.onClientRequest({ client: 0, seq: 1, op: write('k', 1) });
    expect(ctx.replies).toEqual([]);
    node.onClientRequest({ client: 1, seq: 1, op: read('k') });
    expect(ctx.replies).toEqual([{ client: 1, seq: 1, ok: true, value: null }]);
    // The non-sync replica's confirmation does not count under FIRST 1 (n2).
    node.onMessage(2, ack(1, 1));
    expect(ctx.replies).toHaveLength(1);
    node.onMessage(1, ack(1, 1));
    expect(ctx.replies[1]).toEqual({ client: 0, seq: 1, ok: true });
    node.onClientRequest({ client: 1, seq: 2, op: read('k') });
    expect(ctx.replies[2]).toEqual({ client: 1, seq: 2, ok: true, value: 1 });
  });

  it('sync (after-commit): the write is visible on the primary before the standby confirmed it', () => {
    const { node, ctx } = boot(0, 3, { replication: 'sync', waitPoint: 'after-commit' });
    node.onClientRequest({ client: 0, seq: 1, op: write('k', 1) });
    node.onClientRequest({ client: 1, seq: 1, op: read('k') });
    expect(ctx.replies).toEqual([{ client: 1, seq: 1, ok: true, value: 1 }]);
  });

  it('semi-sync: waits semiSyncTimeout, then answers asynchronously; a caught-up replica turns it back on', () => {
    const { node, ctx } = boot(0, 3, { replication: 'semi-sync', semiSyncTimeoutUs: 500 * MS });
    node.onClientRequest({ client: 0, seq: 1, op: write('k', 1) });
    expect(ctx.replies).toEqual([]);
    expect(ctx.timers.get(5)).toBe(500 * MS);
    ctx.nowUs = 500 * MS;
    node.onTimer(5);
    expect(ctx.replies).toEqual([{ client: 0, seq: 1, ok: true }]);
    expect(node.semiSyncActive).toBe(false);
    node.onClientRequest({ client: 0, seq: 2, op: write('k', 2) });
    expect(ctx.replies).toHaveLength(2);
    node.onMessage(1, ack(1, 2));
    expect(node.semiSyncActive).toBe(true);
  });

  it('a duplicated request is appended twice but applied and answered once', () => {
    const { node, ctx } = boot(0, 3);
    node.onMessage(1, { kind: MsgKind.Forward, term: 1, client: 4, seq: 7, op: write('k', 1) } as never);
    node.onMessage(1, { kind: MsgKind.Forward, term: 1, client: 4, seq: 7, op: write('k', 1) } as never);
    const answers = ctx.take().filter((s) => s.msg.kind === MsgKind.ForwardReply);
    expect(answers).toHaveLength(1);
    expect(node.lastIndex()).toBe(2);
  });
});

describe('a replica', () => {
  it('forwards a write to the primary it believes in, and answers its client with the result', () => {
    const { node, ctx } = boot(1, 3);
    node.onClientRequest({ client: 1, seq: 1, op: write('k', 1) });
    const [forward] = ctx.take();
    expect(forward!.to).toBe(0);
    expect(forward!.msg.kind).toBe(MsgKind.Forward);
    node.onMessage(0, { kind: MsgKind.ForwardReply, term: 1, client: 1, seq: 1, ok: true, value: undefined, error: undefined } as never);
    expect(ctx.replies).toEqual([{ client: 1, seq: 1, ok: true }]);
  });

  it('with reads: any, answers reads from its own copy, which trails the primary', () => {
    const { node, ctx } = boot(1, 3, { reads: 'any' });
    const entry: Entry = { epoch: 1, op: write('k', 1), client: 0, seq: 1 };
    node.onClientRequest({ client: 1, seq: 1, op: read('k') });
    node.onMessage(0, { kind: MsgKind.Ship, term: 1, prevIndex: 0, prevEpoch: 0, entries: [entry], primaryLastIndex: 1 } as Ship);
    node.onClientRequest({ client: 1, seq: 2, op: read('k') });
    expect(ctx.replies).toEqual([
      { client: 1, seq: 1, ok: true, value: null },
      { client: 1, seq: 2, ok: true, value: 1 },
    ]);
  });

  it('discards what a newer primary lacks (pg_rewind): a conflicting suffix, and entries beyond the end of its log', () => {
    const old = (i: number): Entry => ({ epoch: 1, op: write('k', i), client: 0, seq: i });
    const shipOld: Ship = { kind: MsgKind.Ship, term: 1, prevIndex: 0, prevEpoch: 0, entries: [old(1), old(2), old(3)], primaryLastIndex: 3 };

    const a = boot(1, 3);
    a.node.onMessage(0, shipOld);
    // Node 2 took over at epoch 2 holding only the first entry, and wrote one of its own after it.
    const mine: Entry = { epoch: 2, op: write('k', 9), client: 2, seq: 1 };
    a.node.onMessage(2, { kind: MsgKind.Ship, term: 2, prevIndex: 1, prevEpoch: 1, entries: [mine], primaryLastIndex: 2 } as Ship);
    expect(a.stable.log.slice(1)).toEqual([old(1), mine]);

    const b = boot(1, 3);
    b.node.onMessage(0, shipOld);
    // A heartbeat from a new primary whose log ends at index 1: the older epoch's entries after it are not in its log.
    b.node.onMessage(2, { kind: MsgKind.Ship, term: 2, prevIndex: 1, prevEpoch: 1, entries: [], primaryLastIndex: 1 } as Ship);
    expect(b.stable.log.slice(1)).toEqual([old(1)]);
    // A shipment of the deposed primary's epoch is refused and changes nothing.
    b.node.onMessage(0, shipOld);
    expect(b.node.lastIndex()).toBe(1);
  });

  it('maxLagOnFailover: judged against the newest primary\'s mark, which a deposed primary\'s longer log does not raise', () => {
    const { node, ctx } = boot(1, 3, { maxLagOnFailover: 2 });
    const entry = (i: number): Entry => ({ epoch: 1, op: write('k', i), client: 0, seq: i });
    node.onMessage(0, { kind: MsgKind.Ship, term: 1, prevIndex: 0, prevEpoch: 0, entries: [entry(1)], primaryLastIndex: 5 } as Ship);
    const probe = (leader: { epoch: number; index: number }) => {
      ctx.take();
      const record = { epoch: 1, holder: 0, sync: { epoch: 1, primary: 0, standbys: [1], base: { epoch: 0, index: 0 } } };
      node.onMessage(2, { kind: MsgKind.Probe, term: 1, round: 1, record, leader } as never);
      return (ctx.take()[0]!.msg as unknown as { eligible: boolean }).eligible;
    };
    // The primary of epoch 1 was at index 5: index 1 is 4 behind.
    expect(probe({ epoch: 1, index: 5 })).toBe(false);
    // A newer primary (epoch 2) got only to index 3: now 2 behind, within the limit — and epoch 1's mark no longer counts.
    expect(probe({ epoch: 2, index: 3 })).toBe(true);
    expect(probe({ epoch: 1, index: 50 })).toBe(true);
  });

  it('a primary that hears of a newer epoch demotes itself and follows', () => {
    const { node, ctx } = boot(0, 3);
    expect(node.currentRole).toBe('primary');
    node.onMessage(2, { kind: MsgKind.Ship, term: 2, prevIndex: 0, prevEpoch: 0, entries: [], primaryLastIndex: 0 } as Ship);
    expect(node.currentRole).toBe('replica');
    node.onClientRequest({ client: 0, seq: 1, op: write('k', 1) });
    expect(ctx.take().find((s) => s.msg.kind === MsgKind.Forward)?.to).toBe(2);
  });
});

describe('the safety checker', () => {
  const clock = (): CheckClock & { t: number } => {
    const c = { t: 0, nowUs: () => c.t, describeEvent: () => `at ${c.t}`, nodeName: (i: number) => `n${i + 1}` };
    return c;
  };

  it('reports two overlapping lock holders, and a lock taken at an epoch not above an earlier holder', () => {
    const c = clock();
    const checker = new PrimaryReplicaSafetyChecker(c);
    checker.lockHeld(0, 1, 1000 * MS);
    c.t = 500 * MS;
    checker.lockHeld(1, 2, 1000 * MS);
    expect(checker.violations.map((v) => v.invariant)).toEqual(['Single Lock Holder']);
    c.t = 5000 * MS;
    checker.lockHeld(2, 2, 1000 * MS);
    expect(checker.violations.map((v) => v.invariant)).toEqual(['Single Lock Holder', 'Single Lock Holder']);
  });

  it('accepts a holder renewing, and a new holder after the old lease ran out', () => {
    const c = clock();
    const checker = new PrimaryReplicaSafetyChecker(c);
    checker.lockHeld(0, 1, 1000 * MS);
    c.t = 300 * MS;
    checker.lockHeld(0, 1, 1000 * MS);
    c.t = 1300 * MS;
    checker.lockHeld(1, 2, 1000 * MS);
    expect(checker.violations).toEqual([]);
  });

  it('reports an entry applied out of order, and two primaries in one epoch', () => {
    const c = clock();
    const checker = new PrimaryReplicaSafetyChecker(c);
    const e: Entry = { epoch: 1, op: write('k', 1), client: 0, seq: 1 };
    checker.applyReset(1);
    checker.applied(1, 1, e);
    checker.applied(1, 3, e);
    checker.tookOffice(0, 2);
    checker.tookOffice(1, 2);
    expect(checker.violations.map((v) => v.invariant)).toEqual(['In-Order Apply', 'One Primary per Epoch']);
  });
});
