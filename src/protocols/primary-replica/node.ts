import { assert } from '../../core/assert.ts';
import type { ClientOp, ClientReply, ClientRequest, Message, NodeContext, NodeView, ProtocolNode } from '../../core/protocol.ts';
import type { Us } from '../../core/time.ts';
import { KvStateMachine } from '../kv.ts';
import { grantedRecord, mayBePromoted, mergedView, refusal, type GrantRules, type Refusal } from './lock.ts';
import { initialRole, nextRole, type Role, type RoleEvent, type RoleSnapshot } from './roles.ts';
import { atLeast, betterCandidate, chooseSyncSet, syncConfirmedIndex } from './sync.ts';
import {
  MsgKind,
  type Entry,
  type Forward,
  type ForwardReply,
  type LockHeld,
  type LockRecord,
  type LockReply,
  type LockRelease,
  type LockRequest,
  type LogPosition,
  type PrimaryReplicaConfig,
  type PrimaryReplicaMessage,
  type PrimaryReplicaObserver,
  type PrimaryReplicaStable,
  type Probe,
  type ProbeReply,
  type Ship,
  type ShipReply,
  type SyncEligibility,
} from './types.ts';

const TIMER_SHIP = 0;
const TIMER_RENEW = 1;
const TIMER_LEASE = 2;
const TIMER_WATCH = 3;
const TIMER_CANDIDACY = 4;
const TIMER_SEMI_SYNC = 5;
/** By timer id, for the UI. */
export const TIMER_NAMES: readonly string[] = ['ship', 'renew', 'lease', 'watch', 'candidacy', 'semi-sync'];

const NOT_IN_FLIGHT = -1;

/** The epochs of the last `tailMax` entries of a WAL (the sentinel excluded), oldest first. */
export function walTail(log: readonly Entry[], tailMax: number): number[] {
  const epochs: number[] = [];
  for (let i = Math.max(1, log.length - tailMax); i < log.length; i++) epochs.push(log[i]!.epoch);
  return epochs;
}

type Outcome = Omit<ClientReply, 'client' | 'seq'>;

/** A write of the primary's tenure waiting to be answered. */
interface PendingWrite {
  readonly index: number;
  readonly client: number;
  readonly seq: number;
  /** The node whose client asked: the primary itself, or the replica that forwarded it. */
  readonly origin: number;
  readonly appendUs: Us;
  /** undefined until applied; null for a duplicate (its first copy answers). */
  outcome: Outcome | null | undefined;
}

/** A read the primary holds until the entries it inherited are confirmed (after-sync). */
interface WaitingRead {
  readonly client: number;
  readonly seq: number;
  readonly key: string;
  /** The node whose client asked: the primary itself, or the replica that forwarded it. */
  readonly origin: number;
}

/**
 * One database server of a log-shipping cluster (PostgreSQL streaming
 * replication, MySQL binlog replication) with a Patroni-like failover
 * manager, as a pure state machine: every input is a message, a timer or a
 * client request; every output goes through the `NodeContext`.
 *
 * Roles: `primary` (appends client writes to its WAL and ships it, in
 * order, to every replica), `replica` (receives, applies, acknowledges;
 * forwards its clients' writes to the primary it believes in) and
 * `candidate` (a replica that saw the leader lock lapse and is checking
 * whether it should take it).
 *
 * The leader lock: every node keeps a copy of the lock record and grants it
 * to one holder at a time (see lock.ts); a majority of grants is the lock.
 * The primary renews every failoverTimeout/3 and, when a majority granted,
 * tells everyone (LockHeld). A replica that has not heard LockHeld for a
 * failoverTimeout probes its peers and, if it is the most up-to-date
 * reachable eligible one, asks for the lock at a new epoch.
 *
 * A node that hears of a newer epoch than the one it is primary of demotes
 * itself and follows; the new primary's shipments make it discard what the
 * new primary lacks (pg_rewind) — acknowledged writes among them are lost.
 */
export class PrimaryReplicaNode implements ProtocolNode {
  private role: Role = 'replica';
  private roleSnapshot: RoleSnapshot = initialRole();
  /** The primary this node believes in; -1 when it knows none. */
  private primaryId = -1;
  private kv = new KvStateMachine();
  private appliedIndex = 0;
  private readonly self: number;
  private readonly n: number;
  private readonly majority: number;
  private readonly ttlUs: Us;
  private readonly grantRules: GrantRules;

  // ---- as primary
  private primaryEpoch = 0;
  private readonly nextIndex: Int32Array;
  private readonly matchIndex: Float64Array;
  /** Local time the unanswered shipment to each replica left, or NOT_IN_FLIGHT: one batch in flight per replica. */
  private readonly inFlightSinceUs: Float64Array;
  /** The last index of the latest shipment to each replica (0: none since taking office). */
  private readonly sentIndex: Int32Array;
  private readonly scratch: Float64Array;
  /** The highest index whose replication requirement is met: writes up to it may be answered. */
  private confirmedIndex = 0;
  private semiSyncOn = true;
  private pending: PendingWrite[] = [];
  private pendingHead = 0;
  private applyCursor = 0;
  /** The local time semi-sync's timer was armed for (when the oldest wait began); -1: not armed. */
  private semiSyncArmedFor = -1;
  /** The last index this primary inherited when it took office, and when that was: see becomePrimary. */
  private inheritedIndex = 0;
  private tookOfficeUs: Us = 0;
  private readsWaiting: WaitingRead[] = [];
  private syncSet: readonly number[] = [];
  private syncBase: LogPosition = { epoch: 0, index: 0 };
  /** A majority recorded this tenure's eligibility (what `syncSet` and `syncBase` promise): see becomePrimary. */
  private syncPublished = true;

  // ---- as lock holder or candidate
  private holdsLock = false;
  private leaseUntilUs: Us = Number.NEGATIVE_INFINITY;
  private round = 0;
  private renewRound = -1;
  private renewSentUs: Us = 0;
  private readonly grants: Uint8Array;
  private grantCount = 0;
  private roundWon = false;

  // ---- as a DCS member (granter)
  private promiseUntilUs: Us = 0;

  // ---- as replica or candidate
  /** Local time until which the lock counts as held: a failoverTimeout after the last LockHeld. */
  private lockSeenUntilUs: Us = 0;
  /** The newest lock record this node knows of (from LockHeld or its own grants). */
  private viewRecord: LockRecord;
  /** probe: asking peers how far they are; acquire: asking for the lock; wait: until refusing promises run out. */
  private candidacy: 'probe' | 'acquire' | 'wait' | null = null;
  private probeRound = -1;
  private readonly answered: Uint8Array;
  private readonly answerEpoch: Float64Array;
  private readonly answerIndex: Float64Array;
  private readonly answerEligible: Uint8Array;
  private readonly answerPrimary: Uint8Array;
  private answers = 0;
  private epochHeard = 0;
  private acquireRound = -1;
  private acquireEpoch = 0;
  private acquireSentUs: Us = 0;
  private acquireSet: readonly number[] = [];
  private acquireBase: LogPosition = { epoch: 0, index: 0 };
  private refusals = 0;
  /** Local time until which some node that refused still promises the lock to the old holder. */
  private heldUntilUs: Us = 0;
  private acquireRetried = false;
  /** Per node: since when (local time) this node has stood back for it as the better candidate; -1: it has not. */
  private readonly deferredSinceUs: Float64Array;

