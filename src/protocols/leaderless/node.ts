import type { ClientRequest, Message, NodeContext, NodeView, ProtocolNode, Value } from '../../core/protocol.ts';
import type { Us } from '../../core/time.ts';
import type { Ring } from './ring.ts';
import {
  Msg,
  descends,
  joinContext,
  mergeSibling,
  newer,
  resolveSiblings,
  type Exchange,
  type Handoff,
  type LeaderlessConfig,
  type LeaderlessMessage,
  type LeaderlessObserver,
  type LeaderlessStable,
  type Read,
  type ReadReply,
  type Version,
  type Write,
} from './types.ts';

/**
 * A Dynamo-style node (docs/leaderless.md). Every node coordinates its own
 * clients' requests; each key lives on the first N nodes of its preference
 * list (ring.ts). A write is stamped with the coordinator's clock and sent
 * to the key's replicas, and answered `ok` once W of them stored it; a read
 * asks them and answers with the newest of the first R replies. Conflicts
 * resolve by last-write-wins on the stamp. Nothing is rolled back: a write
 * that reached fewer than W replicas stays where it landed (the client hears
 * `info`, outcome unknown).
 *
 * Plain objects, no per-message formatting: a request is one record in
 * `pending`, a message one object literal.
 */

/** Timer ids. */
const T_PING = 0;
const T_EXCHANGE = 1;
const T_HANDOFF = 2;
const T_REQUESTS = 3;
export const TIMER_NAMES: readonly string[] = ['ping', 'anti-entropy', 'handoff', 'request-timeout'];

/** Every node pings every other this often; a node not heard from for SUSPECT_US is believed down. */
export const PING_US = 100_000;
export const SUSPECT_US = 350_000;
/** How often a node offers its hints to the replicas it believes up. */
export const HANDOFF_US = 250_000;

const PING: Message = { kind: Msg.Ping, term: 0 };

/** A request this node coordinates. */
interface Pending {
  readonly req: number;
  readonly client: number;
  readonly seq: number;
  readonly key: string;
  readonly deadlineUs: Us;
  readonly read: boolean;
  /** The nodes asked (reads and writes), and which of them answered (1). */
  readonly targets: Int32Array;
  readonly answered: Uint8Array;
  answers: number;
  /** Write: the version written. Read: the newest reply so far. */
  version: Version | null;
  /** Read: each target's reply (undefined: none yet). */
  readonly replies: (Version | null | undefined)[] | null;
  /** Answered the client already. */
  replied: boolean;
  /** Blocking read repair: acknowledgements still awaited before the reply. */
  repairsOutstanding: number;
  /** Write: per target, the replica it stands in for (sloppy quorum), else -1. */
  readonly hintFor: Int32Array | null;
  /** `conflicts: siblings`, a read: the merged siblings of the first R replies, and each target's reply. */
  merged: readonly Version[];
  readonly siblingReplies: (readonly Version[] | undefined)[] | null;
}

const NO_VERSIONS: readonly Version[] = [];

export class LeaderlessNode implements ProtocolNode {
  /** When this node last heard from each node, in its local time. */
  private readonly heardUs: Float64Array;
  private readonly pending = new Map<number, Pending>();
  /** Request ids in creation order: deadlines come in this order (one timeout for all). */
  private readonly deadlines: number[] = [];
  private deadlineHead = 0;
  private lastStampUs = -Infinity;
  private exchangeRound = 0;
  /** `conflicts: siblings`: version vectors instead of last-write-wins. */
  private readonly sib: boolean;
  /**
   * `conflicts: siblings`: per client of this node, per key, the context the
   * client holds (the join of what it last read and wrote): its next write
   * descends from it. Kept here for the client, as a client library would;
   * lost in a crash, which only makes the next write concurrent with more.
   */
  private readonly contexts = new Map<number, Map<string, number[]>>();

  constructor(
    private readonly ctx: NodeContext,
    private readonly config: LeaderlessConfig,
    private readonly ring: Ring,
    readonly stable: LeaderlessStable,
    private readonly observer: LeaderlessObserver | null,
  ) {
    this.heardUs = new Float64Array(ctx.nodeCount);
    this.sib = config.conflicts === 'siblings';
  }

