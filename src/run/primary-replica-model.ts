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
import { officeOrBest } from '../protocols/office.ts';
import { choices, type Problem } from '../scenario/fields.ts';
import { PRIMARY_REPLICA_OPTIONS } from '../scenario/model-options.ts';
import type { PrimaryReplicaModelSpec } from '../scenario/types.ts';
import { defineKind, type ModelKind } from './kind.ts';
import type { ModelFactory } from './model.ts';
import { orderedPromises, type ModelPromises, type PromiseKey } from './promise-keys.ts';

/** The node-level configuration of a `kind: primary-replica` model. */
export function primaryReplicaConfig(spec: PrimaryReplicaModelSpec, nodeCount: number, nodeNames: readonly string[] = []): PrimaryReplicaConfig {
  const cascade = spec.cascade;
  return {
    ...(cascade !== undefined ? { upstream: Array.from({ length: nodeCount }, (_, i) => (cascade[nodeNames[i]!] === undefined ? -1 : nodeNames.indexOf(cascade[nodeNames[i]!]!))) } : {}),
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
  return officeOrBest(nodes, protocol.leaderOf(nodes), PrimaryReplicaNode, (a, i, b, j) => betterCandidate(i, a.position(), j, b.position()));
}

export const primaryReplicaModel: ModelFactory<PrimaryReplicaModelSpec> = (spec, hooks) => {
  const config = primaryReplicaConfig(spec, hooks.nodeNames.length, hooks.nodeNames);
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

/**
 * Primary/replica, per the outcome table in docs/cap.md; every
 * configuration converges after settle (a primary, every node holding its
 * log).
 *
 * - `failover: none`: the first node is primary forever and never discards
 *   its log; replicas hold prefixes of it. Nothing acknowledged or read can
 *   vanish (no lost writes, no dirty reads), whatever the replication mode.
 *   With `reads: primary` every read sees every acknowledged write, so the
 *   history is linearizable too; hot standbys (`reads: any`) lag.
 * - `failover: auto`: only `replication: sync` keeps acknowledged writes
 *   (async loses its unreplicated tail, semi-sync what it acknowledged after
 *   falling back). No dirty reads needs, besides sync, `waitPoint:
 *   after-sync` (else a write is visible before it is safe) and `reads:
 *   primary` (a hot standby shows what it received). No stale reads needs a
 *   primary that cannot be stranded serving old data: `fencing: lease` (it
 *   demotes itself before the lock can move) with `reads: primary`; with
 *   after-sync too, that is a linearizable history.
 */
export function primaryReplicaPromises(spec: PrimaryReplicaModelSpec): ModelPromises {
  const keys: PromiseKey[] = ['converges'];
  const primaryReads = spec.reads === 'primary';
  if (spec.failover === 'none') {
    keys.push('noLostWrites', 'noDirtyReads');
    if (primaryReads) keys.push('noStaleReads', 'linearizable');
  } else if (spec.replication === 'sync') {
    keys.push('noLostWrites');
    const fenced = spec.fencing === 'lease' && primaryReads;
    if (fenced) keys.push('noStaleReads');
    if (spec.waitPoint === 'after-sync' && primaryReads) {
      keys.push('noDirtyReads');
      if (fenced) keys.push('linearizable');
    }
  }
  return { promised: orderedPromises(keys), withdrawn: [] };
}

/** `kind: primary-replica`, registered in registry.ts. */
export const primaryReplicaKind: ModelKind<PrimaryReplicaModelSpec, typeof PRIMARY_REPLICA_OPTIONS> = defineKind<PrimaryReplicaModelSpec, typeof PRIMARY_REPLICA_OPTIONS>({
  kind: 'primary-replica',
  description: 'Primary/replica log shipping with a Patroni-like failover manager (docs/cap.md).',
  options: PRIMARY_REPLICA_OPTIONS,
  check(model, { nodes, written }) {
    const problems: Problem[] = [];
    const cascade = model.cascade ?? {};
    for (const [replica, upstream] of Object.entries(cascade)) {
      if (!nodes.includes(replica)) problems.push({ path: ['cascade', replica], onKey: true, message: `unknown node "${replica}" in cascade; expected one of: ${choices(nodes)}` });
      else if (!nodes.includes(upstream)) problems.push({ path: ['cascade', replica], message: `unknown node "${upstream}" in cascade; expected one of: ${choices(nodes)}` });
      else if (upstream === replica) problems.push({ path: ['cascade', replica], message: `${replica} cannot feed itself; expected another replica` });
      else {
        // Follow the chain up: it must reach a node fed by the primary, not come back round.
        const seen = new Set([replica]);
        let at: string | undefined = upstream;
        while (at !== undefined && !seen.has(at)) {
          seen.add(at);
          at = cascade[at];
        }
        if (at !== undefined) problems.push({ path: ['cascade', replica], message: `the cascade from ${replica} comes back to ${at}; expected a chain that ends at a replica the primary feeds` });
      }
    }
    if (model.cascade !== undefined && model.replication !== 'async') {
      problems.push({ path: ['cascade'], message: `cascading replication with replication: ${model.replication}; expected replication: async (a cascaded standby cannot be a synchronous one: the primary never hears its confirmations)` });
    }
    if (model.replication === 'async' || model.syncStandbys <= nodes.length - 1) return problems;
    const explicit = written(['syncStandbys']) !== undefined;
    return [
      ...problems,
      {
        path: [explicit ? 'syncStandbys' : 'replication'],
        message:
          nodes.length === 1
            ? `${model.replication} replication needs a replica but the scenario has 1 node; expected replication: async or more nodes`
            : `${model.replication} replication with syncStandbys ${model.syncStandbys} needs ${model.syncStandbys + 1} nodes but the scenario has ${nodes.length}; expected syncStandbys from 1 to ${nodes.length - 1}`,
      },
    ];
  },
  factory: (spec, hooks) => primaryReplicaModel(spec, hooks),
  promises: (spec) => primaryReplicaPromises(spec),
  ui: { office: 'primary', termHead: ' ep', termWord: 'ep', lag: true },
});
