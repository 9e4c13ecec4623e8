import type { Message, Value } from '../../core/protocol.ts';
import type { Us } from '../../core/time.ts';

/**
 * One written value with its last-write-wins timestamp: the coordinator's
 * clock when the write began (made strictly increasing per coordinator), with
 * the coordinator's index breaking ties. Immutable: replicas, hints and
 * messages share the same object.
 */
export interface Version {
  readonly value: Value;
  readonly ts: number;
  readonly node: number;
  /**
   * Version vector (`conflicts: siblings` only): per client, the highest
   * operation number of that client's writes this version descends from,
   * its own write included (index: client). A client runs one operation at a
   * time, so its writes are ordered by the client itself and each entry is
   * down-closed: the vector is the exact causal past.
   */
  readonly vv?: readonly number[];
}

/** a wins over b under last-write-wins (b null: no version yet). */
export function newer(a: Version, b: Version | null | undefined): boolean {
  if (b === null || b === undefined) return true;
  return a.ts > b.ts || (a.ts === b.ts && a.node > b.node);
}

export type ReadRepair = 'none' | 'async' | 'blocking';

/** How replicas resolve concurrent writes: last-write-wins on the stamp, or version vectors keeping concurrent versions as siblings. */
export type Conflicts = 'lww' | 'siblings';

/** Whether `b` is in `a`'s causal past (b ≤ a by version vector; a version descends from itself). */
export function descends(a: Version, b: Version): boolean {
  if (a === b) return true;
  const av = a.vv!;
  const bv = b.vv!;
  for (let i = 0; i < bv.length; i++) if (bv[i]! > (i < av.length ? av[i]! : 0)) return false;
  return true;
}

/**
 * Merges `v` into a sibling set (no sibling descends from another): null when
 * `v` adds nothing (a sibling descends from it), else the new set — `v`
 * kept, the siblings it descends from dropped, concurrent ones kept.
 */
export function mergeSibling(siblings: readonly Version[] | undefined, v: Version): readonly Version[] | null {
  if (siblings === undefined || siblings.length === 0) return [v];
  let dropped = 0;
  for (let i = 0; i < siblings.length; i++) {
    const s = siblings[i]!;
    if (descends(s, v)) return null;
    if (descends(v, s)) dropped++;
  }
  if (dropped === 0) return [...siblings, v];
  const out: Version[] = [];
  for (let i = 0; i < siblings.length; i++) if (!descends(v, siblings[i]!)) out.push(siblings[i]!);
  out.push(v);
  return out;
}

/** The reading client's merge rule: of the siblings, the one last-write-wins would keep (newest stamp, then higher coordinator index). */
export function resolveSiblings(siblings: readonly Version[]): Version | null {
  let best: Version | null = null;
  for (let i = 0; i < siblings.length; i++) if (newer(siblings[i]!, best)) best = siblings[i]!;
  return best;
}

/** The context a client holds after reading `siblings` (and knowing `context`): the join of their vectors. */
export function joinContext(context: readonly number[] | undefined, siblings: readonly Version[]): number[] {
  const out = context === undefined ? [] : context.slice();
  for (let i = 0; i < siblings.length; i++) {
    const vv = siblings[i]!.vv!;
    for (let k = 0; k < vv.length; k++) if (k >= out.length || vv[k]! > out[k]!) out[k] = vv[k]!;
  }
  for (let k = 0; k < out.length; k++) if (out[k] === undefined) out[k] = 0;
  return out;
}

export interface LeaderlessConfig {
  /** N: how many nodes hold each key (the first N of its preference list). */
  readonly replicas: number;
  /** W and R, resolved to counts within 1..N. */
  readonly writeQuorum: number;
  readonly readQuorum: number;
  /** Use the first N healthy nodes of the preference list; a fallback stands in for a replica it believes down. */
  readonly sloppyQuorum: boolean;
  /** Keep a hint for a replica that did not acknowledge a write (and, sloppy, on the fallback) and hand it over later. */
  readonly hintedHandoff: boolean;
  readonly readRepair: ReadRepair;
  /** Each node exchanges its keys with one peer every this long; 0: never. */
  readonly antiEntropyUs: Us;
  /** Per node: added to its clock when it stamps a write (a clock behind or ahead of real time). */
  readonly clockOffsetUs: readonly number[];
  /** A coordinator gives up on replicas after this long: a read fails, a write is answered as unknown. */
  readonly requestTimeoutUs: Us;
  /** Absent: lww. */
  readonly conflicts?: Conflicts;
}

