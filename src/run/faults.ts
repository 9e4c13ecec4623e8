import type { Rng } from '../core/random.ts';
import type { FaultSpec, GroupMember, Target } from '../scenario/types.ts';
import type { Simulator } from '../sim/simulator.ts';

/**
 * Resolves a fault's targets against one model's simulation at the instant it
 * fires (so `leader` means this model's own leader) and applies it. Returns
 * a line for the event log; it starts with `skipped` when the fault could not
 * be applied (no leader to hit, nothing to restart, a cut whose two ends are
 * the same node).
 */
export function applyFault(sim: Simulator, fault: FaultSpec, rng: Rng): string {
  const names = sim.nodeNames;
  const all = names.map((_, i) => i);
  const resolve = (target: Target, pool: readonly number[] = all): number => {
    if (target === 'leader') return sim.leader();
    if (target === 'random') return pool.length === 0 ? -1 : rng.pick(pool);
    return names.indexOf(target);
  };
  const up = all.filter((i) => sim.isUp(i));
  const down = all.filter((i) => !sim.isUp(i));

  switch (fault.action) {
    case 'partition': {
      const groups = resolvePartition(fault.groups, names, sim.leader());
      if (typeof groups === 'string') return `skipped partition: ${groups}`;
      sim.network.partition(groups);
      return `partition ${groups.map((g) => `[${g.map((i) => names[i]).join(' ')}]`).join(' ')}`;
    }
    case 'isolate': {
      const node = resolve(fault.target);
      if (node < 0) return `skipped isolate ${fault.target}: no leader`;
      sim.network.partition([[node], all.filter((i) => i !== node)]);
      return `isolate ${names[node]}`;
    }
    case 'cut': {
      const from = resolve(fault.from);
      const to = resolve(fault.to);
      if (from < 0 || to < 0) return `skipped cut ${fault.from} -> ${fault.to}: no leader`;
      // `from: leader, to: n1` with n1 the leader: a node does not send to itself, so there is no link to cut.
      if (from === to) return `skipped cut ${fault.from} -> ${fault.to}: both are ${names[from]}`;
      sim.network.cutLink(from, to);
      if (fault.both) sim.network.cutLink(to, from);
      return `cut ${names[from]} ${fault.both ? '<->' : '->'} ${names[to]}`;
    }
    case 'heal':
      sim.network.heal();
      return 'heal';
    case 'crash': {
      const node = resolve(fault.target, up);
      if (node < 0 || !sim.isUp(node)) return `skipped crash ${fault.target}: ${fault.target === 'leader' ? 'no leader' : 'not up'}`;
      sim.crash(node);
      return `crash ${names[node]}`;
    }
    case 'restart': {
      const targets = fault.target === 'all' ? down : [resolve(fault.target, down)];
      const crashed = targets.filter((i) => i >= 0 && !sim.isUp(i));
      if (crashed.length === 0) return `skipped restart ${fault.target}: not crashed`;
      for (const node of crashed) sim.restart(node);
      return `restart ${crashed.map((i) => names[i]).join(' ')}`;
    }
    case 'pause': {
      const node = resolve(fault.target, up);
      if (node < 0 || !sim.isUp(node)) return `skipped pause ${fault.target}: ${fault.target === 'leader' ? 'no leader' : 'not up'}`;
      sim.pause(node);
      return `pause ${names[node]}`;
    }
    case 'resume': {
      const paused = all.filter((i) => sim.paused[i]);
      const node = fault.target === 'all' ? -2 : resolve(fault.target, paused);
      const targets = node === -2 ? paused : [node].filter((i) => i >= 0 && sim.paused[i]);
      if (targets.length === 0) return `skipped resume ${fault.target}: not paused`;
      for (const i of targets) sim.resume(i);
      return `resume ${targets.map((i) => names[i]).join(' ')}`;
    }
    case 'transfer': {
      const leader = sim.leader();
      const to = resolve(fault.to);
      if (leader < 0) return 'skipped transfer: no leader';
      if (to < 0) return `skipped transfer to ${fault.to}: no such node`;
      return `transfer ${names[leader]} -> ${names[to]}: ${sim.admin(leader, { type: 'transfer', to })}`;
    }
    case 'add':
    case 'remove': {
      const leader = sim.leader();
      if (leader < 0) return `skipped ${fault.action} ${fault.node}: no leader`;
      return `${fault.action} ${fault.node}: ${sim.admin(leader, { type: fault.action, node: names.indexOf(fault.node) })}`;
    }
    case 'network': {
      sim.network.setParams(fault);
      const parts: string[] = [];
      if (fault.latencyUsMin !== undefined) parts.push(`latency ${fault.latencyUsMin / 1000}..${fault.latencyUsMax! / 1000}ms`);
      if (fault.drop !== undefined) parts.push(`drop ${fault.drop}`);
      if (fault.duplicate !== undefined) parts.push(`duplicate ${fault.duplicate}`);
      return `network ${parts.join(', ')}`;
    }
  }
}

/**
 * Places every node in exactly one group: node names and `leader` first,
 * then each `follower` in reading order takes the first node (in the order
 * of `nodes`) not yet placed, then `rest` takes every node left. Returns
 * why not when the groups name `leader` and there is none, or the leader is
 * a node the groups also name.
 */
export function resolvePartition(groups: readonly (readonly GroupMember[])[], names: readonly string[], leader: number): number[][] | string {
  const placed = new Set<number>();
  const out: number[][] = groups.map(() => []);
  for (const [g, members] of groups.entries()) {
    for (const member of members) {
      if (member === 'follower' || member === 'rest') continue;
      const node = member === 'leader' ? leader : names.indexOf(member);
      if (node < 0) return 'no leader';
      if (placed.has(node)) return `the leader is ${names[node]}, which the partition also names`;
      placed.add(node);
      out[g]!.push(node);
    }
  }
  for (const [g, members] of groups.entries()) {
    for (const member of members) {
      if (member !== 'follower') continue;
      const node = names.findIndex((_, i) => !placed.has(i));
      if (node < 0) continue;
      placed.add(node);
      out[g]!.push(node);
    }
  }
  for (const [g, members] of groups.entries()) {
    if (!members.includes('rest')) continue;
    for (let i = 0; i < names.length; i++) {
      if (placed.has(i)) continue;
      placed.add(i);
      out[g]!.push(i);
    }
  }
  // Validation guarantees every node a place; a node left over (never expected) is cut off alone rather than left in a stale group.
  for (let i = 0; i < names.length; i++) if (!placed.has(i)) out.push([i]);
  return out.filter((g) => g.length > 0);
}