  start(): void {
    const now = this.ctx.now();
    // At boot every node is presumed up until it has had SUSPECT_US to speak.
    this.heardUs.fill(now);
    this.ctx.setTimer(T_PING, PING_US);
    if (this.config.antiEntropyUs > 0) this.ctx.setTimer(T_EXCHANGE, Math.floor(this.config.antiEntropyUs * (0.5 + this.ctx.random())));
    if (this.hasHints()) this.ctx.setTimer(T_HANDOFF, HANDOFF_US);
  }

  /** Versions this node holds, for the run layer (convergence, the merged state). */
  versionOf(key: string): Version | undefined {
    return this.sib ? resolveSiblings(this.stable.siblings.get(key) ?? NO_VERSIONS) ?? undefined : this.stable.store.get(key);
  }

  /** `conflicts: siblings`: the concurrent versions this node holds of `key`. */
  siblingsOf(key: string): readonly Version[] {
    return this.stable.siblings.get(key) ?? NO_VERSIONS;
  }

  /** Whether this node believes `node` is up (its failure detector). */
  believesUp(node: number): boolean {
    return node === this.ctx.self || this.ctx.now() - this.heardUs[node]! < SUSPECT_US;
  }

  // ------------------------------------------------------------------ clients

  onClientRequest(request: ClientRequest): void {
    const op = request.op;
    if (op.f === 'cas') {
      // A compare-and-set needs consensus (a Paxos round over the key's replicas, Cassandra's lightweight
      // transactions); this model does not run one, and says so rather than pretending: nothing is written.
      this.ctx.reply({ client: request.client, seq: request.seq, ok: false, error: 'unsupported' });
      return;
    }
    const read = op.f === 'read';
    const need = read ? this.config.readQuorum : this.config.writeQuorum;
    const chosen = this.chooseTargets(op.key, need);
    if (chosen === null) {
      // Too few replicas up, as this node's failure detector sees it: refused before anything is sent (Cassandra's Unavailable).
      this.ctx.reply({ client: request.client, seq: request.seq, ok: false, error: 'unavailable' });
      return;
    }
    const [targets, hintFor] = chosen;
    const req = this.stable.requests++;
    const p: Pending = {
      req,
      client: request.client,
      seq: request.seq,
      key: op.key,
      deadlineUs: this.ctx.now() + this.config.requestTimeoutUs,
      read,
      targets,
      answered: new Uint8Array(targets.length),
      answers: 0,
      version: null,
      replies: read ? new Array<Version | null | undefined>(targets.length) : null,
      replied: false,
      repairsOutstanding: 0,
      hintFor,
      merged: NO_VERSIONS,
      siblingReplies: read && this.sib ? new Array<readonly Version[] | undefined>(targets.length) : null,
    };
    this.pending.set(req, p);
    this.deadlines.push(req);
    if (this.deadlines.length - this.deadlineHead === 1) this.ctx.setTimer(T_REQUESTS, this.config.requestTimeoutUs);
    const self = this.ctx.self;
    if (read) {
      const msg: Read = { kind: Msg.Read, term: 0, key: op.key, req };
      for (let i = 0; i < targets.length; i++) if (targets[i] !== self) this.ctx.send(targets[i]!, msg);
      for (let i = 0; i < targets.length; i++) if (targets[i] === self) this.onReadReply(self, this.readReply(req, op.key));
    } else {
      const version: Version = this.sib ? this.mint(request.client, request.seq, op.key, op.value as Value) : { value: op.value as Value, ts: this.stamp(), node: self };
      p.version = version;
      for (let i = 0; i < targets.length; i++) {
        if (targets[i] === self) continue;
        const msg: Write = { kind: Msg.Write, term: 0, key: op.key, version, req, hintFor: hintFor === null ? -1 : hintFor[i]! };
        this.ctx.send(targets[i]!, msg);
      }
      for (let i = 0; i < targets.length; i++) {
        if (targets[i] !== self) continue;
        this.store(op.key, version, hintFor === null ? -1 : hintFor[i]!);
        this.onWriteAck(self, req);
      }
    }
  }

