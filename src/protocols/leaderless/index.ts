import type { NodeContext, NodeView, Protocol, ProtocolNode } from '../../core/protocol.ts';
import { LeaderlessNode, TIMER_NAMES } from './node.ts';
import { Ring } from './ring.ts';
import { MSG_NAMES, type LeaderlessConfig, type LeaderlessObserver, type LeaderlessStable } from './types.ts';

export { LeaderlessNode, PING_US, SUSPECT_US, HANDOFF_US } from './node.ts';
export { Ring, fnv1a, TOKENS_PER_NODE } from './ring.ts';
export * from './types.ts';

/** A coordinator gives up on replicas after this long (Cassandra's write_request_timeout is 2 s; clients here wait 1 s by default). */
export const DEFAULT_REQUEST_TIMEOUT_US = 500_000;

/**
 * The `Protocol` the simulator hosts: Dynamo-style nodes sharing one
 * configuration, one ring and one observer. No node holds an office:
 * `leaderOf` is always -1, so `leader` fault targets are skipped.
 */
export class LeaderlessProtocol implements Protocol {
  readonly kind = 'leaderless';
  readonly ring: Ring;

  constructor(
    readonly config: LeaderlessConfig,
    nodeNames: readonly string[],
    private readonly observer: LeaderlessObserver | null,
  ) {
    this.ring = new Ring(nodeNames);
  }

  messageName(kind: number): string {
    return MSG_NAMES[kind] ?? `leaderless-${kind}`;
  }

  timerName(timer: number): string {
    return TIMER_NAMES[timer] ?? `timer ${timer}`;
  }

  createStable(): LeaderlessStable {
    return { store: new Map(), hints: new Map(), siblings: new Map(), siblingHints: new Map(), requests: 0 };
  }

  createNode(ctx: NodeContext, stable: unknown): LeaderlessNode {
    return new LeaderlessNode(ctx, this.config, this.ring, stable as LeaderlessStable, this.observer);
  }

  stableView(stable: unknown): NodeView {
    const disk = stable as LeaderlessStable;
    const keys = disk.store.size + disk.siblings.size;
    return { role: 'crashed', term: 0, logLength: keys, commitIndex: keys };
  }

  leaderOf(_nodes: readonly (ProtocolNode | null)[]): number {
    return -1;
  }
}
