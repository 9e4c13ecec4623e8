import type { ClientRequest, Message, NodeContext, NodeView, Protocol, ProtocolNode } from '../core/protocol.ts';
import type { Us } from '../core/time.ts';
import { MsgKind, RaftNode, RaftProtocol, type AppendEntries, type Entry, type RaftStable } from '../protocols/raft/index.ts';

/**
 * The cast of one Figure 16 trial. The old leader is scripted — it only
 * broadcasts heartbeats, then dies — because a live Raft leader would bring
 * every follower's log up to date within a round trip, and the experiment
 * needs followers whose logs differ at the moment of the crash. The four
 * survivors are unmodified `RaftNode`s; a `VariantNode` wraps one only to
 * measure how the result depends on a detail of the set-up (a disk write
 * before persisted replies, or LogCabin's rule of not re-arming the election
 * timer when a candidate steps down). Nothing here changes what Raft decides.
 */

/** The old leader's index. */
export const OLD_LEADER = 0;
const TIMER_HEARTBEAT = 1;
/** A timer id Raft does not use (it uses 0..2): the variant node's disk. */
const TIMER_DISK = 7;
const TIMER_ELECTION = 0;
const EMPTY: readonly Entry[] = Object.freeze([]);

export interface TrialCast {
  /** Log length (last index) of each node; the old leader's is the longest. */
  readonly logLengths: readonly number[];
  /** The term everyone is in when the trial starts. */
  readonly term: number;
  readonly heartbeatUs: Us;
  /** Heartbeat broadcasts before the synchronized one after which the leader dies. */
  readonly warmupBeats: number;
  /** Called right after the synchronized broadcast (the crash is scheduled from here). */
  readonly onSyncBroadcast: () => void;
  /** A disk write delays every message sent after persisted state changed; 0: no disk. */
  readonly diskWriteUs: Us;
  /** false: a candidate that steps down on a higher-term vote message keeps its election timer running (LogCabin). */
  readonly candidateStepDownResetsTimer: boolean;
  /** Every timer fires up to this much late (uniform), as an operating system's timers do; 0: exactly on time. */
  readonly timerJitterUs: Us;
  /** Node `node`'s stream for timer jitter (separate from its election-timeout stream). */
  readonly jitterStream: (node: number) => () => number;
}

/** The protocol the trial's simulator hosts: the scripted old leader and four Raft servers. */
export class TrialProtocol implements Protocol {
  readonly kind = 'raft';

  constructor(
    private readonly raft: RaftProtocol,
    private readonly cast: TrialCast,
  ) {}

  messageName(kind: number): string {
    return this.raft.messageName(kind);
  }

  /** Each server's disk as the trial finds it: the current term, a vote for the old leader, and its own log length. */
  createStable(node: number): RaftStable {
    const stable = this.raft.createStable(node);
    stable.term = this.cast.term;
    stable.votedFor = OLD_LEADER;
    for (let i = 0; i < this.cast.logLengths[node]!; i++) stable.log.push(ENTRIES[i] ?? entry(i));
    return stable;
  }

  createNode(ctx: NodeContext, stable: unknown): ProtocolNode {
    if (ctx.self === OLD_LEADER) return new ScriptedLeader(ctx, this.cast);
    const needsWrapper = this.cast.diskWriteUs > 0 || !this.cast.candidateStepDownResetsTimer || this.cast.timerJitterUs > 0;
    if (!needsWrapper) return this.raft.createNode(ctx, stable);
    return new VariantNode(ctx, stable as RaftStable, this.cast, (inner) => this.raft.createNode(inner, stable));
  }

  leaderOf(nodes: readonly (ProtocolNode | null)[]): number {
    return this.raft.leaderOf(nodes);
  }
}

/** Entries shared by every trial (entries are immutable and logs may share them). */
const ENTRIES: Entry[] = [];
function entry(i: number): Entry {
  const e: Entry = { term: 1, op: null, client: -1, seq: 0, origin: OLD_LEADER };
  ENTRIES[i] = e;
  return e;
}