  // ---- as the node a client is bound to
  /** Requests of this node's clients forwarded to the primary, by client. */
  private readonly waiting = new Map<number, ClientRequest>();
  /** Cascading replication: per node, the replica feeding it (-1: the primary); whether this node feeds any. */
  private readonly upstream: readonly number[];
  private readonly feeds: boolean;
  /** Some replica is fed by another (the primary then watches the feeders). */
  private readonly feedsAny: boolean;
  /** A primary: when each replica last answered a shipment (local time), to tell a feeder that went quiet. */
  private readonly answeredUs: Float64Array;

  constructor(
    private readonly ctx: NodeContext,
    private readonly config: PrimaryReplicaConfig,
    private readonly stable: PrimaryReplicaStable,
    private readonly observer: PrimaryReplicaObserver | null,
  ) {
    this.self = ctx.self;
    this.n = ctx.nodeCount;
    this.majority = Math.floor(this.n / 2) + 1;
    this.ttlUs = config.failoverTimeoutUs;
    this.grantRules = { syncSetOnly: config.replication === 'sync' && config.syncMode === 'first' };
    this.viewRecord = stable.promise;
    this.nextIndex = new Int32Array(this.n);
    this.matchIndex = new Float64Array(this.n);
    this.inFlightSinceUs = new Float64Array(this.n).fill(NOT_IN_FLIGHT);
    this.sentIndex = new Int32Array(this.n);
    this.scratch = new Float64Array(this.n);
    this.grants = new Uint8Array(this.n);
    this.answered = new Uint8Array(this.n);
    this.answerEpoch = new Float64Array(this.n);
    this.answerIndex = new Float64Array(this.n);
    this.answerEligible = new Uint8Array(this.n);
    this.answerPrimary = new Uint8Array(this.n);
    this.deferredSinceUs = new Float64Array(this.n).fill(-1);
    this.upstream = config.upstream ?? new Array<number>(this.n).fill(-1);
    this.feeds = this.upstream.includes(this.self);
    this.feedsAny = this.upstream.some((u) => u >= 0);
    this.answeredUs = new Float64Array(this.n);
  }

  // ---- inputs ---------------------------------------------------------------

  start(): void {
    const now = this.ctx.now();
    if (this.feeds) this.ctx.setTimer(TIMER_SHIP, this.config.shipIntervalUs);
    // After a restart a node cannot know how long ago it promised the lock: it keeps the promise a full TTL.
    this.promiseUntilUs = now + this.ttlUs;
    this.lockSeenUntilUs = now + this.ttlUs;
    this.observer?.applyReset(this.self);
    // A restarted server replays its WAL (crash recovery): everything it holds becomes visible.
    this.applyTo(this.lastIndex());
    const firstBoot = this.stable.firstBoot;
    this.stable.firstBoot = false;
    if (this.config.failover === 'none') {
      // A fixed primary, as in a plain streaming-replication set-up without a failover manager.
      if (this.self === 0) this.becomePrimary(this.stable.epoch, now, this.stable.promise.sync.standbys, this.position(), true);
      else this.primaryId = 0;
      return;
    }
    if (firstBoot && this.stable.promise.holder === this.self) {
      // The first primary's eligibility is in every node's initial record: already published.
      this.becomePrimary(this.stable.promise.epoch, now, this.stable.promise.sync.standbys, this.stable.promise.sync.base, true);
      return;
    }
    // Like Patroni reading the leader key from the DCS at start-up.
    this.primaryId = this.stable.promise.holder === this.self ? -1 : this.stable.promise.holder;
    this.ctx.setTimer(TIMER_WATCH, this.ttlUs);
  }

  onTimer(timer: number): void {
    switch (timer) {
      case TIMER_SHIP:
        if (this.role === 'primary') this.tickShip();
        else if (this.feeds) this.tickRelay();
        return;
      case TIMER_RENEW:
        if (this.role === 'primary') this.startRenewal();
        return;
      case TIMER_LEASE:
        if (this.role === 'primary') this.checkLease();
        return;
      case TIMER_WATCH:
        return this.watchLock();
      case TIMER_CANDIDACY:
        return this.candidacyTimedOut();
      case TIMER_SEMI_SYNC:
        if (this.role === 'primary') this.checkSemiSync();
        return;
      default:
        assert(false, `unknown timer ${timer}`);
    }
  }

  onMessage(from: number, msg: Message): void {
    const m = msg as PrimaryReplicaMessage;
    // Epochs once, up front: a shipment, its answer or a lock announcement of a newer epoch means a newer primary.
    if ((m.kind === MsgKind.Ship || m.kind === MsgKind.ShipReply || m.kind === MsgKind.LockHeld) && m.term > this.stable.epoch) {
      this.raiseEpoch(m.term, m.kind === MsgKind.ShipReply || (m.kind === MsgKind.Ship && m.relay === true) ? -1 : from, `heard of a newer primary (epoch ${m.term})`);
    }
    switch (m.kind) {
      case MsgKind.Ship:
        return this.handleShip(from, m);
      case MsgKind.ShipReply:
        return this.handleShipReply(from, m);
      case MsgKind.Forward:
        return this.handleForward(from, m);
      case MsgKind.ForwardReply:
        return this.handleForwardReply(m);
      case MsgKind.LockRequest:
        return this.handleLockRequest(from, m);
      case MsgKind.LockReply:
        return this.handleLockReply(from, m);
      case MsgKind.LockHeld:
        return this.handleLockHeld(from, m);
      case MsgKind.Probe:
        return this.handleProbe(from, m);
      case MsgKind.ProbeReply:
        return this.handleProbeReply(from, m);
      case MsgKind.LockRelease:
        return this.handleLockRelease(from, m);
    }
  }

  onClientRequest(request: ClientRequest): void {
    const op = request.op;
    // A primary whose lock lapsed while it was paused acts on the lapse before anything queued meanwhile.
    if (this.role === 'primary') this.checkLease();
    if (op.f === 'read' && this.role === 'primary') return this.serveRead(request.client, request.seq, op.key, this.self);
    if (op.f === 'read' && this.config.reads === 'any') {
      // Served from this node's own copy: a hot standby's may be behind, or hold what is later discarded.
      this.ctx.reply({ client: request.client, seq: request.seq, ok: true, value: this.kv.read(op.key) });
      return;
    }
    if (this.role === 'primary') {
      this.appendClientEntry(request.client, request.seq, op, this.self);
      return;
    }
    if (this.primaryId < 0) {
      // The request never left this node: it definitely took no effect.
      this.ctx.reply({ client: request.client, seq: request.seq, ok: false, error: 'no primary' });
      return;
    }
    this.waiting.set(request.client, request);
    const forward: Forward = { kind: MsgKind.Forward, term: this.stable.epoch, client: request.client, seq: request.seq, op };
    this.ctx.send(this.primaryId, forward);
  }

