/**
 * `kind: leaderless`: Dynamo/Cassandra-style quorum replication
 * (docs/leaderless.md), registered in registry.ts through this descriptor
 * alone: its options, their checks, its factory, its promises and what the
 * UI shows.
 */
import { z } from 'zod';
import type { ProtocolNode } from '../core/protocol.ts';
import type { EffectiveWrite } from '../check/figures.ts';
import { DEFAULT_REQUEST_TIMEOUT_US, descends, LeaderlessNode, LeaderlessProtocol, mergeSibling, newer, type LeaderlessConfig, type Version } from '../protocols/leaderless/index.ts';
import { choices, NODES_MAX, oneOf, problem, time, toUs, wholeNumber, type Problem } from '../scenario/fields.ts';
import { option, RAFT_OPTIONS } from '../scenario/model-options.ts';
import { defineKind, type ModelKind } from './kind.ts';
import type { ModelRuntime } from './model.ts';
import { orderedPromises, type ModelPromises, type PromiseKey } from './promise-keys.ts';

/** A consistency level as written: Cassandra's names or a replica count. */
export type QuorumLevel = 'one' | 'quorum' | 'all' | number;

export interface LeaderlessModelSpec {
  readonly kind: 'leaderless';
  readonly name: string;
  /** N: the nodes holding each key. Default 3. */
  readonly replicas: number;
  /** W. Default quorum. */
  readonly writeQuorum: QuorumLevel;
  /** R. Default quorum. */
  readonly readQuorum: QuorumLevel;
  /** Default false. */
  readonly sloppyQuorum: boolean;
  /** Default true. */
  readonly hintedHandoff: boolean;
  /** Default blocking. */
  readonly readRepair: 'none' | 'async' | 'blocking';
  /** 0: never. Default 500ms. */
  readonly antiEntropyUs: number;
  /** Per node name: clock rate (0.05: 5% fast). Default none. */
  readonly clockDrift?: Readonly<Record<string, number>>;
  /** Per node name: a fixed offset of its clock from real time (µs; negative: behind). Default none. */
  readonly clockOffsetUs?: Readonly<Record<string, number>>;
  /** How concurrent writes are resolved. Absent: lww. */
  readonly conflicts?: 'lww' | 'siblings';
}

const levelErr = problem('a consistency level', 'one, quorum, all or a replica count such as 2');
const level = (description: string) =>
  z
    .union([z.enum(['one', 'quorum', 'all'], { error: levelErr }), z.number({ error: levelErr }).int({ error: levelErr }).min(1, { error: levelErr }).max(NODES_MAX, { error: levelErr })], {
      error: levelErr,
    })
    .default('quorum')
    .meta({ description });

const offsetExpected = 'a time such as -50ms or 20ms (negative: behind real time), at most 1m either way';
const offsetErr = problem('a clock offset', offsetExpected);
const OFFSET_PATTERN = /^\s*([-+]?)\s*(\d+(?:\.\d+)?\s*(?:us|ms|s|m)?)\s*$/;
const OFFSET_US_MAX = 60_000_000;

/** A clock offset as written → µs. */
function offsetUs(value: string | number): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  const m = OFFSET_PATTERN.exec(value)!;
  return (m[1] === '-' ? -1 : 1) * toUs(m[2]!);
}

/**
 * The shortest anti-entropy period: every node exchanges all its keys each
 * period, so a period of microseconds makes a run of seconds take minutes of
 * wall time (1us: a 15 s scenario ran for over 2 minutes) and models nothing
 * a real store does (Dynamo and Cassandra repair every few seconds or more).
 */
export const ANTI_ENTROPY_MIN = { us: 1000, text: '1ms', zero: 'never' } as const;