/**
 * The old leader of term `cast.term`: every `heartbeatUs` it sends each
 * follower an empty AppendEntries that matches the follower's log (so each
 * accepts it and re-arms its election timer), `warmupBeats` times, then one
 * more — the synchronized broadcast — after which it stops and waits for the
 * crash. It answers nothing.
 */
class ScriptedLeader implements ProtocolNode {
  private beats = 0;
  private readonly commitIndex: number;

  constructor(
    private readonly ctx: NodeContext,
    private readonly cast: TrialCast,
  ) {
    // The highest index stored on a majority: what the leader would have committed.
    const sorted = [...cast.logLengths].sort((a, b) => b - a);
    this.commitIndex = sorted[Math.floor(sorted.length / 2)]!;
  }

  start(): void {
    // Not from start(): the followers boot after this node, and a message to a node not yet booted is lost.
    this.ctx.setTimer(TIMER_HEARTBEAT, 0);
  }

  onTimer(timer: number): void {
    if (timer === TIMER_HEARTBEAT) this.broadcast();
  }

  onMessage(): void {}

  onClientRequest(request: ClientRequest): void {
    this.ctx.reply({ client: request.client, seq: request.seq, ok: false, error: 'benchmark leader' });
  }

  view(): NodeView {
    return { role: 'leader', term: this.cast.term, logLength: this.cast.logLengths[OLD_LEADER]!, commitIndex: this.commitIndex };
  }

  private broadcast(): void {
    const { ctx, cast } = this;
    for (let peer = 0; peer < ctx.nodeCount; peer++) {
      if (peer === ctx.self) continue;
      const last = cast.logLengths[peer]!;
      const heartbeat: AppendEntries = {
        kind: MsgKind.AppendEntries,
        term: cast.term,
        prevIndex: last,
        prevTerm: last === 0 ? 0 : cast.term,
        entries: EMPTY,
        commit: Math.min(this.commitIndex, last),
      };
      ctx.send(peer, heartbeat);
    }
    if (this.beats++ < cast.warmupBeats) ctx.setTimer(TIMER_HEARTBEAT, cast.heartbeatUs);
    else cast.onSyncBroadcast();
  }
}

interface Outgoing {
  readonly readyUs: Us;
  readonly to: number;
  readonly msg: Message;
}

/**
 * A `RaftNode` seen through a context that holds back what it asks for
 * during one input, then decides:
 *
 * - Disk: if the input changed persisted state (term, vote, log), the
 *   messages it produced leave only after a disk write of `diskWriteUs`
 *   (writes queue one behind the other, like one disk). Other messages
 *   leave at once.
 * - Candidate timer: a candidate that steps down because a vote message
 *   carried a higher term, without granting its vote, keeps its running
 *   election timer instead of drawing a new one (LogCabin's `stepDown`).
 * - Timer jitter: every timer it arms fires up to `timerJitterUs` late.
 *
 * Every other effect passes through unchanged, in order.
 */
class VariantNode implements ProtocolNode {
  private readonly raft: RaftNode;
  private holding = false;
  private held: Message[] = [];
  private heldTo: number[] = [];
  private heldTimers: number[] = [];
  private heldDelays: number[] = [];
  private readonly disk: Outgoing[] = [];
  private diskBusyUntilUs = 0;
  private readonly jitter: () => number;

  constructor(
    private readonly ctx: NodeContext,
    private readonly stable: RaftStable,
    private readonly cast: TrialCast,
    create: (inner: NodeContext) => ProtocolNode,
  ) {
    const self = this;
    const inner: NodeContext = {
      self: ctx.self,
      nodeCount: ctx.nodeCount,
      now: () => ctx.now(),
      random: () => ctx.random(),
      reply: (reply) => ctx.reply(reply),
      send(to, msg) {
        if (!self.holding) return ctx.send(to, msg);
        self.heldTo.push(to);
        self.held.push(msg);
      },
      setTimer(timer, delayUs) {
        if (!self.holding) return ctx.setTimer(timer, delayUs);
        self.heldTimers.push(timer);
        self.heldDelays.push(delayUs);
      },
      cancelTimer(timer) {
        if (!self.holding) return ctx.cancelTimer(timer);
        self.heldTimers.push(timer);
        self.heldDelays.push(-1);
      },
    };
    this.raft = create(inner) as RaftNode;
    this.jitter = cast.jitterStream(ctx.self);
  }

