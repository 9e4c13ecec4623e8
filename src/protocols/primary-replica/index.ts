import type { NodeContext, NodeView, Protocol, ProtocolNode } from '../../core/protocol.ts';
import { highestOffice } from '../office.ts';
import { PrimaryReplicaNode, walTail, TIMER_NAMES } from './node.ts';
import { chooseSyncSet } from './sync.ts';
import { MSG_NAMES, type Entry, type PrimaryReplicaConfig, type PrimaryReplicaObserver, type PrimaryReplicaStable } from './types.ts';

export { PrimaryReplicaNode } from './node.ts';
export * from './types.ts';

/** Entries per shipment at most, as for Raft's AppendEntries: bounds message size and catch-up bursts. */
export const DEFAULT_MAX_ENTRIES_PER_MESSAGE = 64;
/** A primary's heartbeat to idle replicas: the same cadence as Raft's default heartbeat, so the two compare fairly. */
export const DEFAULT_SHIP_INTERVAL_US = 50_000;
/** Resend an unanswered shipment after this long: well above the round trips of the shipped scenarios (≤ 2 × 150 ms). */
export const DEFAULT_SHIP_RETRY_US = 400_000;

/** The `Protocol` the simulator hosts: primary/replica nodes sharing one configuration and one observer. */
export class PrimaryReplicaProtocol implements Protocol {
  readonly kind = 'primary-replica';

  constructor(
    readonly config: PrimaryReplicaConfig,
    private readonly nodeCount: number,
    private readonly observer: PrimaryReplicaObserver | null,
  ) {}

  messageName(kind: number): string {
    return MSG_NAMES[kind] ?? `primary-replica-${kind}`;
  }

  /** Every node starts with the same lock record: the first node holds epoch 1. */
  timerName(timer: number): string {
    return TIMER_NAMES[timer] ?? `timer ${timer}`;
  }

  createStable(): PrimaryReplicaStable {
    const sentinel: Entry = { epoch: 0, op: null, client: -1, seq: 0 };
    const syncSet = chooseSyncSet(0, this.nodeCount, Math.min(this.config.syncStandbys, this.nodeCount - 1), this.config.syncMode, null);
    return {
      log: [sentinel],
      epoch: 1,
      promise: { epoch: 1, holder: 0, sync: { epoch: 1, primary: 0, standbys: syncSet, base: { epoch: 0, index: 0 } } },
      leaderMark: { epoch: 1, index: 0 },
      firstBoot: true,
    };
  }

  createNode(ctx: NodeContext, stable: unknown): PrimaryReplicaNode {
    return new PrimaryReplicaNode(ctx, this.config, stable as PrimaryReplicaStable, this.observer);
  }

  /** A crashed node's disk: its WAL and the highest epoch it knew survive; what it applied does not. */
  stableView(stable: unknown, tailMax: number): NodeView {
    const disk = stable as PrimaryReplicaStable;
    return { role: 'crashed', term: disk.epoch, logLength: disk.log.length - 1, commitIndex: 0, logTailTerms: walTail(disk.log, tailMax) };
  }

  /** The primary of the highest epoch among live nodes (a cut-off old primary may not know it was replaced). */
  leaderOf(nodes: readonly (ProtocolNode | null)[]): number {
    return highestOffice(nodes, PrimaryReplicaNode, (node) => node.currentRole === 'primary', (node) => node.epoch);
  }
}
