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
}

/** a wins over b under last-write-wins (b null: no version yet). */
export function newer(a: Version, b: Version | null | undefined): boolean {
  if (b === null || b === undefined) return true;
  return a.ts > b.ts || (a.ts === b.ts && a.node > b.node);
}

export type ReadRepair = 'none' | 'async' | 'blocking';

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
}

/** What a node keeps on disk: its replicas' versions and its hints survive a crash. */
export interface LeaderlessStable {
  /** Key → the newest version this node holds. Insertion order: deterministic iteration. */
  readonly store: Map<string, Version>;
  /** Target node → key → the newest version to hand to it. */
  readonly hints: Map<number, Map<string, Version>>;
}

/** Told whenever a version reaches a node's store: `kept` when it was newer than what the node held (else it was already superseded there). */
export interface LeaderlessObserver {
  received(node: number, key: string, version: Version, kept: boolean): void;
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