  view(tailMax = 0): NodeView {
    return {
      role: this.role,
      term: this.role === 'primary' ? this.primaryEpoch : this.stable.epoch,
      logLength: this.lastIndex(),
      commitIndex: this.role === 'primary' ? this.confirmedIndex : this.appliedIndex,
      appliedIndex: this.appliedIndex,
      leader: this.role === 'primary' ? this.self : this.primaryId,
      logTailTerms: walTail(this.stable.log, tailMax),
      holdsLock: this.holdsLock,
      ...(this.role === 'primary' ? { syncStandbys: this.syncSet } : {}),
    };
  }

  // ---- queries (for the protocol host, checks and tests) ---------------------

  get currentRole(): Role {
    return this.role;
  }

  /** The epoch this node is primary of, or the highest it knows of. */
  get epoch(): number {
    return this.role === 'primary' ? this.primaryEpoch : this.stable.epoch;
  }

  get log(): readonly Entry[] {
    return this.stable.log;
  }

  get semiSyncActive(): boolean {
    return this.semiSyncOn;
  }

  lastIndex(): number {
    return this.stable.log.length - 1;
  }

  position(): LogPosition {
    const log = this.stable.log;
    return { epoch: log[log.length - 1]!.epoch, index: log.length - 1 };
  }

  private lastEpoch(): number {
    const log = this.stable.log;
    return log[log.length - 1]!.epoch;
  }

  // ---- roles -----------------------------------------------------------------

  private changeRole(event: RoleEvent): void {
    const next = nextRole(this.roleSnapshot, event);
    assert(next !== null, `illegal role change: ${this.role} on ${event.type}`);
    this.roleSnapshot = next;
    this.role = next.value as Role;
  }

  /** A newer epoch exists: a primary of an older one demotes itself; a candidate for an epoch it cannot get gives up. */
  private raiseEpoch(epoch: number, newPrimary: number, why: string): void {
    if (epoch <= this.stable.epoch) return;
    this.stable.epoch = epoch;
    if (this.role === 'primary' && this.primaryEpoch < epoch) this.demote(why, newPrimary);
    else if (this.role === 'candidate' && this.candidacy !== 'probe' && this.acquireEpoch <= epoch && newPrimary !== this.self) this.giveUp();
  }

  /**
   * Takes office. `syncSet` confirms this tenure's writes; under
   * `replication: sync` with `first` they are acknowledged only once a
   * majority recorded who may be promoted after this primary (`published`).
   */
  private becomePrimary(epoch: number, leaseFromUs: Us, syncSet: readonly number[], syncBase: LogPosition, published: boolean): void {
    assert(epoch >= this.stable.epoch, `taking office in epoch ${epoch} below the known epoch ${this.stable.epoch}`);
    this.changeRole(this.role === 'candidate' ? { type: 'LOCK_WON' } : { type: 'BOOT_AS_PRIMARY' });
    this.candidacy = null;
    this.ctx.cancelTimer(TIMER_CANDIDACY);
    this.ctx.cancelTimer(TIMER_WATCH);
    this.primaryEpoch = epoch;
    if (epoch > this.stable.epoch) this.stable.epoch = epoch;
    this.primaryId = this.self;
    const last = this.lastIndex();
    this.nextIndex.fill(last + 1);
    this.matchIndex.fill(0);
    this.inFlightSinceUs.fill(NOT_IN_FLIGHT);
    this.sentIndex.fill(0);
    // Every feeder is presumed alive when a primary takes office.
    if (this.feedsAny) this.answeredUs.fill(this.ctx.now());
    this.semiSyncOn = true;
    // The inherited entries — an earlier primary's, or its own from before a restart — were perhaps
    // never acknowledged: with after-sync they stay invisible until this tenure's sync set confirmed
    // them (the node applied them as a replica, so reads wait; see serveRead). Raft's leader likewise
    // serves nothing of older terms before it commits an entry of its own.
    this.inheritedIndex = last;
    this.tookOfficeUs = this.ctx.now();
    this.confirmedIndex = this.waitsBeforeApplying() ? 0 : last;
    this.readsWaiting = [];
    this.pending = [];
    this.pendingHead = 0;
    this.applyCursor = 0;
    this.semiSyncArmedFor = -1;
    this.syncSet = syncSet;
    this.syncBase = syncBase;
    this.syncPublished = published || !this.grantRules.syncSetOnly;
    this.stable.leaderMark = { epoch, index: last };
    this.applyTo(last);
    this.observer?.tookOffice(this.self, epoch);
    this.armSemiSync();
    if (this.config.failover === 'auto') {
      this.holdsLock = true;
      this.leaseUntilUs = leaseFromUs + this.ttlUs;
      this.lockRenewed();
      // An unpublished eligibility goes out with a renewal at once: until a majority has it, nothing is acknowledged.
      if (this.syncPublished) this.ctx.setTimer(TIMER_RENEW, this.renewIntervalUs());
      else this.startRenewal();
    }
    this.tickShip();
  }

  private demote(why: string, newPrimary: number): void {
    this.dropLock(false);
    this.observer?.steppedDown(this.self, this.primaryEpoch, why);
    this.changeRole({ type: 'DEMOTE' });
    for (const t of [TIMER_SHIP, TIMER_RENEW, TIMER_LEASE, TIMER_SEMI_SYNC]) this.ctx.cancelTimer(t);
    if (this.feeds) this.ctx.setTimer(TIMER_SHIP, this.config.shipIntervalUs);
    // Writes still waiting are neither confirmed nor refused: their clients time out (outcome unknown).
    this.pending = [];
    this.pendingHead = 0;
    this.applyCursor = 0;
    // Reads still waiting are refused: a read changes nothing, so `fail` is the truth.
    const reads = this.readsWaiting;
    this.readsWaiting = [];
    for (const r of reads) this.answerRead(r.client, r.seq, r.origin, { ok: false, error: 'not primary' });
    this.primaryId = newPrimary === this.self ? -1 : newPrimary;
    // As a replica it applies all it holds (after-sync kept unconfirmed entries invisible until now).
    this.applyTo(this.lastIndex());
    this.lockSeenUntilUs = this.ctx.now() + this.ttlUs;
    if (this.config.failover === 'auto') this.ctx.setTimer(TIMER_WATCH, this.ttlUs);
  }

  private dropLock(stillPrimary: boolean): void {
    if (!this.holdsLock) return;
    this.holdsLock = false;
    this.leaseUntilUs = Number.NEGATIVE_INFINITY;
    this.observer?.lockLost(this.self, this.primaryEpoch, stillPrimary);
  }

  // ---- the primary: appending and answering ------------------------------------