export const LEADERLESS_OPTIONS = {
  replicas: option(wholeNumber('a replica count', 1, NODES_MAX, 'N: how many nodes hold each key, chosen by consistent hashing (at most the node count).').default(3), (replicas) => ({ replicas })),
  writeQuorum: option(level('W: how many replicas must store a write before it is acknowledged: one, quorum (a majority of N), all, or a count.'), (writeQuorum) => ({ writeQuorum })),
  readQuorum: option(level('R: how many replicas must answer a read; the newest of their versions is returned: one, quorum, all, or a count.'), (readQuorum) => ({ readQuorum })),
  sloppyQuorum: option(
    z.boolean({ error: problem('valid for sloppyQuorum', 'true or false') }).default(false).meta({
      description: 'Use the first N healthy nodes of the preference list: a fallback node stands in for a replica believed down, and counts toward W and R.',
    }),
    (sloppyQuorum) => ({ sloppyQuorum }),
  ),
  hintedHandoff: option(
    z.boolean({ error: problem('valid for hintedHandoff', 'true or false') }).default(true).meta({
      description: 'A fallback (and a coordinator, for a replica that did not acknowledge) keeps a hint and hands the write over when the replica is back.',
    }),
    (hintedHandoff) => ({ hintedHandoff }),
  ),
  readRepair: option(
    oneOf(
      'a read repair mode',
      ['none', 'async', 'blocking'],
      "none: replicas a read found behind stay behind; async: the coordinator updates them after answering (Dynamo); blocking: before answering (Cassandra 4's default), so a later quorum read is never older.",
    ).default('blocking'),
    (readRepair) => ({ readRepair }),
  ),
  antiEntropy: option(
    time('Each node exchanges its keys with one peer this often (round robin); 0: never, else at least 1ms.', { zeroOr: ANTI_ENTROPY_MIN }).default('500ms'),
    (value) => ({ antiEntropyUs: toUs(value) }),
  ),
  clockDrift: RAFT_OPTIONS.clockDrift,
  clockOffset: option(
    z
      .record(
        z.string(),
        z.union([z.number({ error: offsetErr }).min(-OFFSET_US_MAX / 1000, { error: offsetErr }).max(OFFSET_US_MAX / 1000, { error: offsetErr }), z.string({ error: offsetErr }).regex(OFFSET_PATTERN, { error: offsetErr })], {
          error: offsetErr,
        }),
        { error: problem('a clock offset map', 'a mapping of node name to offset, e.g. {n3: -50ms}') },
      )
      .optional()
      .meta({ description: 'Per node: how far its clock is from real time when it stamps a write (last-write-wins), e.g. {n3: -50ms} for 50 ms behind.' }),
    (clockOffset): { clockOffsetUs?: Record<string, number> } =>
      clockOffset === undefined ? {} : { clockOffsetUs: Object.fromEntries(Object.entries(clockOffset).map(([node, v]) => [node, offsetUs(v)])) },
  ),
  conflicts: option(
    oneOf(
      'a conflict resolution',
      ['lww', 'siblings'],
      'lww: replicas keep the version with the newest timestamp (the coordinator\'s clock), so a clock behind drops acknowledged writes; siblings: version vectors, replicas keep concurrent versions side by side and a reading client merges them (Riak, Dynamo).',
    ).default('lww'),
    (conflicts): { conflicts?: 'siblings' } => (conflicts === 'siblings' ? { conflicts } : {}),
  ),
} as const;

/** A consistency level → a count within 1..N. */
export function quorumCount(level: QuorumLevel, replicas: number): number {
  if (level === 'one') return 1;
  if (level === 'quorum') return Math.floor(replicas / 2) + 1;
  if (level === 'all') return replicas;
  return Math.min(level, replicas);
}

/** The node-level configuration of a `kind: leaderless` model. */
export function leaderlessConfig(spec: LeaderlessModelSpec, nodeNames: readonly string[]): LeaderlessConfig {
  const replicas = Math.min(spec.replicas, nodeNames.length);
  return {
    replicas,
    writeQuorum: quorumCount(spec.writeQuorum, replicas),
    readQuorum: quorumCount(spec.readQuorum, replicas),
    sloppyQuorum: spec.sloppyQuorum,
    hintedHandoff: spec.hintedHandoff,
    readRepair: spec.readRepair,
    antiEntropyUs: spec.antiEntropyUs,
    clockOffsetUs: nodeNames.map((name) => spec.clockOffsetUs?.[name] ?? 0),
    requestTimeoutUs: DEFAULT_REQUEST_TIMEOUT_US,
    ...(spec.conflicts === 'siblings' ? { conflicts: 'siblings' as const } : {}),
  };
}

