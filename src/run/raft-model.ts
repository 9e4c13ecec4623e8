import type { ProtocolNode } from '../core/protocol.ts';
import { officeOrBest } from '../protocols/office.ts';
import { RaftSafetyChecker } from '../check/raft-safety.ts';
import { DEFAULT_MAX_CLOCK_DRIFT, DEFAULT_MAX_ENTRIES_PER_MESSAGE, leaseDurationUs, RaftNode, RaftProtocol, VOTE_REASON_NAMES, type RaftObserver } from '../protocols/raft/index.ts';
import { effectiveWrites } from '../protocols/raft/writes.ts';
import { choices, toUs, toUsRange, type Problem } from '../scenario/fields.ts';
import { RAFT_OPTIONS } from '../scenario/model-options.ts';
import type { RaftModelSpec } from '../scenario/types.ts';
import { defineKind, type ModelKind } from './kind.ts';
import type { ModelFactory, ModelHooks } from './model.ts';
import { orderedPromises, PROMISE_ORDER, raftTimingWarning, type ModelPromises, type PromiseKey } from './promise-keys.ts';

/** The authoritative Raft log: the final leader's committed log (or, with no leader, the longest committed log). */
function authoritativeNode(nodes: readonly (ProtocolNode | null)[], protocol: RaftProtocol): number {
  return officeOrBest(nodes, protocol.leaderOf(nodes), RaftNode, (a, _i, b) => a.committed > b.committed);
}

function percent(d: number): string {
  const p = Math.round(d * 1000) / 10;
  return `${p > 0 ? '+' : ''}${p}%`;
}

/**
 * Lease reads rest on the rates of any two clocks differing by at most
 * (1 + maxClockDrift)/(1 - maxClockDrift) (see leaseDurationUs): with a
 * faster and a slower clock beyond that, a lease can outlast a follower's
 * refusal to vote. One line naming the fastest and the slowest clock, or none.
 */
export function raftSafeZoneWarnings(spec: Pick<RaftModelSpec, 'reads' | 'clockDrift' | 'maxClockDrift' | 'electionTimeoutUsMin'>, nodeNames: readonly string[]): string[] {
  if (spec.reads !== 'lease' || spec.clockDrift === undefined) return [];
  const maxDrift = spec.maxClockDrift ?? DEFAULT_MAX_CLOCK_DRIFT;
  let slow = 0;
  let fast = 0;
  const drift = (i: number) => spec.clockDrift![nodeNames[i]!] ?? 0;
  for (let i = 1; i < nodeNames.length; i++) {
    if (drift(i) < drift(slow)) slow = i;
    if (drift(i) > drift(fast)) fast = i;
  }
  const ratio = (1 + drift(fast)) / (1 + drift(slow));
  const allowed = (1 + maxDrift) / (1 - maxDrift);
  if (ratio <= allowed * (1 + 1e-9)) return [];
  const lease = leaseDurationUs({ electionTimeoutUsMin: spec.electionTimeoutUsMin, maxClockDrift: maxDrift }) / spec.electionTimeoutUsMin;
  return [
    `clockDrift of ${nodeNames[slow]} (${percent(drift(slow))}) and ${nodeNames[fast]} (${percent(drift(fast))}) exceeds maxClockDrift ${percent(maxDrift).slice(1)}: ` +
      `their clocks' rates differ by ${ratio.toFixed(3)}×, more than the ${allowed.toFixed(3)}× the lease (${lease.toFixed(3)} × the minimum election timeout) allows; lease reads may be stale`,
  ];
}

/** The nodes' vote decisions, their reason codes named, for the run's event stream; null when the run takes none. */
function voteHook(hooks: ModelHooks): RaftObserver['vote'] | null {
  const vote = hooks.vote;
  if (vote === undefined) return null;
  return (node, candidate, term, preVote, reason, nodeTerm, leader, votedFor) => vote(node, candidate, term, preVote, VOTE_REASON_NAMES[reason], nodeTerm, leader, votedFor);
}