  private appendClientEntry(client: number, seq: number, op: ClientOp, origin: number): void {
    const entry: Entry = { epoch: this.primaryEpoch, op, client, seq };
    this.appendEntry(entry);
    const index = this.lastIndex();
    this.pending.push({ index, client, seq, origin, appendUs: this.ctx.now(), outcome: undefined });
    // Asynchronous commit and MySQL's after-commit make the write visible on the primary at once;
    // after-sync keeps it invisible until the replicas confirmed it.
    if (!this.waitsBeforeApplying()) this.applyTo(index);
    this.advanceConfirmed();
    for (let peer = 0; peer < this.n; peer++) {
      if (peer !== this.self && this.inFlightSinceUs[peer] === NOT_IN_FLIGHT && !this.relayed(peer, this.ctx.now())) this.sendShip(peer);
    }
    this.armSemiSync();
  }

  private appendEntry(entry: Entry): void {
    const log = this.stable.log;
    const prevEpoch = log[log.length - 1]!.epoch;
    // Epochs never go down along a log: a primary's entries follow everything it inherited.
    assert(entry.epoch >= prevEpoch, `entry of epoch ${entry.epoch} after one of epoch ${prevEpoch}`);
    log.push(entry);
    this.observer?.appended(this.self, log.length - 1, entry, prevEpoch);
  }

  /** Sync or semi-sync (while on) with after-sync: applied only once confirmed. */
  private waitsBeforeApplying(): boolean {
    return this.waitsForReplicas() && this.config.waitPoint === 'after-sync';
  }

  private waitsForReplicas(): boolean {
    const r = this.config.replication;
    return r === 'sync' || (r === 'semi-sync' && this.semiSyncOn);
  }

  /** The highest index the configured replicas have confirmed (ignoring semi-sync's fallback). */
  private replicasConfirmed(): number {
    return syncConfirmedIndex(this.matchIndex, this.self, this.syncSet, this.config.syncStandbys, this.config.syncMode, this.scratch);
  }

  private advanceConfirmed(): void {
    const required = !this.waitsForReplicas() ? this.lastIndex() : this.syncPublished ? this.replicasConfirmed() : this.confirmedIndex;
    if (required > this.confirmedIndex) this.confirmedIndex = Math.min(required, this.lastIndex());
    if (this.waitsBeforeApplying() || this.appliedIndex < this.confirmedIndex) this.applyTo(this.confirmedIndex);
    this.answerConfirmed();
  }

  /** Answers, in log order, every pending write that is confirmed and applied; then the reads that waited. */
  private answerConfirmed(): void {
    if (this.readsWaiting.length > 0 && this.inheritedVisible()) {
      const reads = this.readsWaiting;
      this.readsWaiting = [];
      for (const r of reads) this.answerRead(r.client, r.seq, r.origin, { ok: true, value: this.kv.read(r.key) });
    }
    const pending = this.pending;
    while (this.pendingHead < pending.length) {
      const p = pending[this.pendingHead]!;
      if (p.index > this.confirmedIndex || p.outcome === undefined) break;
      this.pendingHead++;
      if (p.outcome === null) continue;
      if (p.origin === this.self) {
        this.ctx.reply({ client: p.client, seq: p.seq, ...p.outcome });
      } else {
        const reply: ForwardReply = {
          kind: MsgKind.ForwardReply,
          term: this.primaryEpoch,
          client: p.client,
          seq: p.seq,
          ok: p.outcome.ok,
          value: p.outcome.value,
          error: p.outcome.error,
          indeterminate: false,
        };
        this.ctx.send(p.origin, reply);
      }
    }
    if (this.pendingHead === pending.length && pending.length > 0) {
      this.pending = [];
      this.pendingHead = 0;
      this.applyCursor = 0;
    }
  }

  /** Applies entries up to `index` in log order; as primary, records each pending write's outcome. */
  private applyTo(index: number): void {
    const log = this.stable.log;
    const target = Math.min(index, log.length - 1);
    while (this.appliedIndex < target) {
      const i = ++this.appliedIndex;
      const entry = log[i]!;
      this.observer?.applied(this.self, i, entry);
      const outcome = entry.op === null ? null : this.kv.apply(entry.client, entry.seq, entry.op);
      if (this.role !== 'primary') continue;
      const pending = this.pending;
      while (this.applyCursor < pending.length && pending[this.applyCursor]!.index < i) this.applyCursor++;
      const p = pending[this.applyCursor];
      if (p !== undefined && p.index === i) p.outcome = outcome;
    }
  }

  // ---- semi-sync: wait at most semiSyncTimeout, then fall back to async ---------

  /** Since when (local time) the oldest unconfirmed thing has waited: the inherited tail, else the first pending write; -1: nothing waits. */
  private waitingSinceUs(): Us {
    if (this.confirmedIndex < this.inheritedIndex) return this.tookOfficeUs;
    const head = this.pending[this.pendingHead];
    return head === undefined ? -1 : head.appendUs;
  }

  private armSemiSync(): void {
    if (this.config.replication !== 'semi-sync' || !this.semiSyncOn) return;
    const since = this.waitingSinceUs();
    if (since < 0 || this.semiSyncArmedFor === since) return;
    this.semiSyncArmedFor = since;
    this.ctx.setTimer(TIMER_SEMI_SYNC, Math.max(0, since + this.config.semiSyncTimeoutUs - this.ctx.now()));
  }

  private checkSemiSync(): void {
    this.semiSyncArmedFor = -1;
    if (!this.semiSyncOn) return;
    const since = this.waitingSinceUs();
    if (since < 0) return;
    if (this.ctx.now() - since < this.config.semiSyncTimeoutUs) return this.armSemiSync();
    // MySQL: rpl_semi_sync_source_timeout elapsed — the source silently goes asynchronous.
    this.semiSyncOn = false;
    this.observer?.semiSyncChanged(this.self, false);
    this.applyTo(this.lastIndex());
    this.advanceConfirmed();
  }

  // ---- shipping the WAL ------------------------------------------------------------

  private tickShip(): void {
    const now = this.ctx.now();
    for (let peer = 0; peer < this.n; peer++) {
      if (peer === this.self || this.relayed(peer, now)) continue;
      const since = this.inFlightSinceUs[peer]!;
      if (since === NOT_IN_FLIGHT || now - since >= this.config.shipRetryUs) this.sendShip(peer);
    }
    this.ctx.setTimer(TIMER_SHIP, this.config.shipIntervalUs);
  }