/** Every clock reads real time: no drift and no offset on any node. */
function clocksAgree(spec: Pick<LeaderlessModelSpec, 'clockDrift' | 'clockOffsetUs'>): boolean {
  return Object.values(spec.clockDrift ?? {}).every((d) => d === 0) && Object.values(spec.clockOffsetUs ?? {}).every((o) => o === 0);
}

/**
 * What a leaderless configuration promises (docs/leaderless.md):
 *
 * - converges: with anti-entropy on, every replica of every key holds the
 *   same version after settle (read repair and hints alone reach only what
 *   is read or hinted);
 * - no dirty reads, no lost writes (clocks agreeing, for the second): every
 *   read returns a version some node stored, and a stored version stays on
 *   disk; only a sloppy quorum without hinted handoff can leave the newest
 *   version on a fallback the replicas never hear from. With clocks that
 *   disagree, last-write-wins orders a write acknowledged later before one
 *   acknowledged earlier, and silently drops it;
 * - no stale reads: a strict quorum with R + W > N (every read quorum meets
 *   every write quorum), whatever the clocks;
 * - linearizable (reads and writes; a cas is refused): besides, blocking read
 *   repair with 2R > N (a read's value is on enough replicas for every later
 *   read to see it) and clocks that agree (a write begun after another ended
 *   is stamped later) — the ABD register, with clocks for its first phase.
 */
export function leaderlessPromises(spec: LeaderlessModelSpec, nodeCount: number | null = null): ModelPromises {
  const n = nodeCount === null ? spec.replicas : Math.min(spec.replicas, nodeCount);
  const w = quorumCount(spec.writeQuorum, n);
  const r = quorumCount(spec.readQuorum, n);
  const keys: PromiseKey[] = [];
  if (spec.antiEntropyUs > 0) keys.push('converges');
  const fallbackKeepsNewest = spec.sloppyQuorum && !spec.hintedHandoff;
  const agree = clocksAgree(spec);
  if (spec.conflicts === 'siblings') {
    // Version vectors: a replica drops a version only for one whose writer read it, whatever the clocks.
    // What a read returns is the client's pick among siblings, so neither freshness nor linearizability.
    if (!fallbackKeepsNewest) keys.push('noDirtyReads', 'noLostWrites');
    return { promised: orderedPromises(keys), withdrawn: [] };
  }
  if (!fallbackKeepsNewest) {
    keys.push('noDirtyReads');
    if (agree) keys.push('noLostWrites');
  }
  const strictOverlap = !spec.sloppyQuorum && r + w > n;
  if (strictOverlap) {
    keys.push('noStaleReads');
    if (spec.readRepair === 'blocking' && 2 * r > n && agree) keys.push('linearizable');
  }
  return { promised: orderedPromises(keys), withdrawn: [] };
}

/**
 * How a run's conflicts are resolved, as the figures see it: each key's
 * merged state (a list of versions: one for last-write-wins, any number of
 * siblings for version vectors), which of the versions that reached a store
 * took effect and in what order, and what a live node holds of a key.
 */
interface Resolution {
  /** What each node holds of a key now (its disk), updated as versions arrive. */
  received(node: number, key: string, version: Version, kept: boolean): void;
  /** The merged state of a key over its N replicas (on disk, up or not); empty when none holds it. */
  merged(key: string): readonly Version[];
  /** The versions of `stored` (every version of the key that reached a store) that took effect, in the order they did. */
  tookEffect(stored: ReadonlySet<Version>, merged: readonly Version[]): Version[];
  /** What a live replica holds of `key`. */
  held(node: LeaderlessNode, key: string): readonly Version[];
  /** For the report's authority line and the convergence message. */
  readonly name: string;
  readonly holding: string;
}