export const raftModel: ModelFactory<RaftModelSpec> = (spec, hooks) => {
  const checker = new RaftSafetyChecker(hooks.clock, (node, role, term, previous) => {
    hooks.roleChanged?.(node, role, term);
    if (role === 'leader') hooks.note(node, `became leader of term ${term}`, true);
    else if (previous === 'leader') hooks.note(node, `stepped down in term ${term}`, true);
    else hooks.note(node, `${role} in term ${term}`, false);
  }, (node, text) => hooks.note(node, text, true), hooks.watch, voteHook(hooks));
  const protocol = new RaftProtocol(
    {
      electionTimeoutUsMin: spec.electionTimeoutUsMin,
      electionTimeoutUsMax: spec.electionTimeoutUsMax,
      heartbeatUs: spec.heartbeatUs,
      preVote: spec.preVote ?? false,
      checkQuorum: spec.checkQuorum ?? false,
      reads: spec.reads ?? 'log',
      maxClockDrift: spec.maxClockDrift ?? DEFAULT_MAX_CLOCK_DRIFT,
      bugs: new Set(spec.bugs ?? []),
      snapshotEvery: spec.snapshotEvery ?? 0,
      members: spec.members === undefined ? hooks.nodeNames.map((_, i) => i) : spec.members.map((m) => hooks.nodeNames.indexOf(m)),
      maxEntriesPerMessage: spec.maxEntriesPerMessage ?? DEFAULT_MAX_ENTRIES_PER_MESSAGE,
    },
    checker,
  );
  const drift = spec.clockDrift;
  const warnings = raftSafeZoneWarnings(spec, hooks.nodeNames);
  return {
    protocol,
    ...(warnings.length > 0 ? { safeZoneWarnings: warnings } : {}),
    ...(drift !== undefined ? { clockDrift: hooks.nodeNames.map((name) => drift[name] ?? 0) } : {}),
    violations: () => checker.violations,
    tookOffice: () => checker.leaderships.length,
    authoritativeWrites: (nodes) => {
      const i = authoritativeNode(nodes, protocol);
      if (i < 0) return [];
      const node = nodes[i] as RaftNode;
      // A commit index is volatile and learnt late: a leader that crashed right after committing, or a
      // new leader that has not committed an entry of its term yet, leaves every live node's commitIndex
      // behind what was committed. Entries past it that some leader committed count too (Leader
      // Completeness puts them in every later leader's log); they are read as that leader committed them.
      const committed = node.committed;
      return effectiveWrites((index) => (index <= committed ? node.entryAt(index) : undefined) ?? checker.committedEntry(index), Math.max(committed, checker.highestCommitted));
    },
    convergence: (nodes, stragglers) => {
      const leader = protocol.leaderOf(nodes);
      if (leader < 0) return 'no leader';
      // With stragglers: a leader of the newest term the others know (a straggler may lead, if it can; one
      // that still believes it leads an older term is not the cluster's leader).
      // (Terms of the members of its configuration: a removed server's term is nobody's business.)
      let coreTerm = 0;
      for (const i of (nodes[leader] as RaftNode).configuration) {
        const node = nodes[i];
        if (stragglers.size > 0 && !stragglers.has(i) && node instanceof RaftNode) coreTerm = Math.max(coreTerm, node.term);
      }
      const leaderTerm = (nodes[leader] as RaftNode).term;
      if (leaderTerm < coreTerm) return `no leader of the newest term (${coreTerm}): ${hooks.nodeNames[leader]} leads term ${leaderTerm}`;
      const commit = (nodes[leader] as RaftNode).committed;
      const behind = (nodes[leader] as RaftNode).configuration.filter((i) => {
        if (stragglers.has(i)) return false;
        const node = nodes[i];
        return !(node instanceof RaftNode) || node.applied !== commit;
      });
      if (behind.length === 0) return null;
      return `${behind.map((i) => hooks.nodeNames[i]).join(', ')} did not apply the leader's ${commit} committed entries`;
    },
    stragglerWarning: (nodes, stragglers) => {
      if (spec.checkQuorum === true) return null;
      // Without checkQuorum a leader that cannot hear its followers never steps down, and its heartbeats
      // keep every node of its term following it (and ignoring candidates, §4.2.3). Only a deposed one —
      // every other node already in a later term — is harmless.
      let lowestTerm = Infinity;
      nodes.forEach((node, i) => {
        if (!stragglers.has(i) && node instanceof RaftNode) lowestTerm = Math.min(lowestTerm, node.term);
      });
      for (const i of stragglers) {
        const node = nodes[i];
        if (node instanceof RaftNode && node.currentRole === 'leader' && node.term >= lowestTerm) {
          return `straggler ${hooks.nodeNames[i]} leads term ${node.term} as settle begins, and a node is still in that term or an earlier one: without checkQuorum a leader that cannot hear its followers never steps down, and its heartbeats keep them following it`;
        }
      }
      return null;
    },
    authority: (nodes) => {
      const i = authoritativeNode(nodes, protocol);
      if (i < 0) return 'no live node';
      const node = nodes[i] as RaftNode;
      const why = protocol.leaderOf(nodes) === i ? 'final leader' : 'no leader at the end; longest committed log';
      const known = checker.highestCommitted;
      const beyond = known > node.committed ? `, and entries ${node.committed + 1}-${known} that a leader committed (${hooks.clock.nodeName(i)} had not learnt it yet)` : '';
      return `${hooks.clock.nodeName(i)} (${why}), ${node.committed} committed entries${beyond}`;
    },
  };
};