  /** Sends what `to` lacks from its next index on (empty: a heartbeat). One batch in flight per replica. */
  private sendShip(to: number, relay = false): void {
    const log = this.stable.log;
    const next = Math.max(1, Math.min(this.nextIndex[to]!, log.length));
    const end = Math.min(log.length, next + this.config.maxEntriesPerMessage);
    const msg: Ship = relay
      ? {
          kind: MsgKind.Ship,
          term: this.stable.epoch,
          prevIndex: next - 1,
          prevEpoch: log[next - 1]!.epoch,
          entries: next < end ? log.slice(next, end) : EMPTY,
          primaryLastIndex: log.length - 1,
          relay: true,
        }
      : {
          kind: MsgKind.Ship,
          term: this.primaryEpoch,
          prevIndex: next - 1,
          prevEpoch: log[next - 1]!.epoch,
          entries: next < end ? log.slice(next, end) : EMPTY,
          primaryLastIndex: log.length - 1,
        };
    this.inFlightSinceUs[to] = this.ctx.now();
    this.sentIndex[to] = end - 1;
    this.ctx.send(to, msg);
  }

  private replyShip(to: number, success: boolean, matchIndex: number, conflictIndex: number, conflictEpoch: number): void {
    const reply: ShipReply = { kind: MsgKind.ShipReply, term: this.stable.epoch, success, matchIndex, conflictIndex, conflictEpoch };
    this.ctx.send(to, reply);
  }

  private handleShip(from: number, m: Ship): void {
    if (m.term < this.stable.epoch) {
      // From a primary of an older epoch: the answer carries ours, and it demotes itself.
      return this.replyShip(from, false, 0, this.lastIndex() + 1, 0);
    }
    if (this.role === 'primary') return; // two primaries of one epoch cannot be; the checker reports it if it happens
    if (m.relay !== true) {
      this.primaryId = from;
      this.noteLeader(m.term, m.primaryLastIndex);
    }
    const log = this.stable.log;
    if (m.prevIndex > this.lastIndex()) return this.replyShip(from, false, 0, this.lastIndex() + 1, 0);
    if (log[m.prevIndex]!.epoch !== m.prevEpoch) {
      // Skip the whole conflicting epoch at once.
      const conflictEpoch = log[m.prevIndex]!.epoch;
      let first = m.prevIndex;
      while (first > 1 && log[first - 1]!.epoch === conflictEpoch) first--;
      return this.replyShip(from, false, 0, first, conflictEpoch);
    }
    const entries = m.entries;
    for (let i = 0; i < entries.length; i++) {
      const index = m.prevIndex + 1 + i;
      if (index < log.length) {
        if (log[index]!.epoch === entries[i]!.epoch) continue;
        this.rewind(index);
      }
      this.appendEntry(entries[i]!);
    }
    // Entries of an older epoch beyond the primary's end are not in its log: discard them (pg_rewind).
    // (Entries of this epoch beyond it came from a later shipment that overtook this one.)
    const end = m.primaryLastIndex + 1;
    if (end < log.length && log[end]!.epoch < m.term) this.rewind(end);
    this.applyTo(this.lastIndex());
    this.replyShip(from, true, m.prevIndex + entries.length, 0, 0);
    if (this.feeds && entries.length > 0) this.relayNew();
  }

  // ---- cascading replication: a replica feeding others ------------------------------

  /** Whether the primary leaves `peer` to the replica that feeds it: that replica is not this node, and answered the primary lately or is fed by a replica itself. */
  private relayed(peer: number, now: Us): boolean {
    const up = this.upstream[peer]!;
    if (up < 0 || up === this.self) return false;
    // A feeder the primary ships to and has not heard from for two retry periods is down or cut off: re-point its
    // replicas here. One the primary does not ship to (fed itself by a replica) it cannot watch: it trusts it.
    return this.relayed(up, now) || now - this.answeredUs[up]! < 2 * this.config.shipRetryUs;
  }

  /** A replica feeding others: ships them what they lack from its own log, as the primary does. */
  private tickRelay(): void {
    const now = this.ctx.now();
    for (let peer = 0; peer < this.n; peer++) {
      if (this.upstream[peer] !== this.self) continue;
      const since = this.inFlightSinceUs[peer]!;
      if (since === NOT_IN_FLIGHT || now - since >= this.config.shipRetryUs) this.sendShip(peer, true);
    }
    this.ctx.setTimer(TIMER_SHIP, this.config.shipIntervalUs);
  }

  /** New entries arrived: pass them on to every replica this node feeds that has nothing in flight. */
  private relayNew(): void {
    for (let peer = 0; peer < this.n; peer++) {
      if (this.upstream[peer] === this.self && this.inFlightSinceUs[peer] === NOT_IN_FLIGHT) this.sendShip(peer, true);
    }
  }

  /** A replica this node feeds answered a relayed shipment (as handleShipReply, without counting it as a confirmation). */
  private handleRelayReply(from: number, m: ShipReply): void {
    if (m.term !== this.stable.epoch) return;
    this.inFlightSinceUs[from] = NOT_IN_FLIGHT;
    if (m.success) {
      if (m.matchIndex > this.matchIndex[from]!) this.matchIndex[from] = m.matchIndex;
      if (this.nextIndex[from]! <= m.matchIndex) this.nextIndex[from] = m.matchIndex + 1;
      if (this.nextIndex[from]! <= this.lastIndex() && this.sentIndex[from]! < this.lastIndex()) this.sendShip(from, true);
      return;
    }
    const next = Math.max(1, Math.min(m.conflictIndex, this.lastIndex() + 1));
    if (next === this.nextIndex[from] && this.sentIndex[from]! >= next - 1 && this.sentIndex[from]! > 0) return;
    this.nextIndex[from] = next;
    this.sendShip(from, true);
  }

  /** Discards entries from `fromIndex` on; the state machine starts over if it had applied any of them. */
  private rewind(fromIndex: number): void {
    const log = this.stable.log;
    this.observer?.rewound(this.self, fromIndex, log.length - fromIndex, this.role);
    log.length = fromIndex;
    if (this.appliedIndex >= fromIndex) {
      this.kv = new KvStateMachine();
      this.appliedIndex = 0;
      this.observer?.applyReset(this.self);
    }
  }

  private handleShipReply(from: number, m: ShipReply): void {
    if (this.role !== 'primary' && this.upstream[from] === this.self) return this.handleRelayReply(from, m);
    if (this.role !== 'primary' || m.term !== this.primaryEpoch) return;
    if (this.feedsAny) this.answeredUs[from] = this.ctx.now();
    this.inFlightSinceUs[from] = NOT_IN_FLIGHT;
    if (m.success) {
      if (m.matchIndex > this.matchIndex[from]!) {
        this.matchIndex[from] = m.matchIndex;
        this.afterConfirmation();
      }
      if (this.nextIndex[from]! <= m.matchIndex) this.nextIndex[from] = m.matchIndex + 1;
      // The next batch only if it is not on the wire already: a duplicated reply, or the reply to
      // an older shipment overtaken by a retry, would otherwise send it again, and the copies
      // multiply (each shipment duplicated yields two replies, each reply another shipment). A
      // lost shipment is retried by the ship timer.
      if (this.nextIndex[from]! <= this.lastIndex() && this.sentIndex[from]! < this.lastIndex()) this.sendShip(from);
      return;
    }
    let next = m.conflictIndex;
    if (m.conflictEpoch > 0) {
      const log = this.stable.log;
      let last = this.lastIndex();
      while (last > 0 && log[last]!.epoch > m.conflictEpoch) last--;
      if (last > 0 && log[last]!.epoch === m.conflictEpoch) next = last + 1;
    }
    next = Math.max(this.matchIndex[from]! + 1, Math.min(next, this.lastIndex() + 1));
    if (next === this.nextIndex[from] && this.sentIndex[from]! >= next - 1 && this.sentIndex[from]! > 0) return; // a duplicated rejection: already acted on
    this.nextIndex[from] = next;
    this.sendShip(from);
  }

