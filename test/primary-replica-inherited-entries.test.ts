import { describe, expect, it } from 'vitest';
import type { ClientOp } from '../src/core/protocol.ts';
import type { PrimaryReplicaProtocol } from '../src/protocols/primary-replica/index.ts';
import type { PrimaryReplicaNode } from '../src/protocols/primary-replica/node.ts';
import {
  MsgKind,
  type Entry,
  type LockReply,
  type LockRequest,
  type Probe,
  type PrimaryReplicaConfig,
  type PrimaryReplicaStable,
  type ProbeReply,
  type Ship,
  type ShipReply,
} from '../src/protocols/primary-replica/types.ts';
import type { FakeContext } from './helpers/fake-context.ts';
import { bootPrimaryReplica, primaryReplicaConfig } from './helpers/primary-replica.ts';

/**
 * With `waitPoint: after-sync` (under `sync`, and `semi-sync` while it waits)
 * a write is invisible until the sync set confirmed it — also when the
 * primary did not write it itself. A primary that takes office (promoted, or
 * the fixed primary restarting) holds the entries it inherited back from
 * reads until its own sync set confirmed them: an entry nobody acknowledged
 * may be missing from the node promoted next, and a read of it would be a
 * dirty read. `after-commit` and `async` make entries visible at once.
 */

const MS = 1000;
const TTL = 1000 * MS;

function config(overrides: Partial<PrimaryReplicaConfig>): PrimaryReplicaConfig {
  return primaryReplicaConfig({ replication: 'sync', semiSyncTimeoutUs: 500 * MS, failoverTimeoutUs: TTL, fencing: 'lease', ...overrides });
}

interface Harness {
  node: PrimaryReplicaNode;
  readonly ctx: FakeContext;
  readonly stable: PrimaryReplicaStable;
  readonly protocol: PrimaryReplicaProtocol;
}

function boot(self: number, n: number, overrides: Partial<PrimaryReplicaConfig>): Harness {
  return bootPrimaryReplica(self, n, config(overrides));
}

/** The node starts again from its persisted state (a crash and restart). */
function restart(h: Harness): void {
  h.node = h.protocol.createNode(h.ctx, h.stable);
  h.node.start();
}

const write = (key: string, value: number): ClientOp => ({ f: 'write', key, value });
const read = (key: string): ClientOp => ({ f: 'read', key, value: null });
const ack = (term: number, matchIndex: number): ShipReply => ({ kind: MsgKind.ShipReply, term, success: true, matchIndex, conflictIndex: 0, conflictEpoch: 0 });

/**
 * Node 1 of 3 receives n1's unacknowledged write k=42, then the lock lapses
 * (n1 is gone) and node 1 takes over epoch 2 with node 2's grant. Its sync
 * set is node 2, which holds nothing yet.
 */
function promoteWithInheritedWrite(overrides: Partial<PrimaryReplicaConfig>): Harness {
  const h = boot(1, 3, overrides);
  const { node, ctx } = h;
  const entry: Entry = { epoch: 1, op: write('k', 42), client: 0, seq: 1 };
  node.onMessage(0, { kind: MsgKind.Ship, term: 1, prevIndex: 0, prevEpoch: 0, entries: [entry], primaryLastIndex: 1 } as Ship);
  ctx.take();
  ctx.nowUs = TTL + 1;
  node.onTimer(3); // the lock watch: it lapsed, probe the peers
  const probe = ctx.take<Probe>().find((s) => s.msg.kind === MsgKind.Probe)!.msg;
  const record = { epoch: 1, holder: 0, sync: { epoch: 1, primary: 0, standbys: [1], base: { epoch: 0, index: 0 } } };
  const answer: ProbeReply = { kind: MsgKind.ProbeReply, term: 1, round: probe.round, last: { epoch: 0, index: 0 }, eligible: false, primary: false, leader: { epoch: 1, index: 1 }, record };
  node.onMessage(2, answer);
  node.onTimer(4); // the probe window closes: node 1 is the best eligible node, and asks for the lock
  const request = ctx.take<LockRequest>().find((s) => s.msg.kind === MsgKind.LockRequest)!.msg;
  const grant: LockReply = { kind: MsgKind.LockReply, term: request.term, round: request.round, granted: true, holder: 1, last: { epoch: 0, index: 0 }, heldForUs: 0 };
  node.onMessage(2, grant);
  expect(node.currentRole).toBe('primary');
  return h;
}

/** Node 2 grants the new primary's first renewal (publishing its sync set) and confirms the log up to `index`. */
function confirm(h: Harness, index: number): void {
  const renewal = h.ctx.take<LockRequest>().find((s) => s.msg.kind === MsgKind.LockRequest && s.to === 2);
  if (renewal !== undefined) {
    h.node.onMessage(2, { kind: MsgKind.LockReply, term: renewal.msg.term, round: renewal.msg.round, granted: true, holder: 1, last: { epoch: 1, index }, heldForUs: 0 } as LockReply);
  }
  h.node.onMessage(2, ack(h.node.epoch, index));
}