/**
 * Raft. With `reads: log | readIndex | lease` correct Raft promises
 * everything: a linearizable history, no lost, stale or dirty read or write,
 * and convergence once settle heals every fault. `reads: local` answers from
 * any node's applied state: still only committed data (no lost writes, no
 * dirty reads), but stale. Lease reads rest on bounded clock drift: with a
 * safe-zone warning (drift beyond `maxClockDrift`) the lease's promises of
 * no stale reads and a linearizable history are withdrawn.
 *
 * A bug switch keeps only what its rule leaves: `read-without-quorum` is a
 * leader answering reads without confirming it still leads (stale reads,
 * nothing else); `reset-timer-on-any-rpc` breaks elections, not the log
 * (no convergence promise); the other three break the committed log itself
 * and promise nothing.
 */
export function raftPromises(spec: RaftModelSpec, safeZoneWarnings: readonly string[], timing: string | null): ModelPromises {
  const reads = spec.reads ?? 'log';
  const keys = new Set<PromiseKey>(PROMISE_ORDER);
  if (reads === 'local') {
    keys.delete('linearizable');
    keys.delete('noStaleReads');
  }
  const withdrawn: { key: PromiseKey; reason: string }[] = [];
  if (reads === 'lease' && safeZoneWarnings.length > 0) {
    for (const key of ['linearizable', 'noStaleReads'] as const) {
      if (keys.delete(key)) withdrawn.push({ key, reason: safeZoneWarnings.join('; ') });
    }
  }
  if (timing !== null && keys.delete('converges')) withdrawn.push({ key: 'converges', reason: timing });
  for (const bug of spec.bugs ?? []) {
    switch (bug) {
      case 'read-without-quorum':
        keys.delete('linearizable');
        keys.delete('noStaleReads');
        break;
      case 'reset-timer-on-any-rpc':
        keys.delete('converges');
        break;
      default:
        keys.clear();
    }
  }
  return { promised: orderedPromises(keys), withdrawn };
}

/** `kind: raft`, registered in registry.ts. */
export const raftKind: ModelKind<RaftModelSpec, typeof RAFT_OPTIONS> = defineKind<RaftModelSpec, typeof RAFT_OPTIONS>({
  kind: 'raft',
  description: 'Raft (leader election, log replication, commit on a majority).',
  options: RAFT_OPTIONS,
  check(model, { nodes, written }) {
    const problems: Problem[] = [];
    (model.members ?? []).forEach((member, m) => {
      if (!nodes.includes(member)) problems.push({ path: ['members', m], message: `unknown node "${member}" in members; expected one of: ${choices(nodes)}` });
    });
    for (const node of Object.keys(model.clockDrift ?? {})) {
      if (!nodes.includes(node)) problems.push({ path: ['clockDrift', node], onKey: true, message: `unknown node "${node}" in clockDrift; expected one of: ${choices(nodes)}` });
    }
    // A follower must hear a heartbeat before its election timer can fire (§5.2: broadcastTime << electionTimeout).
    const heartbeatUs = toUs(model.heartbeat);
    const electionMinUs = toUsRange(model.electionTimeout).minUs;
    if (heartbeatUs >= electionMinUs) {
      const explicit = written(['heartbeat']) !== undefined;
      problems.push({
        path: [explicit ? 'heartbeat' : 'electionTimeout'],
        message: `heartbeat ${heartbeatUs / 1000}ms is not shorter than the minimum election timeout ${electionMinUs / 1000}ms: followers would time out between heartbeats and depose a healthy leader; expected a heartbeat well below ${electionMinUs / 1000}ms (a third of it or less)`,
      });
    }
    return problems;
  },
  factory: (spec, hooks) => raftModel(spec, hooks),
  promises: (spec, { safeZoneWarnings, network }) => raftPromises(spec, safeZoneWarnings, network === null ? null : raftTimingWarning(spec, network)),
  ui: { office: 'leader', termHead: 'trm', termWord: 'term', lag: false },
});