  private afterConfirmation(): void {
    if (this.config.replication === 'semi-sync' && !this.semiSyncOn && this.replicasConfirmed() >= this.lastIndex()) {
      // The replicas caught up: semi-sync switches itself back on.
      this.semiSyncOn = true;
      this.observer?.semiSyncChanged(this.self, true);
    }
    this.advanceConfirmed();
    this.armSemiSync();
  }

  // ---- client forwarding -----------------------------------------------------------

  private handleForward(from: number, m: Forward): void {
    if (this.role === 'primary') this.checkLease();
    if (this.role !== 'primary') {
      // This copy is not appended, but the network may deliver the Forward twice: another copy may
      // have been appended by this node before it stepped down, or may be after it takes office.
      // A refused write is therefore indeterminate; a refused read definitely changed nothing.
      return this.sendForwardReply(from, m.client, m.seq, { ok: false, error: 'not primary', indeterminate: m.op.f !== 'read' });
    }
    if (m.op.f === 'read') return this.serveRead(m.client, m.seq, m.op.key, from);
    this.appendClientEntry(m.client, m.seq, m.op, from);
  }

  /**
   * The primary reads from its state machine, which holds what it confirmed
   * (after-sync) or everything it has (after-commit, async). Entries it
   * inherited are in that state machine from the start (it applied them as
   * a replica): with after-sync a read waits until they are confirmed.
   */
  private serveRead(client: number, seq: number, key: string, origin: number): void {
    if (this.inheritedVisible()) return this.answerRead(client, seq, origin, { ok: true, value: this.kv.read(key) });
    this.readsWaiting.push({ client, seq, key, origin });
  }

  /** The entries this primary inherited may be read: its sync set confirmed them, or nothing waits for replicas before applying. */
  private inheritedVisible(): boolean {
    return this.confirmedIndex >= this.inheritedIndex || !this.waitsBeforeApplying();
  }

  private answerRead(client: number, seq: number, origin: number, outcome: Outcome): void {
    if (origin === this.self) this.ctx.reply(outcome.ok ? { client, seq, ok: true, value: outcome.value } : { client, seq, ok: false, error: outcome.error });
    else this.sendForwardReply(origin, client, seq, outcome);
  }

  private sendForwardReply(to: number, client: number, seq: number, outcome: Outcome): void {
    const reply: ForwardReply = {
      kind: MsgKind.ForwardReply,
      term: this.stable.epoch,
      client,
      seq,
      ok: outcome.ok,
      value: outcome.value,
      error: outcome.error,
      indeterminate: outcome.indeterminate === true,
    };
    this.ctx.send(to, reply);
  }

  private handleForwardReply(m: ForwardReply): void {
    const waiting = this.waiting.get(m.client);
    if (waiting === undefined || waiting.seq !== m.seq) return;
    this.waiting.delete(m.client);
    const reply: ClientReply = m.ok
      ? m.value === undefined
        ? { client: m.client, seq: m.seq, ok: true }
        : { client: m.client, seq: m.seq, ok: true, value: m.value }
      : m.indeterminate
        ? { client: m.client, seq: m.seq, ok: false, error: m.error ?? 'rejected', indeterminate: true }
        : { client: m.client, seq: m.seq, ok: false, error: m.error ?? 'rejected' };
    this.ctx.reply(reply);
  }

  // ---- the leader lock: holding it ----------------------------------------------------

  private renewIntervalUs(): Us {
    return Math.max(1, Math.floor(this.ttlUs / 3));
  }

  /** The eligibility this primary publishes: itself, its sync set, where its log ended when it took office. */
  private ownSync(): SyncEligibility {
    const view = this.viewRecord.sync;
    if (view.epoch === this.primaryEpoch && view.primary === this.self) return view;
    return { epoch: this.primaryEpoch, primary: this.self, standbys: this.syncSet, base: this.syncBase };
  }

  private startRenewal(): void {
    this.round++;
    this.renewRound = this.round;
    this.renewSentUs = this.ctx.now();
    this.grants.fill(0);
    this.grantCount = 0;
    this.roundWon = false;
    const request: LockRequest = {
      kind: MsgKind.LockRequest,
      term: this.primaryEpoch,
      round: this.round,
      acquire: false,
      last: this.position(),
      sync: this.ownSync(),
    };
    this.broadcastLockRequest(request);
    this.ctx.setTimer(TIMER_RENEW, this.renewIntervalUs());
  }

  private broadcastLockRequest(request: LockRequest): void {
    const why = this.refusalOf(this.self, request);
    if (why === null) {
      this.recordGrant(this.self, request);
      this.countGrant(this.self, request.round, this.position());
    } else if (request.acquire) {
      this.countRefusal(why === 'held' ? Math.max(0, this.promiseUntilUs - this.ctx.now()) : 0);
    }
    for (let peer = 0; peer < this.n; peer++) if (peer !== this.self) this.ctx.send(peer, request);
  }

  private countGrant(from: number, round: number, last: LogPosition): void {
    const renewing = this.role === 'primary' && round === this.renewRound;
    const acquiring = this.role === 'candidate' && this.candidacy === 'acquire' && round === this.acquireRound;
    if ((!renewing && !acquiring) || this.grants[from] === 1) return;
    this.grants[from] = 1;
    this.grantCount++;
    if (renewing) {
      if (this.roundWon || this.grantCount < this.majority) return;
      this.roundWon = true;
      // The lease counts from when the request left: every granter's promise outlasts it.
      // Grants that arrive after it ran out (this node was paused) renew nothing.
      if (this.renewSentUs + this.ttlUs <= this.ctx.now()) return;
      this.holdsLock = true;
      this.leaseUntilUs = this.renewSentUs + this.ttlUs;
      this.stable.leaderMark = { epoch: this.primaryEpoch, index: this.lastIndex() };
      if (!this.syncPublished) {
        this.syncPublished = true;
        this.viewRecord = mergedView(this.viewRecord, { ...this.viewRecord, sync: this.ownSync() });
        this.advanceConfirmed();
      }
      this.lockRenewed();
      return;
    }
    const anyQuorum = this.config.replication === 'sync' && this.config.syncMode === 'any';
    if (anyQuorum && !atLeast(this.acquireBase, last)) {
      // A granter holds more than this candidate: an acknowledged write may be among it. Let that node take over.
      if (this.deferredSinceUs[from]! < 0) this.deferredSinceUs[from] = this.ctx.now();
      return this.giveUp();
    }
    if (this.grantCount < this.majority) return;
    // ANY k: a write was acknowledged once k of the n-1 replicas confirmed it; n - k granters, frozen at their
    // grant, include one of those for every acknowledged write — and this candidate is at least as far as each.
    if (anyQuorum && this.grantCount < this.n - this.config.syncStandbys) return;
    if (this.acquireSentUs + this.ttlUs <= this.ctx.now()) return this.giveUp();
    this.becomePrimary(this.acquireEpoch, this.acquireSentUs, this.acquireSet, this.acquireBase, false);
  }