  /**
   * The nodes a request goes to, or null when fewer than `need` of them are
   * up (as this node believes). Strict: the key's N replicas, all of them
   * (those believed down simply will not answer). Sloppy: the first N nodes
   * of the preference list believed up; a fallback beyond the first N stands
   * in for the first replica believed down, and a write tells it so (a hint).
   */
  private chooseTargets(key: string, need: number): [Int32Array, Int32Array | null] | null {
    const list = this.ring.preference(key);
    const n = this.config.replicas;
    if (!this.config.sloppyQuorum) {
      let up = 0;
      for (let i = 0; i < n; i++) if (this.believesUp(list[i]!)) up++;
      if (up < need) return null;
      return [list.subarray(0, n), null];
    }
    const targets = new Int32Array(n);
    const hintFor = new Int32Array(n).fill(-1);
    let found = 0;
    let down = 0;
    const downReplicas = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (this.believesUp(list[i]!)) targets[found++] = list[i]!;
      else downReplicas[down++] = list[i]!;
    }
    let d = 0;
    for (let i = n; i < list.length && found < n; i++) {
      if (!this.believesUp(list[i]!)) continue;
      hintFor[found] = downReplicas[d++]!;
      targets[found++] = list[i]!;
    }
    if (found < need) return null;
    return [targets.subarray(0, found), hintFor.subarray(0, found)];
  }

  /**
   * `conflicts: siblings`: a new version for a client's write. Its vector is
   * the client's context with the client's own entry set to this operation's
   * number (which only grows): it descends from every version the client
   * read or wrote, and from nothing else.
   */
  private mint(client: number, seq: number, key: string, value: Value): Version {
    let forClient = this.contexts.get(client);
    if (forClient === undefined) this.contexts.set(client, (forClient = new Map()));
    const context = forClient.get(key);
    const vv = context === undefined ? [] : context.slice();
    for (let k = vv.length; k <= client; k++) vv.push(0);
    vv[client] = seq;
    forClient.set(key, vv);
    const version: Version = { value, ts: this.stamp(), node: this.ctx.self, vv };
    this.observer?.minted?.(key, version);
    return version;
  }

  private readReply(req: number, key: string): ReadReply {
    return this.sib
      ? { kind: Msg.ReadReply, term: 0, req, version: null, siblings: this.stable.siblings.get(key) ?? NO_VERSIONS }
      : { kind: Msg.ReadReply, term: 0, req, version: this.stable.store.get(key) ?? null };
  }

  /** A write's stamp: this node's clock (with its offset), strictly increasing here. */
  private stamp(): number {
    const t = Math.max(this.ctx.now() + this.config.clockOffsetUs[this.ctx.self]!, this.lastStampUs + 1);
    this.lastStampUs = t;
    return t;
  }

  // ------------------------------------------------------------------ messages

  onMessage(from: number, message: Message): void {
    this.heardUs[from] = this.ctx.now();
    const msg = message as LeaderlessMessage;
    switch (msg.kind) {
      case Msg.Ping:
        return;
      case Msg.Write: {
        if (msg.siblings !== undefined) for (let i = 0; i < msg.siblings.length; i++) this.store(msg.key, msg.siblings[i]!, -1);
        else this.store(msg.key, msg.version, msg.hintFor);
        if (msg.req >= 0) this.ctx.send(from, { kind: Msg.WriteAck, term: 0, req: msg.req } as Message);
        return;
      }
      case Msg.WriteAck:
        this.onWriteAck(from, msg.req);
        return;
      case Msg.Read:
        this.ctx.send(from, this.readReply(msg.req, msg.key));
        return;
      case Msg.ReadReply:
        this.onReadReply(from, msg);
        return;
      case Msg.Exchange:
      case Msg.ExchangeReply:
        this.onExchange(from, msg);
        return;
      case Msg.Handoff:
        this.store(msg.key, msg.version, -1);
        this.ctx.send(from, { kind: Msg.HandoffAck, term: 0, key: msg.key, version: msg.version } as Handoff);
        return;
      case Msg.HandoffAck: {
        if (this.sib) {
          this.siblingHandedOff(from, msg.key, msg.version);
          return;
        }
        const forTarget = this.stable.hints.get(from);
        if (forTarget !== undefined && forTarget.get(msg.key) === msg.version) {
          forTarget.delete(msg.key);
          if (forTarget.size === 0) this.stable.hints.delete(from);
        }
        return;
      }
    }
  }

  /** Keeps `version` if it is newer than what this node holds; as a fallback (`hintFor` ≥ 0), also a hint for that replica. */
  private store(key: string, version: Version, hintFor: number): void {
    if (hintFor >= 0 && this.config.hintedHandoff) this.addHint(hintFor, key, version);
    if (this.sib) {
      const merged = mergeSibling(this.stable.siblings.get(key), version);
      if (merged !== null) this.stable.siblings.set(key, merged);
      this.observer?.received(this.ctx.self, key, version, merged !== null);
      return;
    }
    const current = this.stable.store.get(key);
    const kept = newer(version, current);
    if (kept) this.stable.store.set(key, version);
    this.observer?.received(this.ctx.self, key, version, kept);
  }

  private addHint(target: number, key: string, version: Version): void {
    if (this.sib) {
      let forTarget = this.stable.siblingHints.get(target);
      if (forTarget === undefined) {
        forTarget = new Map();
        this.stable.siblingHints.set(target, forTarget);
      }
      const merged = mergeSibling(forTarget.get(key), version);
      if (merged !== null) forTarget.set(key, merged);
      if (this.stable.siblingHints.size === 1 && forTarget.size === 1 && merged !== null && merged.length === 1) this.ctx.setTimer(T_HANDOFF, HANDOFF_US);
      return;
    }
    let forTarget = this.stable.hints.get(target);
    if (forTarget === undefined) {
      forTarget = new Map();
      this.stable.hints.set(target, forTarget);
    }
    if (newer(version, forTarget.get(key))) forTarget.set(key, version);
    if (this.stable.hints.size === 1 && forTarget.size === 1) this.ctx.setTimer(T_HANDOFF, HANDOFF_US);
  }

  private hasHints(): boolean {
    return this.stable.hints.size > 0 || this.stable.siblingHints.size > 0;
  }

  /** `conflicts: siblings`: the target acknowledged a handed-off version: drop it from the hints. */
  private siblingHandedOff(target: number, key: string, version: Version): void {
    const forTarget = this.stable.siblingHints.get(target);
    const list = forTarget?.get(key);
    if (forTarget === undefined || list === undefined) return;
    const i = list.indexOf(version);
    if (i < 0) return;
    if (list.length === 1) forTarget.delete(key);
    else forTarget.set(key, list.filter((v) => v !== version));
    if (forTarget.size === 0) this.stable.siblingHints.delete(target);
  }

  private indexOf(p: Pending, node: number): number {
    for (let i = 0; i < p.targets.length; i++) if (p.targets[i] === node) return i;
    return -1;
  }

  private onWriteAck(from: number, req: number): void {
    const p = this.pending.get(req);
    if (p === undefined) return;
    const i = this.indexOf(p, from);
    if (i < 0 || p.answered[i] === 1) return;
    p.answered[i] = 1;
    p.answers++;
    if (p.read) {
      // A blocking read repair's acknowledgement.
      if (!p.replied && --p.repairsOutstanding === 0) this.answerRead(p);
      return;
    }
    if (!p.replied && p.answers >= this.config.writeQuorum) {
      p.replied = true;
      this.ctx.reply({ client: p.client, seq: p.seq, ok: true });
    }
    if (p.answers === p.targets.length) this.pending.delete(req);
  }

  private onReadReply(from: number, msg: ReadReply): void {
    const p = this.pending.get(msg.req);
    if (p === undefined || !p.read) return;
    if (this.sib) {
      this.onSiblingsReply(from, p, msg.siblings ?? NO_VERSIONS);
      return;
    }
    const i = this.indexOf(p, from);
    if (i < 0 || p.replies![i] !== undefined) return;
    p.replies![i] = msg.version;
    // Replies count once each; the answer is the newest of the first R, fixed once they are in.
    let count = 0;
    for (let k = 0; k < p.replies!.length; k++) if (p.replies![k] !== undefined) count++;
    if (count <= this.config.readQuorum && msg.version !== null && newer(msg.version, p.version)) p.version = msg.version;
    if (count < this.config.readQuorum) return;
    const mode = this.config.readRepair;
    if (count === this.config.readQuorum) {
      if (mode === 'blocking') {
        // Cassandra's BLOCKING read repair: bring the stale repliers up to date before answering.
        let stale = 0;
        for (let k = 0; k < p.targets.length; k++) if (p.replies![k] !== undefined && this.isStale(p.replies![k]!, p.version)) stale++;
        if (stale === 0) {
          this.answerRead(p);
          return;
        }
        p.repairsOutstanding = stale;
        for (let k = 0; k < p.targets.length; k++) if (p.replies![k] !== undefined && this.isStale(p.replies![k]!, p.version)) this.sendRepair(p, k, true);
        return;
      }
      this.answerRead(p);
      if (mode === 'async') this.repairStale(p);
      return;
    }
    // A late reply (or one during a blocking repair): repair it if it is behind.
    if (mode !== 'none' && this.isStale(msg.version, p.version)) this.sendRepair(p, i, false);
  }

  private isStale(v: Version | null, newest: Version | null): boolean {
    return newest !== null && (v === null || newer(newest, v));
  }

  private repairStale(p: Pending): void {
    for (let k = 0; k < p.targets.length; k++) {
      const r = p.replies![k];
      if (r !== undefined && this.isStale(r, p.version)) this.sendRepair(p, k, false);
    }
  }

  /** Pushes the read's newest version to target k; `wait`: its acknowledgement counts toward a blocking repair. */
  private sendRepair(p: Pending, k: number, wait: boolean): void {
    const node = p.targets[k]!;
    if (this.sib) {
      if (node === this.ctx.self) {
        for (let m = 0; m < p.merged.length; m++) this.store(p.key, p.merged[m]!, -1);
        if (wait) this.onWriteAck(node, p.req);
        return;
      }
      this.ctx.send(node, { kind: Msg.Write, term: 0, key: p.key, version: p.merged[0]!, req: wait ? p.req : -1, hintFor: -1, siblings: p.merged } as Write);
      return;
    }
    if (node === this.ctx.self) {
      this.store(p.key, p.version!, -1);
      if (wait) this.onWriteAck(node, p.req);
      return;
    }
    this.ctx.send(node, { kind: Msg.Write, term: 0, key: p.key, version: p.version!, req: wait ? p.req : -1, hintFor: -1 } as Write);
  }

  /**
   * `conflicts: siblings`: a read merges the first R replies by dominance
   * (the versions no other one descends from); read repair sends a replica
   * that lacks some of them the whole merged set, which it merges the same
   * way. The client resolves the siblings when it is answered.
   */
  private onSiblingsReply(from: number, p: Pending, siblings: readonly Version[]): void {
    const i = this.indexOf(p, from);
    const replies = p.siblingReplies!;
    if (i < 0 || replies[i] !== undefined) return;
    replies[i] = siblings;
    let count = 0;
    for (let k = 0; k < replies.length; k++) if (replies[k] !== undefined) count++;
    if (count <= this.config.readQuorum) {
      let merged = p.merged;
      for (let k = 0; k < siblings.length; k++) merged = mergeSibling(merged, siblings[k]!) ?? merged;
      p.merged = merged;
    }
    if (count < this.config.readQuorum) return;
    const mode = this.config.readRepair;
    if (count === this.config.readQuorum) {
      if (mode === 'blocking') {
        let stale = 0;
        for (let k = 0; k < p.targets.length; k++) if (replies[k] !== undefined && this.lacks(replies[k]!, p.merged)) stale++;
        if (stale === 0) {
          this.answerRead(p);
          return;
        }
        p.repairsOutstanding = stale;
        for (let k = 0; k < p.targets.length; k++) if (replies[k] !== undefined && this.lacks(replies[k]!, p.merged)) this.sendRepair(p, k, true);
        return;
      }
      this.answerRead(p);
      if (mode === 'async') for (let k = 0; k < p.targets.length; k++) if (replies[k] !== undefined && this.lacks(replies[k]!, p.merged)) this.sendRepair(p, k, false);
      return;
    }
    if (mode !== 'none' && this.lacks(siblings, p.merged)) this.sendRepair(p, i, false);
  }

  /** Whether a replica holding `held` lacks some of `merged` (no held version descends from it). */
  private lacks(held: readonly Version[], merged: readonly Version[]): boolean {
    outer: for (let m = 0; m < merged.length; m++) {
      for (let h = 0; h < held.length; h++) if (descends(held[h]!, merged[m]!)) continue outer;
      return true;
    }
    return false;
  }

  private answerRead(p: Pending): void {
    if (this.sib) {
      // The reading client merges the siblings (the newest stamp wins the read) and keeps their joined
      // context: its next write descends from all of them, which resolves the conflict on the replicas.
      p.replied = true;
      const chosen = resolveSiblings(p.merged);
      if (p.merged.length > 0) {
        let forClient = this.contexts.get(p.client);
        if (forClient === undefined) this.contexts.set(p.client, (forClient = new Map()));
        forClient.set(p.key, joinContext(forClient.get(p.key), p.merged));
      }
      this.ctx.reply({ client: p.client, seq: p.seq, ok: true, value: chosen === null ? null : chosen.value });
      return;
    }
    p.replied = true;
    this.ctx.reply({ client: p.client, seq: p.seq, ok: true, value: p.version === null ? null : p.version.value });
  }

  // ------------------------------------------------------------------ anti-entropy

  /** Sends `peer` this node's versions of the keys both replicate (the reply brings back the peer's newer ones). */
  private exchangeWith(peer: number): void {
    const keys: string[] = [];
    const versions: Version[] = [];
    if (this.sib) {
      // One entry per sibling: a key appears once for each version held.
      for (const [key, siblings] of this.stable.siblings) {
        if (!this.ring.isReplica(key, peer, this.config.replicas) || !this.ring.isReplica(key, this.ctx.self, this.config.replicas)) continue;
        for (let i = 0; i < siblings.length; i++) {
          keys.push(key);
          versions.push(siblings[i]!);
        }
      }
      this.ctx.send(peer, { kind: Msg.Exchange, term: 0, keys, versions } as Exchange);
      return;
    }
    for (const [key, version] of this.stable.store) {
      if (!this.ring.isReplica(key, peer, this.config.replicas) || !this.ring.isReplica(key, this.ctx.self, this.config.replicas)) continue;
      keys.push(key);
      versions.push(version);
    }
    this.ctx.send(peer, { kind: Msg.Exchange, term: 0, keys, versions } as Exchange);
  }

  private onExchange(from: number, msg: Exchange): void {
    if (this.sib) {
      this.onSiblingsExchange(from, msg);
      return;
    }
    const mine = this.stable.store;
    const n = this.config.replicas;
    const self = this.ctx.self;
    let replyKeys: string[] | null = null;
    let replyVersions: Version[] | null = null;
    const sent = new Set<string>();
    for (let i = 0; i < msg.keys.length; i++) {
      const key = msg.keys[i]!;
      sent.add(key);
      // Only for keys this node replicates: a fallback's copy travels by handoff, not anti-entropy.
      if (!this.ring.isReplica(key, self, n)) continue;
      const theirs = msg.versions[i]!;
      const ours = mine.get(key);
      if (newer(theirs, ours)) this.store(key, theirs, -1);
      else if (ours !== undefined && ours !== theirs && msg.kind === Msg.Exchange) {
        (replyKeys ??= []).push(key);
        (replyVersions ??= []).push(ours);
      }
    }
    if (msg.kind !== Msg.Exchange) return;
    // Keys the peer did not mention but should hold.
    for (const [key, version] of mine) {
      if (sent.has(key) || !this.ring.isReplica(key, from, n) || !this.ring.isReplica(key, self, n)) continue;
      (replyKeys ??= []).push(key);
      (replyVersions ??= []).push(version);
    }
    if (replyKeys !== null) this.ctx.send(from, { kind: Msg.ExchangeReply, term: 0, keys: replyKeys, versions: replyVersions! } as Exchange);
  }

  /** `conflicts: siblings`: merges the peer's versions by dominance; the reply carries what the peer lacks. */
  private onSiblingsExchange(from: number, msg: Exchange): void {
    const n = this.config.replicas;
    const self = this.ctx.self;
    const theirs = new Map<string, Version[]>();
    for (let i = 0; i < msg.keys.length; i++) {
      const key = msg.keys[i]!;
      let list = theirs.get(key);
      if (list === undefined) theirs.set(key, (list = []));
      list.push(msg.versions[i]!);
      // Only for keys this node replicates: a fallback's copy travels by handoff, not anti-entropy.
      if (this.ring.isReplica(key, self, n)) this.store(key, msg.versions[i]!, -1);
    }
    if (msg.kind !== Msg.Exchange) return;
    let replyKeys: string[] | null = null;
    let replyVersions: Version[] | null = null;
    for (const [key, siblings] of this.stable.siblings) {
      if (!this.ring.isReplica(key, from, n) || !this.ring.isReplica(key, self, n)) continue;
      const sent = theirs.get(key) ?? NO_VERSIONS;
      for (let i = 0; i < siblings.length; i++) {
        if (sent.includes(siblings[i]!)) continue;
        (replyKeys ??= []).push(key);
        (replyVersions ??= []).push(siblings[i]!);
      }
    }
    if (replyKeys !== null) this.ctx.send(from, { kind: Msg.ExchangeReply, term: 0, keys: replyKeys, versions: replyVersions! } as Exchange);
  }

  // ------------------------------------------------------------------ timers

  onTimer(timer: number): void {
    switch (timer) {
      case T_PING:
        for (let j = 0; j < this.ctx.nodeCount; j++) if (j !== this.ctx.self) this.ctx.send(j, PING);
        this.ctx.setTimer(T_PING, PING_US);
        return;
      case T_EXCHANGE: {
        const n = this.ctx.nodeCount;
        if (n > 1) {
          // Round robin over the other nodes: every pair meets within n - 1 rounds.
          const peer = (this.ctx.self + 1 + (this.exchangeRound++ % (n - 1))) % n;
          this.exchangeWith(peer);
        }
        this.ctx.setTimer(T_EXCHANGE, this.config.antiEntropyUs);
        return;
      }
      case T_HANDOFF:
        for (const [target, forTarget] of this.stable.siblingHints) {
          if (!this.believesUp(target)) continue;
          for (const [key, list] of forTarget) for (let i = 0; i < list.length; i++) this.ctx.send(target, { kind: Msg.Handoff, term: 0, key, version: list[i]! } as Handoff);
        }
        for (const [target, forTarget] of this.stable.hints) {
          if (!this.believesUp(target)) continue;
          for (const [key, version] of forTarget) this.ctx.send(target, { kind: Msg.Handoff, term: 0, key, version } as Handoff);
        }
        if (this.hasHints()) this.ctx.setTimer(T_HANDOFF, HANDOFF_US);
        return;
      case T_REQUESTS:
        this.expire();
        return;
    }
  }

  /** Requests past their deadline: a read not yet answered fails; a write short of W is answered as unknown (it may have landed). */
  private expire(): void {
    const now = this.ctx.now();
    while (this.deadlineHead < this.deadlines.length) {
      const req = this.deadlines[this.deadlineHead]!;
      const p = this.pending.get(req);
      if (p !== undefined && p.deadlineUs > now) break;
      this.deadlineHead++;
      if (p === undefined) continue;
      this.pending.delete(req);
      if (!p.read && this.config.hintedHandoff) {
        // A hint for every replica that did not acknowledge, kept by the coordinator (Cassandra's hints).
        for (let i = 0; i < p.targets.length; i++) {
          if (p.answered[i] === 1) continue;
          const target = p.hintFor !== null && p.hintFor[i]! >= 0 ? p.hintFor[i]! : p.targets[i]!;
          if (target !== this.ctx.self) this.addHint(target, p.key, p.version!);
        }
      }
      if (p.replied) continue;
      if (p.read) this.ctx.reply({ client: p.client, seq: p.seq, ok: false, error: 'timeout' });
      else this.ctx.reply({ client: p.client, seq: p.seq, ok: false, indeterminate: true, error: 'timeout' });
    }
    if (this.deadlineHead === this.deadlines.length) {
      this.deadlines.length = 0;
      this.deadlineHead = 0;
      return;
    }
    if (this.deadlineHead > 1024) {
      this.deadlines.splice(0, this.deadlineHead);
      this.deadlineHead = 0;
    }
    const next = this.pending.get(this.deadlines[this.deadlineHead]!)!;
    this.ctx.setTimer(T_REQUESTS, Math.max(0, next.deadlineUs - now));
  }

  view(): NodeView {
    const keys = this.sib ? this.stable.siblings.size : this.stable.store.size;
    return { role: 'node', term: 0, logLength: keys, commitIndex: keys };
  }
}
