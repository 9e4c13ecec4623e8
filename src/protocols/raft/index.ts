import type { Protocol, ProtocolNode } from '../../core/protocol.ts';
import { RaftNode } from './node.ts';
import { MSG_NAMES, type Entry, type RaftConfig, type RaftObserver, type RaftStable } from './types.ts';

export { RaftNode } from './node.ts';
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

  createStable(): RaftStable {
    const sentinel: Entry = { term: 0, op: null, client: -1, seq: 0, origin: -1 };
    return { term: 0, votedFor: -1, log: [sentinel], snapshot: null };
  }

  createNode(ctx: Parameters<Protocol['createNode']>[0], stable: unknown): RaftNode {
    return new RaftNode(ctx, this.config, stable as RaftStable, this.observer);
  }

  /** The leader of the highest term among live nodes (a deposed leader may not know it yet). */
  leaderOf(nodes: readonly (ProtocolNode | null)[]): number {
    let best = -1;
    let bestTerm = -1;
    nodes.forEach((node, i) => {
      if (node instanceof RaftNode && node.currentRole === 'leader' && node.term > bestTerm) {
        best = i;
        bestTerm = node.term;
      }
    });
    return best;
  }
}

export const DEFAULT_MAX_ENTRIES_PER_MESSAGE = 64;