  /** Tells the observer and every member that the lock is held (a DCS watch firing), and arms the lease. */
  private lockRenewed(): void {
    const remaining = this.leaseUntilUs - this.ctx.now();
    this.observer?.lockHeld(this.self, this.primaryEpoch, remaining);
    this.ctx.setTimer(TIMER_LEASE, Math.max(0, remaining));
    const held: LockHeld = { kind: MsgKind.LockHeld, term: this.primaryEpoch, leaderIndex: this.lastIndex(), sync: this.viewRecord.sync };
    for (let peer = 0; peer < this.n; peer++) if (peer !== this.self) this.ctx.send(peer, held);
  }

  private checkLease(): void {
    if (!this.holdsLock || this.ctx.now() < this.leaseUntilUs) return;
    // Without fencing it carries on until it hears of a newer primary: split brain is possible.
    const fenced = this.config.fencing === 'lease';
    this.dropLock(!fenced);
    if (fenced) this.demote('its lock lapsed: it demotes itself (lease fencing)', -1);
  }

  // ---- the leader lock: granting it -------------------------------------------------

  private refusalOf(from: number, request: LockRequest): Refusal | null {
    const expired = this.ctx.now() >= this.promiseUntilUs;
    return refusal(this.stable.promise, expired, { from, epoch: request.term, last: request.last, sync: request.sync }, this.grantRules);
  }

  private recordGrant(to: number, request: LockRequest): void {
    this.stable.promise = grantedRecord(this.stable.promise, { from: to, epoch: request.term, last: request.last, sync: request.sync });
    this.viewRecord = mergedView(this.viewRecord, this.stable.promise);
    this.promiseUntilUs = this.ctx.now() + this.ttlUs;
    this.raiseEpoch(request.term, to, `granted the lock of a newer epoch (${request.term}) to a candidate`);
  }

  private handleLockRequest(from: number, m: LockRequest): void {
    const why = this.refusalOf(from, m);
    const granted = why === null;
    if (granted) this.recordGrant(from, m);
    const promise = this.stable.promise;
    const reply: LockReply = {
      kind: MsgKind.LockReply,
      term: granted ? m.term : promise.epoch,
      round: m.round,
      granted,
      holder: promise.holder,
      last: this.position(),
      heldForUs: why === 'held' ? Math.max(0, this.promiseUntilUs - this.ctx.now()) : 0,
    };
    this.ctx.send(from, reply);
  }

  private handleLockReply(from: number, m: LockReply): void {
    if (!m.granted) {
      // A refusal naming a newer epoch granted to someone else: that holder may have the lock. A node that
      // names itself has only its own promise — a candidate's grant to itself, which it is still asking
      // the others to join — not the lock: a new primary that got the late refusal of a rival candidate
      // stepped down on it, the rival took office, and the two deposed each other for ever.
      if (m.term > this.stable.epoch && m.holder !== from) this.raiseEpoch(m.term, m.holder, `was refused the lock: a newer epoch (${m.term}) was granted`);
      if (this.role === 'candidate' && this.candidacy === 'acquire' && m.round === this.acquireRound) this.countRefusal(m.heldForUs);
      return;
    }
    if (this.role === 'primary' && m.term === this.primaryEpoch) this.countGrant(from, m.round, m.last);
    else if (this.role === 'candidate' && m.term === this.acquireEpoch) this.countGrant(from, m.round, m.last);
  }

  private handleLockHeld(from: number, m: LockHeld): void {
    if (m.term < this.stable.epoch || this.role === 'primary') return;
    this.primaryId = from;
    this.viewRecord = mergedView(this.viewRecord, { epoch: m.term, holder: from, sync: m.sync });
    this.noteLeader(m.term, m.leaderIndex);
    if (this.role === 'candidate') this.giveUp();
    this.deferredSinceUs.fill(-1);
    this.lockSeenUntilUs = this.ctx.now() + this.ttlUs;
    this.ctx.setTimer(TIMER_WATCH, this.ttlUs);
  }

  // ---- the leader lock: taking it over ---------------------------------------------

  private watchLock(): void {
    if (this.config.failover !== 'auto' || this.role !== 'replica') return;
    const left = this.lockSeenUntilUs - this.ctx.now();
    if (left > 0) return this.ctx.setTimer(TIMER_WATCH, left);
    this.startProbe();
  }

  /** A newer primary's mark replaces an older one's, whatever its value: a deposed primary's long log is no reference. */
  private noteLeader(epoch: number, index: number): void {
    const known = this.stable.leaderMark;
    if (epoch > known.epoch || (epoch === known.epoch && index > known.index)) this.stable.leaderMark = { epoch, index };
  }

  /** Can this node be promoted, by what it knows: a caught-up sync standby (replication sync, first), not too far behind. */
  private eligible(): boolean {
    if (this.grantRules.syncSetOnly && !mayBePromoted(this.viewRecord.sync, this.self, this.position())) return false;
    const maxLag = this.config.maxLagOnFailover;
    return maxLag === null || this.lastIndex() >= this.stable.leaderMark.index - maxLag;
  }

  private startProbe(): void {
    this.changeRole({ type: 'LOCK_LAPSED' });
    this.candidacy = 'probe';
    this.round++;
    this.probeRound = this.round;
    this.answered.fill(0);
    this.answers = 0;
    this.epochHeard = this.stable.epoch;
    this.recordAnswer(this.self, this.position(), this.eligible(), false);
    const probe: Probe = { kind: MsgKind.Probe, term: this.stable.epoch, round: this.round, record: this.viewRecord, leader: this.stable.leaderMark };
    for (let peer = 0; peer < this.n; peer++) if (peer !== this.self) this.ctx.send(peer, probe);
    this.ctx.setTimer(TIMER_CANDIDACY, this.probeWindowUs());
    if (this.answers === this.n) this.decide();
  }

  /** How long a candidate waits for its peers' answers: long enough for a round trip, short against the TTL. */
  private probeWindowUs(): Us {
    return Math.max(1, Math.floor(this.ttlUs / 5));
  }

  private recordAnswer(node: number, last: LogPosition, eligible: boolean, primary: boolean): void {
    this.answered[node] = 1;
    this.answers++;
    this.answerEpoch[node] = last.epoch;
    this.answerIndex[node] = last.index;
    this.answerEligible[node] = eligible ? 1 : 0;
    this.answerPrimary[node] = primary ? 1 : 0;
  }