/** The runtime of one run: the protocol, and what the figures need of the merged state. */
function leaderlessModel(spec: LeaderlessModelSpec, hooks: Parameters<ModelKind<LeaderlessModelSpec>['factory']>[1]): ModelRuntime {
  const names = hooks.nodeNames;
  const config = leaderlessConfig(spec, names);
  // Every version that reached any node's store, per key (first-seen key order).
  const everStored = new Map<string, Set<Version>>();
  const mintIndex = new Map<Version, number>();
  let protocol: LeaderlessProtocol | null = null;
  const preference = (key: string): ArrayLike<number> => protocol!.ring.preference(key);
  const resolution = config.conflicts === 'siblings' ? siblings(config.replicas, preference, mintIndex) : lastWriteWins(config.replicas, preference);
  protocol = new LeaderlessProtocol(config, names, {
    // The creation order of versions: only the siblings' order needs it.
    ...(config.conflicts === 'siblings' ? { minted: (_key: string, version: Version) => void mintIndex.set(version, mintIndex.size) } : {}),
    received(node, key, version, kept) {
      let set = everStored.get(key);
      if (set === undefined) everStored.set(key, (set = new Set()));
      set.add(version);
      resolution.received(node, key, version, kept);
    },
  });
  const drift = spec.clockDrift;
  return {
    protocol,
    ...(drift !== undefined ? { clockDrift: names.map((name) => drift[name] ?? 0) } : {}),
    violations: () => [],
    tookOffice: () => 0,
    authoritativeWrites: () => {
      const out: EffectiveWrite[] = [];
      for (const [key, set] of everStored) for (const v of resolution.tookEffect(set, resolution.merged(key))) out.push({ key, value: v.value });
      return out;
    },
    authority: () => {
      let writes = 0;
      let withSiblings = 0;
      for (const [key, set] of everStored) {
        const top = resolution.merged(key);
        writes += resolution.tookEffect(set, top).length;
        if (top.length > 1) withSiblings++;
      }
      const left = config.conflicts === 'siblings' ? ` (${withSiblings} left with siblings)` : '';
      return `the merged state of every key's ${config.replicas} replicas (${resolution.name}), ${writes} writes on ${everStored.size} ${everStored.size === 1 ? 'key' : 'keys'}${left}`;
    },
    convergence: (nodes: readonly (ProtocolNode | null)[], stragglers: ReadonlySet<number>) => {
      const behind: string[] = [];
      for (const key of everStored.keys()) {
        const top = resolution.merged(key);
        const list = preference(key);
        for (let i = 0; i < config.replicas; i++) {
          const node = list[i]!;
          if (stragglers.has(node)) continue;
          const live = nodes[node];
          const held = live instanceof LeaderlessNode ? resolution.held(live, key) : [];
          if (held.length !== top.length || !top.every((v) => held.includes(v))) behind.push(`${names[node]} (${key})`);
        }
      }
      return behind.length === 0 ? null : `replicas not holding the ${resolution.holding}: ${behind.slice(0, 6).join(', ')}${behind.length > 6 ? ', ...' : ''}`;
    },
  };
}

/**
 * Last-write-wins: a key's merged value is the newest version any of its N
 * replicas holds. The versions that reached a store, up to the merged value,
 * in last-write-wins order are the order in which writes take effect: a
 * version that arrived already superseded took effect just before what
 * superseded it; one newer than the merged value never reached a replica.
 */
function lastWriteWins(replicas: number, preference: (key: string) => ArrayLike<number>): Resolution {
  const holds = new Map<number, Map<string, Version>>();
  const at = (node: number) => holds.get(node) ?? holds.set(node, new Map()).get(node)!;
  return {
    received(node, key, version, kept) {
      if (kept) at(node).set(key, version);
    },
    merged(key) {
      const list = preference(key);
      let best: Version | null = null;
      for (let i = 0; i < replicas; i++) {
        const v = at(list[i]!).get(key);
        if (v !== undefined && newer(v, best)) best = v;
      }
      return best === null ? [] : [best];
    },
    tookEffect(stored, merged) {
      const top = merged[0];
      if (top === undefined) return [];
      return [...stored].filter((v) => v === top || newer(top, v)).sort((a, b) => (newer(a, b) ? 1 : newer(b, a) ? -1 : 0));
    },
    held(node, key) {
      const v = node.versionOf(key);
      return v === undefined ? [] : [v];
    },
    name: 'last-write-wins',
    holding: 'merged value',
  };
}

