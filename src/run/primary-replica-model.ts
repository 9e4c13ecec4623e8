import type { ProtocolNode } from '../core/protocol.ts';
import { formatUs } from '../core/time.ts';
import { PrimaryReplicaSafetyChecker } from '../check/primary-replica-safety.ts';
import { effectiveWrites } from '../protocols/kv.ts';
import {
  DEFAULT_MAX_ENTRIES_PER_MESSAGE,
  DEFAULT_SHIP_INTERVAL_US,
  DEFAULT_SHIP_RETRY_US,
  PrimaryReplicaNode,
  PrimaryReplicaProtocol,
  type PrimaryReplicaConfig,
} from '../protocols/primary-replica/index.ts';
import { betterCandidate } from '../protocols/primary-replica/sync.ts';
import type { PrimaryReplicaModelSpec } from '../scenario/types.ts';
import type { ModelFactory } from './model.ts';

/** The node-level configuration of a `kind: primary-replica` model. */
export function primaryReplicaConfig(spec: PrimaryReplicaModelSpec, nodeCount: number): PrimaryReplicaConfig {
  return {
    replication: spec.replication,
    // Validation keeps syncStandbys within 1..N-1 for sync and semi-sync; async ignores it.
    syncStandbys: Math.max(1, Math.min(spec.syncStandbys, nodeCount - 1)),
    syncMode: spec.syncMode,
    semiSyncTimeoutUs: spec.semiSyncTimeoutUs,
    waitPoint: spec.waitPoint,
    failover: spec.failover,
    failoverTimeoutUs: spec.failoverTimeoutUs,
    maxLagOnFailover: spec.maxLagOnFailover,
    fencing: spec.fencing,
    reads: spec.reads,
    maxEntriesPerMessage: DEFAULT_MAX_ENTRIES_PER_MESSAGE,
    shipIntervalUs: DEFAULT_SHIP_INTERVAL_US,
    shipRetryUs: DEFAULT_SHIP_RETRY_US,
  };
}

/** The authoritative log: the final primary's (or, with none, the most up-to-date live node's). */
function authoritativeNode(nodes: readonly (ProtocolNode | null)[], protocol: PrimaryReplicaProtocol): number {
  const primary = protocol.leaderOf(nodes);
  if (primary >= 0) return primary;
  let best = -1;
  nodes.forEach((node, i) => {
    if (!(node instanceof PrimaryReplicaNode)) return;
    if (best < 0 || betterCandidate(i, node.position(), best, (nodes[best] as PrimaryReplicaNode).position())) best = i;
  });
  return best;
}

export const primaryReplicaModel: ModelFactory<PrimaryReplicaModelSpec> = (spec, hooks) => {
  const config = primaryReplicaConfig(spec, hooks.nodeNames.length);
  const checker = new PrimaryReplicaSafetyChecker(hooks.clock, {
    tookOffice: (node, epoch) => {
      hooks.roleChanged?.(node, 'primary', epoch);
      hooks.note(node, `took office as primary of epoch ${epoch}`, true);
    },
    steppedDown: (node, epoch, why) => {
      hooks.roleChanged?.(node, 'replica', epoch);
      hooks.note(node, `stepped down as primary of epoch ${epoch}: ${why}`, true);
    },
    lockLost: (node, epoch, stillPrimary) => {
      if (stillPrimary) hooks.note(node, `lost the leader lock of epoch ${epoch} but keeps acting as primary (fencing: none)`, true);
    },
    rewound: (node, fromIndex, count) => hooks.note(node, `discarded ${count} entries from index ${fromIndex} that the primary lacks (pg_rewind)`, true),
    semiSyncChanged: (node, on) =>
      hooks.note(node, on ? 'semi-sync on again: the replicas caught up' : `semi-sync waited ${formatUs(config.semiSyncTimeoutUs)}: now asynchronous`, true),
  }, hooks.watch);
  const protocol = new PrimaryReplicaProtocol(config, hooks.nodeNames.length, checker);
  return {
    protocol,
    violations: () => checker.violations,
    tookOffice: () => checker.tookOfficeLog.length,
    lockHolder: (nowUs) => {
      // Holdings are in time order; the last one covering now is the holder (at most one, or Single Lock Holder is broken).
      for (let i = checker.lockHoldings.length - 1; i >= 0; i--) {
        const h = checker.lockHoldings[i]!;
        if (h.fromUs <= nowUs && nowUs < h.untilUs) return { node: h.node, epoch: h.epoch };
      }
      return null;
    },
    authoritativeWrites: (nodes) => {
      const i = authoritativeNode(nodes, protocol);
      if (i < 0) return [];
      const log = (nodes[i] as PrimaryReplicaNode).log;
      return effectiveWrites((index) => log[index], 1, log.length - 1);
    },
    authority: (nodes) => {
      const i = authoritativeNode(nodes, protocol);
      if (i < 0) return 'no live node';
      const node = nodes[i] as PrimaryReplicaNode;
      const why = protocol.leaderOf(nodes) === i ? `final primary, epoch ${node.epoch}` : 'no primary at the end; the most up-to-date log';
      return `${hooks.clock.nodeName(i)} (${why}), ${node.lastIndex()} entries`;
    },
    // With no failover the first node is the primary for ever: the others cannot converge without it.
    stragglerWarning: (_nodes, stragglers) =>
      spec.failover === 'none' && stragglers.has(0) ? `straggler ${hooks.nodeNames[0]} is the fixed primary (failover: none): the others cannot converge without it` : null,
    convergence: (nodes, stragglers) => {
      const primary = protocol.leaderOf(nodes);
      if (primary < 0) return 'no primary';
      const p = (nodes[primary] as PrimaryReplicaNode).position();
      const behind = nodes.flatMap((node, i) => {
        if (stragglers.has(i)) return [];
        if (!(node instanceof PrimaryReplicaNode)) return [hooks.nodeNames[i]!];
        const q = node.position();
        return q.index === p.index && q.epoch === p.epoch ? [] : [hooks.nodeNames[i]!];
      });
      return behind.length === 0 ? null : `${behind.join(', ')} did not catch up with the primary's ${p.index} entries`;
    },
  };
};