  /**
   * A newer lock record heard from a peer replaces this node's view (not its
   * promise: only granting changes that). Eligibility is judged by the view,
   * so a node whose own record is stale — it was down when others moved on —
   * learns that it may no longer be promoted instead of blocking the one that may.
   */
  private learnRecord(record: LockRecord): void {
    this.viewRecord = mergedView(this.viewRecord, record);
  }

  private handleProbe(from: number, m: Probe): void {
    this.learnRecord(m.record);
    // How far the newest primary got is shared knowledge, as in the DCS: every member judges maxLagOnFailover by the same mark.
    this.noteLeader(m.leader.epoch, m.leader.index);
    const primary = this.role === 'primary';
    const reply: ProbeReply = {
      kind: MsgKind.ProbeReply,
      term: this.stable.epoch,
      round: m.round,
      last: this.position(),
      eligible: !primary && this.eligible(),
      primary,
      leader: primary ? { epoch: this.primaryEpoch, index: this.lastIndex() } : this.stable.leaderMark,
      record: this.viewRecord,
    };
    this.ctx.send(from, reply);
  }

  private handleProbeReply(from: number, m: ProbeReply): void {
    this.learnRecord(m.record);
    if (this.role !== 'candidate' || this.candidacy !== 'probe' || m.round !== this.probeRound || this.answered[from] === 1) return;
    if (m.term > this.epochHeard) this.epochHeard = m.term;
    this.noteLeader(m.leader.epoch, m.leader.index);
    this.recordAnswer(from, m.last, m.eligible, m.primary);
    if (this.answers === this.n) this.decide();
  }

  private candidacyTimedOut(): void {
    if (this.role !== 'candidate') return;
    if (this.candidacy === 'probe') this.decide();
    else if (this.candidacy === 'acquire') this.acquireFailed();
    else this.sendAcquire();
  }

  /** Takes the lock only as the most up-to-date eligible node that answered (Patroni's "am I the healthiest"). */
  private decide(): void {
    this.ctx.cancelTimer(TIMER_CANDIDACY);
    if (!this.eligible()) return this.giveUp();
    const now = this.ctx.now();
    let best = this.self;
    let reachable = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.answered[i] !== 1 || this.answerPrimary[i] === 1) continue;
      reachable++;
      if (i === this.self || this.answerEligible[i] !== 1) continue;
      // A better node that has let two lock TTLs pass without taking the lock cannot (a one-way cut, say): stop waiting for it.
      const since = this.deferredSinceUs[i]!;
      if (since >= 0 && now - since >= 2 * this.ttlUs) continue;
      if (betterCandidate(i, this.answerPosition(i), best, this.answerPosition(best))) best = i;
    }
    if (best !== this.self) {
      if (this.deferredSinceUs[best]! < 0) this.deferredSinceUs[best] = now;
      return this.giveUp();
    }
    // Like Raft's PreVote: a node that cannot hear a majority could not get the lock, so it does not disturb anyone by asking.
    if (this.answers < this.majority) return this.giveUp();
    // ANY k: with n - k nodes heard from, at least one of them confirmed every acknowledged write.
    if (this.config.replication === 'sync' && this.config.syncMode === 'any' && reachable < this.n - this.config.syncStandbys) return this.giveUp();
    this.acquire();
  }

  private answerPosition(node: number): LogPosition {
    return { epoch: this.answerEpoch[node]!, index: this.answerIndex[node]! };
  }

  private acquire(): void {
    this.acquireEpoch = Math.max(this.stable.epoch, this.epochHeard) + 1;
    this.acquireSet = chooseSyncSet(this.self, this.n, this.config.syncStandbys, this.config.syncMode, this.answered);
    this.acquireBase = this.position();
    this.acquireRetried = false;
    this.sendAcquire();
  }

  private sendAcquire(): void {
    this.candidacy = 'acquire';
    this.round++;
    this.acquireRound = this.round;
    this.acquireSentUs = this.ctx.now();
    this.grants.fill(0);
    this.grantCount = 0;
    this.refusals = 0;
    this.heldUntilUs = 0;
    this.roundWon = false;
    const request: LockRequest = {
      kind: MsgKind.LockRequest,
      term: this.acquireEpoch,
      round: this.round,
      acquire: true,
      last: this.acquireBase,
      sync: this.viewRecord.sync,
    };
    this.ctx.setTimer(TIMER_CANDIDACY, this.probeWindowUs());
    this.broadcastLockRequest(request);
  }

  private countRefusal(heldForUs: Us): void {
    this.refusals++;
    if (heldForUs > 0) this.heldUntilUs = Math.max(this.heldUntilUs, this.ctx.now() + heldForUs);
    // Every node that answered the probe has answered: no need to wait out the window.
    if (this.grantCount + this.refusals >= this.answers) this.acquireFailed();
  }

  /**
   * Some nodes still promised the lock to the old holder — the renewal it sent
   * just before it failed, say. Ask once more when those promises run out,
   * as a Patroni replica retries when the leader key's TTL expires.
   */
  private acquireFailed(): void {
    this.ctx.cancelTimer(TIMER_CANDIDACY);
    const waitUs = this.heldUntilUs - this.ctx.now();
    if (this.acquireRetried || this.heldUntilUs === 0 || waitUs > this.ttlUs) return this.giveUp();
    this.acquireRetried = true;
    if (waitUs < 0) return this.sendAcquire();
    this.candidacy = 'wait';
    this.ctx.setTimer(TIMER_CANDIDACY, waitUs + 1);
  }

  /**
   * A candidate that gives up hands back the grants it collected, so that
   * they do not block a better candidate for a whole TTL (it will never use
   * this epoch: its next attempt asks for a higher one).
   */
  private releaseGrants(): void {
    const release: LockRelease = { kind: MsgKind.LockRelease, term: this.acquireEpoch };
    this.handleLockRelease(this.self, release);
    for (let peer = 0; peer < this.n; peer++) if (peer !== this.self) this.ctx.send(peer, release);
  }

  private handleLockRelease(from: number, m: LockRelease): void {
    const promise = this.stable.promise;
    if (promise.epoch === m.term && promise.holder === from) this.promiseUntilUs = Math.min(this.promiseUntilUs, this.ctx.now());
  }

  private giveUp(): void {
    if (this.role !== 'candidate') return;
    if (this.candidacy === 'acquire' || this.candidacy === 'wait') this.releaseGrants();
    this.candidacy = null;
    this.changeRole({ type: 'GIVE_UP' });
    this.ctx.cancelTimer(TIMER_CANDIDACY);
    // Try again later, at a random moment so that candidates do not keep colliding.
    const quarter = Math.max(1, Math.floor(this.ttlUs / 4));
    this.ctx.setTimer(TIMER_WATCH, quarter + Math.floor(this.ctx.random() * quarter));
  }
}

const EMPTY: readonly Entry[] = Object.freeze([]);