/** What a node keeps on disk: its replicas' versions and its hints survive a crash. */
export interface LeaderlessStable {
  /** Key → the newest version this node holds. Insertion order: deterministic iteration. */
  readonly store: Map<string, Version>;
  /** Target node → key → the newest version to hand to it. */
  readonly hints: Map<number, Map<string, Version>>;
  /** `conflicts: siblings`: key → the concurrent versions held (none descends from another), instead of `store`. */
  readonly siblings: Map<string, readonly Version[]>;
  /** `conflicts: siblings`: target node → key → the versions to hand to it, instead of `hints`. */
  readonly siblingHints: Map<number, Map<string, readonly Version[]>>;
  /**
   * Request ids this node has issued, over all its incarnations. Replicas
   * answer a request that was on the wire when its coordinator crashed after
   * it restarts; ids that started again from 0 would let the new incarnation
   * take those answers for answers to its own requests (a read answered with
   * another key's value, a write acknowledged before W replicas stored it).
   * A real coordinator's connections die with it; unique ids are the same.
   */
  requests: number;
}

/** Told whenever a version reaches a node's store: `kept` when it was newer than what the node held (else it was already superseded there). */
export interface LeaderlessObserver {
  received(node: number, key: string, version: Version, kept: boolean): void;
  /** `conflicts: siblings`: a coordinator created `version` (in the order the run creates them). */
  minted?(key: string, version: Version): void;
}

/** Message kinds. */
export const Msg = {
  Ping: 0,
  Write: 1,
  WriteAck: 2,
  Read: 3,
  ReadReply: 4,
  Exchange: 5,
  ExchangeReply: 6,
  Handoff: 7,
  HandoffAck: 8,
} as const;

export const MSG_NAMES: Readonly<Record<number, string>> = {
  0: 'Ping',
  1: 'Write',
  2: 'WriteAck',
  3: 'Read',
  4: 'ReadReply',
  5: 'Exchange',
  6: 'ExchangeReply',
  7: 'Handoff',
  8: 'HandoffAck',
};

/** `term` is always 0: a leaderless node has no term. */
export interface Ping extends Message {
  readonly kind: 0;
}

/** Store `version` of `key`; `req` ≥ 0 asks for a WriteAck (-1: a read repair nobody waits for). `hintFor` ≥ 0: the sender chose this node as a fallback for that replica. */
export interface Write extends Message {
  readonly kind: 1;
  readonly key: string;
  readonly version: Version;
  readonly req: number;
  readonly hintFor: number;
  /** `conflicts: siblings`, a read repair: every version to merge (`version` is the first of them). */
  readonly siblings?: readonly Version[];
}

export interface WriteAck extends Message {
  readonly kind: 2;
  readonly req: number;
}

export interface Read extends Message {
  readonly kind: 3;
  readonly key: string;
  readonly req: number;
}

export interface ReadReply extends Message {
  readonly kind: 4;
  readonly req: number;
  readonly version: Version | null;
  /** `conflicts: siblings`: the replier's siblings (`version` null). */
  readonly siblings?: readonly Version[];
}

/** Anti-entropy: the sender's versions of the keys both replicate. The reply carries the receiver's newer ones. */
export interface Exchange extends Message {
  readonly kind: 5 | 6;
  readonly keys: readonly string[];
  readonly versions: readonly Version[];
}

/** A hint handed to the replica it was kept for. */
export interface Handoff extends Message {
  readonly kind: 7 | 8;
  readonly key: string;
  readonly version: Version;
}

export type LeaderlessMessage = Ping | Write | WriteAck | Read | ReadReply | Exchange | Handoff;