describe('a primary that takes office serves the entries it inherited only once its own sync set confirmed them (after-sync)', () => {
  it('sync, promoted: a read waits until the new sync standby holds the inherited write', () => {
    const h = promoteWithInheritedWrite({ replication: 'sync' });
    h.node.onClientRequest({ client: 1, seq: 1, op: read('k') });
    expect(h.ctx.replies).toEqual([]);
    confirm(h, 1);
    expect(h.ctx.replies).toEqual([{ client: 1, seq: 1, ok: true, value: 42 }]);
  });

  it('sync, promoted: a forwarded read waits too, and is refused (fail: a read changes nothing) if the primary steps down first', () => {
    const h = promoteWithInheritedWrite({ replication: 'sync' });
    h.ctx.take();
    h.node.onMessage(2, { kind: MsgKind.Forward, term: 2, client: 2, seq: 1, op: read('k') } as never);
    expect(h.ctx.take().filter((s) => s.msg.kind === MsgKind.ForwardReply)).toEqual([]);
    // A newer primary's shipment: node 1 demotes itself; the waiting read is refused, not answered from the unconfirmed copy.
    h.node.onMessage(0, { kind: MsgKind.Ship, term: 3, prevIndex: 0, prevEpoch: 0, entries: [], primaryLastIndex: 0 } as Ship);
    const replies = h.ctx.take().filter((s) => s.msg.kind === MsgKind.ForwardReply);
    expect(replies.map((s) => s.msg)).toMatchObject([{ client: 2, seq: 1, ok: false, indeterminate: false }]);
  });

  it('sync without failover: the primary restarting holds back its own unconfirmed tail as well', () => {
    const h = boot(0, 3, { replication: 'sync', failover: 'none' });
    h.node.onClientRequest({ client: 0, seq: 1, op: write('k', 7) });
    restart(h);
    h.node.onClientRequest({ client: 1, seq: 1, op: read('k') });
    expect(h.ctx.replies).toEqual([]);
    h.node.onMessage(1, ack(1, 1));
    expect(h.ctx.replies).toEqual([{ client: 1, seq: 1, ok: true, value: 7 }]);
  });

  it('semi-sync: the inherited tail waits at most semiSyncTimeout from taking office, then replication turns asynchronous and reads see it', () => {
    const h = promoteWithInheritedWrite({ replication: 'semi-sync' });
    const tookOfficeUs = h.ctx.nowUs;
    h.node.onClientRequest({ client: 1, seq: 1, op: read('k') });
    expect(h.ctx.replies).toEqual([]);
    expect(h.ctx.timers.get(5)).toBe(500 * MS);
    h.ctx.nowUs = tookOfficeUs + 500 * MS;
    h.node.onTimer(5);
    expect(h.node.semiSyncActive).toBe(false);
    expect(h.ctx.replies).toEqual([{ client: 1, seq: 1, ok: true, value: 42 }]);
  });

  it('after-commit and async: visible on the primary before any replica confirms, inherited entries included', () => {
    for (const overrides of [{ replication: 'sync', waitPoint: 'after-commit' }, { replication: 'async' }] as const) {
      const h = promoteWithInheritedWrite(overrides);
      h.node.onClientRequest({ client: 1, seq: 1, op: read('k') });
      expect(h.ctx.replies, JSON.stringify(overrides)).toEqual([{ client: 1, seq: 1, ok: true, value: 42 }]);
    }
  });
});

describe('lease fencing: a primary whose lock lapsed acts on nothing as primary, not even on requests queued while it was paused', () => {
  it('a forwarded write delivered after the lease ran out (before the lease timer fires) is refused by a demoted node, not appended', () => {
    const h = promoteWithInheritedWrite({ replication: 'sync' });
    confirm(h, 1);
    h.ctx.take();
    const lastBefore = h.node.lastIndex();
    // Paused past its lease: the timer that would demote it has not fired yet when the backlog is delivered.
    h.ctx.nowUs += 10 * TTL;
    h.node.onMessage(2, { kind: MsgKind.Forward, term: 2, client: 2, seq: 1, op: write('k', 43) } as never);
    expect(h.node.currentRole).not.toBe('primary');
    expect(h.node.lastIndex()).toBe(lastBefore);
    const replies = h.ctx.take().filter((s) => s.msg.kind === MsgKind.ForwardReply);
    expect(replies.map((s) => s.msg)).toMatchObject([{ client: 2, seq: 1, ok: false, indeterminate: true }]);
  });

  it("its own client's write is not appended either", () => {
    const h = promoteWithInheritedWrite({ replication: 'sync' });
    confirm(h, 1);
    const lastBefore = h.node.lastIndex();
    h.ctx.nowUs += 10 * TTL;
    h.node.onClientRequest({ client: 1, seq: 1, op: write('k', 44) });
    expect(h.node.currentRole).not.toBe('primary');
    expect(h.node.lastIndex()).toBe(lastBefore);
  });
});