  start(): void {
    this.input(-1, null, () => this.raft.start());
  }

  onMessage(from: number, msg: Message): void {
    this.input(from, msg, () => this.raft.onMessage(from, msg));
  }

  onTimer(timer: number): void {
    if (timer === TIMER_DISK) return this.flushDisk();
    this.input(-1, null, () => this.raft.onTimer(timer));
  }

  onClientRequest(request: ClientRequest): void {
    this.input(-1, null, () => this.raft.onClientRequest(request));
  }

  view(): NodeView {
    return this.raft.view();
  }

  get currentRole(): string {
    return this.raft.currentRole;
  }

  private input(from: number, msg: Message | null, run: () => void): void {
    const { stable } = this;
    const term = stable.term;
    const vote = stable.votedFor;
    const length = stable.log.length;
    const last = stable.log.get(length - 1);
    const role = this.raft.currentRole;
    this.holding = true;
    try {
      run();
    } finally {
      this.holding = false;
    }
    const persisted = stable.term !== term || stable.votedFor !== vote || stable.log.length !== length || stable.log.get(stable.log.length - 1) !== last;

    const keepElectionTimer =
      !this.cast.candidateStepDownResetsTimer &&
      role === 'candidate' &&
      this.raft.currentRole === 'follower' &&
      msg !== null &&
      (msg.kind === MsgKind.RequestVote || msg.kind === MsgKind.RequestVoteReply) &&
      stable.votedFor !== from;
    const timers = this.heldTimers;
    const delays = this.heldDelays;
    for (let i = 0; i < timers.length; i++) {
      if (keepElectionTimer && timers[i] === TIMER_ELECTION) continue;
      if (delays[i]! < 0) this.ctx.cancelTimer(timers[i]!);
      else this.ctx.setTimer(timers[i]!, delays[i]! + this.jitterUs());
    }
    timers.length = 0;
    delays.length = 0;

    const to = this.heldTo;
    const held = this.held;
    if (persisted && this.cast.diskWriteUs > 0 && held.length > 0) {
      const now = this.ctx.now();
      const readyUs = Math.max(now, this.diskBusyUntilUs) + this.cast.diskWriteUs;
      this.diskBusyUntilUs = readyUs;
      if (this.disk.length === 0) this.ctx.setTimer(TIMER_DISK, readyUs - now);
      for (let i = 0; i < held.length; i++) this.disk.push({ readyUs, to: to[i]!, msg: held[i]! });
    } else {
      if (persisted && this.cast.diskWriteUs > 0) this.diskBusyUntilUs = Math.max(this.ctx.now(), this.diskBusyUntilUs) + this.cast.diskWriteUs;
      for (let i = 0; i < held.length; i++) this.ctx.send(to[i]!, held[i]!);
    }
    to.length = 0;
    held.length = 0;
  }

  private jitterUs(): Us {
    const j = this.cast.timerJitterUs;
    return j === 0 ? 0 : Math.floor(this.jitter() * (j + 1));
  }

  private flushDisk(): void {
    const now = this.ctx.now();
    let i = 0;
    while (i < this.disk.length && this.disk[i]!.readyUs <= now) {
      const out = this.disk[i++]!;
      this.ctx.send(out.to, out.msg);
    }
    this.disk.splice(0, i);
    if (this.disk.length > 0) this.ctx.setTimer(TIMER_DISK, this.disk[0]!.readyUs - now);
  }
}
