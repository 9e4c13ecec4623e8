import type { NodeView, Protocol, ProtocolNode } from '../../core/protocol.ts';
import { highestOffice } from '../office.ts';
import { LogGroup } from './log.ts';
import { RaftNode, raftLogTail, TIMER_NAMES } from './node.ts';
import { MSG_NAMES, type Entry, type RaftConfig, type RaftObserver, type RaftStable } from './types.ts';

export { RaftNode } from './node.ts';
export { RaftLog } from './log.ts';
export * from './types.ts';

/** The `Protocol` the simulator hosts: Raft nodes sharing one configuration and one observer. */
export class RaftProtocol implements Protocol {
  readonly kind = 'raft';

  constructor(
    readonly config: RaftConfig,
    private readonly observer: RaftObserver | null,
  ) {}

  messageName(kind: number): string {
    return MSG_NAMES[kind] ?? `raft-${kind}`;
  }

  timerName(timer: number): string {
    return TIMER_NAMES[timer] ?? `timer ${timer}`;
  }

  /** The nodes' logs, which share the chunks they agree on (memory only: see RaftLog). */
  private readonly logs = new LogGroup();

  createStable(node = -1): RaftStable {
    const sentinel: Entry = { term: 0, op: null, client: -1, seq: 0, origin: -1 };
    return { term: 0, votedFor: -1, log: this.logs.create(node, [sentinel]), snapshot: null };
  }

  createNode(ctx: Parameters<Protocol['createNode']>[0], stable: unknown): RaftNode {
    return new RaftNode(ctx, this.config, stable as RaftStable, this.observer);
  }

  /** A crashed node's disk: its term, vote and log survive; its commit index is what its snapshot holds. */
  stableView(stable: unknown, tailMax: number): NodeView {
    const disk = stable as RaftStable;
    const snapshotIndex = disk.snapshot?.lastIndex ?? 0;
    return {
      role: 'crashed',
      term: disk.term,
      votedFor: disk.votedFor,
      logLength: snapshotIndex + disk.log.length - 1,
      commitIndex: snapshotIndex,
      logTailTerms: raftLogTail(disk, tailMax),
    };
  }

  /** The leader of the highest term among live nodes (a deposed leader may not know it yet). */
  leaderOf(nodes: readonly (ProtocolNode | null)[]): number {
    return highestOffice(nodes, RaftNode, (node) => node.currentRole === 'leader', (node) => node.term);
  }
}

export const DEFAULT_MAX_ENTRIES_PER_MESSAGE = 64;

/**
 * maxClockDrift when a scenario does not set it: every clock within 5% of
 * real time, so two clocks' rates differ by at most 1.05/0.95 ≈ 1.105 and the
 * lease is 0.905 × the minimum election timeout. Real clocks drift by parts
 * per million; 5% leaves room for what really breaks leases (a VM paused
 * and resumed, a clock stepped by NTP) only as far as a bound can.
 */
export const DEFAULT_MAX_CLOCK_DRIFT = 0.05;