/**
 * Version vectors with siblings: the merged state of a key is the set of
 * versions, held by any of its N replicas, that no other held version
 * descends from. The order in which writes take effect: the versions that
 * reached some node's store and are in the causal past of the merged state
 * (a version descends from itself), in the order coordinators created them —
 * an order every version vector agrees with (a version's writer read what it
 * descends from, so it was created later).
 */
function siblings(replicas: number, preference: (key: string) => ArrayLike<number>, mintIndex: ReadonlyMap<Version, number>): Resolution {
  const holds = new Map<number, Map<string, readonly Version[]>>();
  const at = (node: number) => holds.get(node) ?? holds.set(node, new Map()).get(node)!;
  return {
    received(node, key, version, kept) {
      if (!kept) return;
      const mine = at(node);
      mine.set(key, mergeSibling(mine.get(key), version) ?? mine.get(key)!);
    },
    merged(key) {
      const list = preference(key);
      let out: readonly Version[] = [];
      for (let i = 0; i < replicas; i++) {
        const held = at(list[i]!).get(key);
        if (held !== undefined) for (const v of held) out = mergeSibling(out, v) ?? out;
      }
      return out;
    },
    tookEffect(stored, merged) {
      return [...stored].filter((v) => merged.some((t) => descends(t, v))).sort((a, b) => mintIndex.get(a)! - mintIndex.get(b)!);
    },
    held(node, key) {
      return node.siblingsOf(key);
    },
    name: 'version vectors',
    holding: 'merged siblings',
  };
}

/** `kind: leaderless`, registered in registry.ts. */
export const leaderlessKind: ModelKind<LeaderlessModelSpec, typeof LEADERLESS_OPTIONS> = defineKind<LeaderlessModelSpec, typeof LEADERLESS_OPTIONS>({
  kind: 'leaderless',
  description: 'Dynamo/Cassandra-style leaderless quorum replication: N replicas per key by consistent hashing, tunable W and R, last-write-wins or version vectors with siblings (docs/leaderless.md).',
  options: LEADERLESS_OPTIONS,
  check(model, { nodes, written }) {
    const problems: Problem[] = [];
    if (model.replicas > nodes.length) {
      problems.push({ path: ['replicas'], message: `${model.replicas} replicas but the scenario has ${nodes.length} nodes; expected replicas from 1 to ${nodes.length}` });
    }
    const n = Math.min(model.replicas, nodes.length);
    for (const key of ['writeQuorum', 'readQuorum'] as const) {
      const value = model[key];
      if (typeof value === 'number' && value > n && written([key]) !== undefined) {
        problems.push({ path: [key], message: `${key} ${value} is more than the ${n} replicas of a key; expected one, quorum, all or a count from 1 to ${n}` });
      }
    }
    for (const map of ['clockDrift', 'clockOffset'] as const) {
      for (const node of Object.keys(model[map] ?? {})) {
        if (!nodes.includes(node)) problems.push({ path: [map, node], onKey: true, message: `unknown node "${node}" in ${map}; expected one of: ${choices(nodes)}` });
      }
    }
    return problems;
  },
  factory: (spec, hooks) => leaderlessModel(spec, hooks),
  promises: (spec) => leaderlessPromises(spec),
  ui: { office: null, termHead: '  -', termWord: '', lag: false },
  // No node holds the history: the figures judge against every key's replicas merged.
  authorityLabel: 'authoritative state',
  // Each key lives on replicas of its own: a client's outages are counted per key.
  availabilityPerKey: true,
});
