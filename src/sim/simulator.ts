import { assert } from '../core/assert.ts';
import { rngStream, type Rng } from '../core/random.ts';
import { formatUs, type Us } from '../core/time.ts';
import { Network, type NetworkParams } from './network.ts';
import {
  TIMERS_PER_NODE_MAX,
  type AdminCommand,
  type ClientReply,
  type ClientRequest,
  type Message,
  type NodeContext,
  type Protocol,
  type ProtocolNode,
} from '../core/protocol.ts';
import { EventQueue } from './queue.ts';
import { TimerHeap } from './timers.ts';
import { Trace, TraceType } from './trace.ts';

const enum Kind {
  /** node = receiver, a = sender, b = receiver's incarnation at send time, payload = message. */
  Deliver = 0,
  /** A timer deferred while its node was paused, queued again on resume. node, a = timer id, b = the timer's generation when armed. */
  Timer = 1,
  /** node = the client's node, b = its incarnation, payload = request. */
  ClientRequest = 2,
  /** payload = a callback (faults, samplers): rare events off the hot path. */
  Callback = 4,
  /** payload = a `ScheduledCall` target, a and b = its arguments: like Callback, without a closure per event. */
  Call = 5,
}

/** What a violation report calls each kind; a Call is a scheduled action, like a Callback. */
const KIND_NAMES: Readonly<Record<Kind, string>> = {
  [Kind.Deliver]: 'delivery',
  [Kind.Timer]: 'timer',
  [Kind.ClientRequest]: 'client request',
  [Kind.Callback]: 'scheduled action',
  [Kind.Call]: 'scheduled action',
};

/** The target of `Simulator.call`: one object serves many scheduled calls, told apart by two integers. */
export interface ScheduledCall {
  onScheduled(a: number, b: number): void;
}

/**
 * `callFirst` ranks: the seq of a ranked call is FIRST_SEQ_BASE + rank, below
 * every seq the queue's counter hands out (those start at 0), so a ranked
 * call runs before every ordinary event of its time whenever it was
 * scheduled, and ranked calls of one time run in rank order.
 */
const FIRST_SEQ_BASE = -(2 ** 52);
/** Ranks are below this (exact in a double together with FIRST_SEQ_BASE). */
export const FIRST_RANK_MAX = 2 ** 51;

/** Why a message was lost: at its send (link down, random loss) or at its arrival (link down then, receiver crashed or restarted meanwhile). */
export type DropReason = 'link-down' | 'random-loss' | 'link-down-at-arrival' | 'receiver-down';

/**
 * Watches the network for the UI's event stream. Null unless someone
 * listens: the event loop tests one field per message and calls nothing.
 * Observers watch; they never steer.
 */
export interface SimObserver {
  /** `arriveUs`: when it will arrive; `duplicate`: the network's second copy of the message just sent. */
  sent(from: number, to: number, msg: Message, arriveUs: Us, duplicate: boolean): void;
  delivered(from: number, to: number, msg: Message, sentUs: Us): void;
  /** `sentUs` equals the clock for a loss at send. */
  dropped(from: number, to: number, msg: Message, sentUs: Us, reason: DropReason): void;
}

/** What the simulator hears when a node answers one of its clients. */
export type ClientReplyListener = (node: number, reply: ClientReply) => void;

/** The next event of the loop, as plain data (`Simulator.peek`). `payload` is the scheduled target of a call or the message of a delivery. */
export type PendingSimEvent =
  | { readonly kind: 'deliver'; readonly timeUs: Us; readonly from: number; readonly to: number; readonly message: Message; readonly sentUs: Us }
  | { readonly kind: 'timer'; readonly timeUs: Us; readonly node: number; readonly timer: number }
  | { readonly kind: 'client-request'; readonly timeUs: Us; readonly node: number; readonly request: ClientRequest }
  | { readonly kind: 'call'; readonly timeUs: Us; readonly target: ScheduledCall; readonly a: number; readonly b: number }
  | { readonly kind: 'action'; readonly timeUs: Us };

/** A message on the wire (queued for delivery), as plain data. */
export interface QueuedDelivery {
  readonly from: number;
  readonly to: number;
  readonly message: Message;
  readonly sentUs: Us;
  readonly arriveUs: Us;
  /** Its place among equal-time events. */
  readonly seq: number;
}

const NEVER = (): boolean => false;

export interface SimulatorOptions {
  readonly nodeNames: readonly string[];
  readonly seed: number;
  readonly network: NetworkParams;
  readonly protocol: Protocol;
  readonly trace: Trace;
  /** Per node: 0.05 makes that node's clock (and so its timers) run 5% fast. */
  readonly clockDrift?: readonly number[];
}

interface Deferred {
  kind: number;
  a: number;
  b: number;
  payload: unknown;
  sentUs: Us;
}

/**
 * The discrete-event loop: a queue of (time, seq)-ordered events, a network,
 * and a host for each node that performs the effects it asks for, crashes it
 * (dropping volatile state, timers and in-flight deliveries) and restarts it
 * from what it persisted.
 */
export class Simulator {
  /**
   * The time of the event being processed, or of the last one processed: the
   * clock moves only with events (a run to a time where nothing is due leaves
   * it where the last event was; the caller knows the time it ran to).
   */
  nowUs: Us = 0;
  readonly network: Network;
  readonly trace: Trace;
  readonly nodeCount: number;
  readonly nodes: (ProtocolNode | null)[];
  /** Each node's disk: survives crashes. */
  readonly stable: unknown[];
  readonly paused: boolean[];
  /** The network's watcher for the UI, or null (the default: nothing is called per message). */
  observer: SimObserver | null = null;
  /** Told, in order, when a node answers a client (the workload, and whoever else listens). */
  private readonly replyListeners: ClientReplyListener[] = [];

  /** Events processed, superseded timer firings included (see timers.ts). */
  get events(): number {
    return this.processed + this.timers.passed;
  }

  /** Events the loop actually handled: `events` without the superseded timer firings. */
  get eventsProcessed(): number {
    return this.processed;
  }

  /** Events waiting: queued events and armed timers (benchmarks size their baseline by it). */
  get pendingEvents(): number {
    return this.queue.size + this.timers.size;
  }
  messagesSent = 0;
  messagesDelivered = 0;
  messagesDropped = 0;

  private readonly queue = new EventQueue();
  /** Armed timers live here, one slot per (node, timer id), not in `queue`. */
  private readonly timers: TimerHeap;
  private readonly protocol: Protocol;
  private readonly incarnation: Int32Array;
  private readonly timerGeneration: Int32Array;
  private readonly timerRngs: Rng[];
  private readonly drift: readonly number[];
  private readonly deferred: Deferred[][];
  private readonly contexts: NodeContext[] = [];
  /** The queue record being processed now, or -1. */
  private current = -1;
  private processed = 0;
  /** The timer slot firing now, or -1. */
  private currentTimerSlot = -1;

  constructor(private readonly options: SimulatorOptions) {
    const n = options.nodeNames.length;
    this.nodeCount = n;
    this.protocol = options.protocol;
    this.trace = options.trace;
    this.network = new Network(n, options.network, rngStream(options.seed, 'network'));
    this.incarnation = new Int32Array(n);
    this.timerGeneration = new Int32Array(n * TIMERS_PER_NODE_MAX);
    this.timers = new TimerHeap(n * TIMERS_PER_NODE_MAX);
    this.timerRngs = options.nodeNames.map((name) => rngStream(options.seed, `timers/${name}`));
    this.drift = options.clockDrift ?? new Array<number>(n).fill(0);
    this.deferred = options.nodeNames.map(() => []);
    this.paused = new Array<boolean>(n).fill(false);
    this.stable = options.nodeNames.map((_, i) => this.protocol.createStable(i));
    this.nodes = options.nodeNames.map(() => null);
    for (let i = 0; i < n; i++) this.contexts.push(this.makeContext(i));
  }

  /** Boots every node. */
  start(): void {
    for (let i = 0; i < this.nodeCount; i++) this.boot(i);
  }

  get nodeNames(): readonly string[] {
    return this.options.nodeNames;
  }

  isUp(node: number): boolean {
    return this.nodes[node] !== null;
  }

  /** The model's current leader (or primary), -1 when none. */
  leader(): number {
    return this.protocol.leaderOf(this.nodes);
  }

  /** Adds a listener told whenever a node answers a client, after the listeners added before it. */
  onClientReply(listener: ClientReplyListener): void {
    this.replyListeners.push(listener);
  }

  /** Runs `action` at `timeUs` (>= now), after events already scheduled for that time. */
  at(timeUs: Us, action: () => void): void {
    if (timeUs < this.nowUs) assert(false, `cannot schedule in the past: ${timeUs} < ${this.nowUs}`);
    this.queue.push(timeUs, Kind.Callback, -1, 0, 0, action);
  }

  /**
   * Calls `target.onScheduled(a, b)` at `timeUs` (>= now), after events already
   * scheduled for that time: `at` without allocating a closure, for callers
   * that schedule on every operation (the workload). a and b are 32-bit integers.
   */
  call(timeUs: Us, target: ScheduledCall, a: number, b: number): void {
    if (timeUs < this.nowUs) assert(false, `cannot schedule in the past: ${timeUs} < ${this.nowUs}`);
    this.queue.push(timeUs, Kind.Call, -1, a, b, target);
  }

  /**
   * Calls `target.onScheduled(a, b)` at `timeUs` (>= now) before every ordinary
   * event of that time (`at`, `call`, messages, timers), whenever it was
   * scheduled; calls ranked this way run in `rank` order. The run layer
   * schedules its fault script this way, so a fault injected during a run
   * takes the same place among the events of its instant as the same fault
   * scheduled from the start. Each (time, rank) must be used once.
   */
  callFirst(timeUs: Us, rank: number, target: ScheduledCall, a: number, b: number): void {
    if (timeUs < this.nowUs) assert(false, `cannot schedule in the past: ${timeUs} < ${this.nowUs}`);
    if (!(Number.isInteger(rank) && rank >= 0 && rank < FIRST_RANK_MAX)) assert(false, `rank ${rank} out of range`);
    this.queue.pushWithSeq(timeUs, FIRST_SEQ_BASE + rank, Kind.Call, -1, a, b, target);
  }

  /**
   * A client's request reaches its node now, within the event that issued it
   * (clients share their node's side of every partition). A crashed node
   * never sees it; a paused one sees it when it resumes.
   */
  submit(node: number, request: ClientRequest): void {
    const target = this.nodes[node];
    if (target === null || target === undefined) return;
    if (this.paused[node]) {
      this.deferred[node]!.push({ kind: Kind.ClientRequest, a: 0, b: this.incarnation[node]!, payload: request, sentUs: this.nowUs });
      return;
    }
    this.trace.client(this.nowUs, TraceType.clientRequest, node, request.client, request.seq, 0);
    target.onClientRequest(request);
  }

  crash(node: number): void {
    if (this.nodes[node] === null) return;
    this.nodes[node] = null;
    this.paused[node] = false;
    this.deferred[node]!.length = 0;
    this.bumpIncarnation(node);
    this.trace.note(this.nowUs, node, 'crash');
  }

  restart(node: number): void {
    if (this.nodes[node] !== null) return;
    this.trace.note(this.nowUs, node, 'restart');
    this.boot(node);
  }

  /** Freezes a node: nothing it receives or arms is lost, but it acts on nothing until resumed. */
  pause(node: number): void {
    if (this.nodes[node] === null || this.paused[node]) return;
    this.paused[node] = true;
    this.trace.note(this.nowUs, node, 'pause');
  }

  resume(node: number): void {
    if (!this.paused[node]) return;
    this.paused[node] = false;
    this.trace.note(this.nowUs, node, 'resume');
    const backlog = this.deferred[node]!.splice(0);
    for (const d of backlog) this.queue.sentUs[this.queue.push(this.nowUs, d.kind, node, d.a, d.b, d.payload)] = d.sentUs;
  }

  /** Hands an operator's command to a live, running node now; returns its event-log line. */
  admin(node: number, command: AdminCommand): string {
    const target = this.nodes[node];
    if (target === null || target === undefined) return 'skipped: node is down';
    if (this.paused[node]) return 'skipped: node is paused';
    if (target.onAdmin === undefined) return `skipped: ${this.protocol.kind} has no such command`;
    return target.onAdmin(command);
  }

  /**
   * Processes every event due at or before `untilUs`, in (time, seq) order,
   * at most `eventsMax` of them. `stop` is consulted after each event;
   * returning true ends the run early (a safety violation, say). Returns the
   * number of events processed. The clock stays at the last event processed.
   */
  run(untilUs: Us, stop: () => boolean = NEVER, eventsMax: number = Infinity): number {
    const queue = this.queue;
    const timers = this.timers;
    let done = 0;
    for (;;) {
      if (done >= eventsMax) {
        // Ghosts before the next event are passed; the next event itself is not.
        const next = this.nextKey();
        timers.passGhosts(Math.min(next.timeUs, untilUs), next.timeUs <= untilUs ? next.seq : Infinity);
        return done;
      }
      // The earlier of the two heaps' tops in (time, seq) order: one order, as if they were one queue.
      const queueUs = queue.peekTime();
      const timerUs = timers.peekTime();
      let seq: number;
      if (timerUs < queueUs || (timerUs === queueUs && timerUs !== Infinity && timers.peekSeq() < queue.peekSeq())) {
        if (timerUs > untilUs) break;
        seq = timers.peekSeq();
        const slot = timers.pop();
        this.nowUs = timerUs;
        this.currentTimerSlot = slot;
        this.processed++;
        this.fireTimer(slot);
        this.currentTimerSlot = -1;
      } else {
        if (queueUs > untilUs || queueUs === Infinity) break;
        seq = queue.peekSeq();
        const record = queue.pop();
        this.nowUs = queueUs;
        this.current = record;
        this.processed++;
        this.dispatch(record);
        this.current = -1;
        queue.release(record);
      }
      done++;
      if (stop()) {
        timers.passGhosts(this.nowUs, seq);
        return done;
      }
    }
    timers.passGhosts(untilUs, Infinity);
    return done;
  }

  /** The (time, seq) of the next event, Infinity when none. */
  private nextKey(): { timeUs: Us; seq: number } {
    const queueUs = this.queue.peekTime();
    const timerUs = this.timers.peekTime();
    if (timerUs < queueUs || (timerUs === queueUs && timerUs !== Infinity && this.timers.peekSeq() < this.queue.peekSeq())) {
      return { timeUs: timerUs, seq: this.timers.peekSeq() };
    }
    return queueUs === Infinity ? { timeUs: Infinity, seq: Infinity } : { timeUs: queueUs, seq: this.queue.peekSeq() };
  }

  /** The time of the next event, Infinity when none is pending. */
  nextEventUs(): Us {
    return Math.min(this.queue.peekTime(), this.timers.peekTime());
  }

  /** The next event as plain data, or null when none is pending. It stays pending. */
  peek(): PendingSimEvent | null {
    const { timeUs } = this.nextKey();
    if (timeUs === Infinity) return null;
    const timerUs = this.timers.peekTime();
    if (timerUs === timeUs && (this.queue.peekTime() !== timeUs || this.timers.peekSeq() < this.queue.peekSeq())) {
      const slot = this.timers.peekSlot();
      const node = (slot / TIMERS_PER_NODE_MAX) | 0;
      return { kind: 'timer', timeUs, node, timer: slot - node * TIMERS_PER_NODE_MAX };
    }
    const q = this.queue;
    const r = q.peekRecord();
    switch (q.kind[r]) {
      case Kind.Deliver:
        return { kind: 'deliver', timeUs, from: q.a[r]!, to: q.node[r]!, message: q.payload[r] as Message, sentUs: q.sentUs[r]! };
      case Kind.Timer:
        return { kind: 'timer', timeUs, node: q.node[r]!, timer: q.a[r]! };
      case Kind.ClientRequest:
        return { kind: 'client-request', timeUs, node: q.node[r]!, request: q.payload[r] as ClientRequest };
      case Kind.Call:
        return { kind: 'call', timeUs, target: q.payload[r] as ScheduledCall, a: q.a[r]!, b: q.b[r]! };
      default:
        return { kind: 'action', timeUs };
    }
  }

  /** Every message on the wire (queued for delivery), in arrival order. Allocates: for snapshots. */
  queuedDeliveries(): QueuedDelivery[] {
    const q = this.queue;
    const out: QueuedDelivery[] = [];
    q.forEachQueued((timeUs, seq, r) => {
      if (q.kind[r] !== Kind.Deliver) return;
      out.push({ from: q.a[r]!, to: q.node[r]!, message: q.payload[r] as Message, sentUs: q.sentUs[r]!, arriveUs: timeUs, seq });
    });
    return out.sort((x, y) => x.arriveUs - y.arriveUs || x.seq - y.seq);
  }

  /** Events a paused node holds for when it resumes (deliveries, timers, client requests). */
  backlog(node: number): number {
    return this.deferred[node]!.length;
  }

  /** What the event being processed is, for a violation report. Formats text, so call it only on the rare path. */
  describeCurrentEvent(): string {
    const names = this.options.nodeNames;
    const slot = this.currentTimerSlot;
    if (slot >= 0) return `at ${formatUs(this.nowUs)}: timer ${slot % TIMERS_PER_NODE_MAX} fired on ${names[Math.floor(slot / TIMERS_PER_NODE_MAX)]}`;
    const r = this.current;
    if (r < 0) return `at ${formatUs(this.nowUs)}`;
    const q = this.queue;
    const e = { kind: q.kind[r]!, node: q.node[r]!, a: q.a[r]!, payload: q.payload[r] };
    const where = `at ${formatUs(this.nowUs)}`;
    switch (e.kind) {
      case Kind.Deliver:
        return `${where}: delivery of ${this.protocol.messageName((e.payload as Message).kind)} (term ${(e.payload as Message).term}) ${names[e.a]} -> ${names[e.node]}`;
      case Kind.Timer:
        return `${where}: timer ${e.a} fired on ${names[e.node]}`;
      case Kind.ClientRequest:
        return `${where}: client ${(e.payload as ClientRequest).client + 1} request at ${names[e.node]}`;
      default:
        return `${where}: ${KIND_NAMES[e.kind as Kind]}`;
    }
  }

  private dispatch(record: number): void {
    const q = this.queue;
    const node = q.node[record]!;
    switch (q.kind[record]) {
      case Kind.Deliver: {
        const msg = q.payload[record] as Message;
        const from = q.a[record]!;
        const target = this.nodes[node];
        if (target === null || q.b[record] !== this.incarnation[node] || !this.network.connected(from, node)) {
          this.messagesDropped++;
          this.trace.message(this.nowUs, TraceType.lostAtArrival, node, from, msg);
          if (this.observer !== null) {
            this.observer.dropped(from, node, msg, q.sentUs[record]!, target === null || q.b[record] !== this.incarnation[node] ? 'receiver-down' : 'link-down-at-arrival');
          }
          return;
        }
        if (this.paused[node]) return this.defer(record);
        this.messagesDelivered++;
        this.trace.message(this.nowUs, TraceType.deliver, node, from, msg);
        if (this.observer !== null) this.observer.delivered(from, node, msg, q.sentUs[record]!);
        target.onMessage(from, msg);
        return;
      }
      case Kind.Timer: {
        const target = this.nodes[node];
        const timer = q.a[record]!;
        if (target === null || q.b[record] !== this.timerGeneration[node * TIMERS_PER_NODE_MAX + timer]) return;
        if (this.paused[node]) return this.defer(record);
        this.trace.timer(this.nowUs, node, timer);
        target.onTimer(timer);
        return;
      }
      case Kind.ClientRequest:
        // Only a request deferred while its node was paused comes back as an event; one from
        // before a crash is lost with the node's incarnation.
        if (q.b[record] !== this.incarnation[node]) return;
        return this.submit(node, q.payload[record] as ClientRequest);
      case Kind.Callback:
        (q.payload[record] as () => void)();
        return;
      case Kind.Call:
        (q.payload[record] as ScheduledCall).onScheduled(q.a[record]!, q.b[record]!);
        return;
      default:
        throw new Error(`unknown event kind ${q.kind[record]}`);
    }
  }

  /** A timer slot's firing: the slot was disarmed if its node crashed or cancelled it, so it is live. */
  private fireTimer(slot: number): void {
    const node = (slot / TIMERS_PER_NODE_MAX) | 0;
    const timer = slot - node * TIMERS_PER_NODE_MAX;
    const target = this.nodes[node];
    if (target === null) return;
    if (this.paused[node]) {
      this.deferred[node]!.push({ kind: Kind.Timer, a: timer, b: this.timerGeneration[slot]!, payload: null, sentUs: this.nowUs });
      return;
    }
    this.trace.timer(this.nowUs, node, timer);
    target.onTimer(timer);
  }

  private replyToClient(node: number, reply: ClientReply): void {
    this.trace.client(this.nowUs, TraceType.clientReply, node, reply.client, reply.seq, reply.ok ? 1 : 0);
    const listeners = this.replyListeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(node, reply);
  }

  private defer(record: number): void {
    const q = this.queue;
    this.deferred[q.node[record]!]!.push({ kind: q.kind[record]!, a: q.a[record]!, b: q.b[record]!, payload: q.payload[record], sentUs: q.sentUs[record]! });
  }

  private boot(node: number): void {
    this.bumpIncarnation(node);
    const instance = this.protocol.createNode(this.contexts[node]!, this.stable[node]);
    this.nodes[node] = instance;
    instance.start();
  }

  private bumpIncarnation(node: number): void {
    this.incarnation[node]!++;
    const base = node * TIMERS_PER_NODE_MAX;
    for (let t = 0; t < TIMERS_PER_NODE_MAX; t++) {
      this.timerGeneration[base + t]!++;
      this.timers.disarm(base + t, this.nowUs);
    }
  }

  private send(from: number, to: number, msg: Message): void {
    this.messagesSent++;
    const net = this.network;
    // Draw loss, latency and duplication for every message, so that the
    // network stream advances the same way whatever the links' state.
    const lost = net.lose();
    const latency = net.latency();
    const twice = net.duplicates();
    if (lost || !net.connected(from, to)) {
      this.messagesDropped++;
      this.trace.message(this.nowUs, TraceType.lost, to, from, msg);
      if (this.observer !== null) this.observer.dropped(from, to, msg, this.nowUs, lost ? 'random-loss' : 'link-down');
      return;
    }
    const incarnation = this.incarnation[to]!;
    const q = this.queue;
    q.sentUs[q.push(this.nowUs + latency, Kind.Deliver, to, from, incarnation, msg)] = this.nowUs;
    if (this.observer !== null) this.observer.sent(from, to, msg, this.nowUs + latency, false);
    if (twice) {
      this.messagesSent++;
      const again = this.nowUs + net.latency();
      q.sentUs[q.push(again, Kind.Deliver, to, from, incarnation, msg)] = this.nowUs;
      if (this.observer !== null) this.observer.sent(from, to, msg, again, true);
    }
  }

  private makeContext(self: number): NodeContext {
    const sim = this;
    const rng = this.timerRngs[self]!;
    const rate = 1 + this.drift[self]!;
    return {
      self,
      nodeCount: this.nodeCount,
      now: () => Math.floor(sim.nowUs * rate),
      send: (to, msg) => sim.send(self, to, msg),
      setTimer: (timer, delayUs) => {
        if (!(timer >= 0 && timer < TIMERS_PER_NODE_MAX)) assert(false, `timer id ${timer} out of range`);
        const slot = self * TIMERS_PER_NODE_MAX + timer;
        ++sim.timerGeneration[slot]!;
        // Takes a seq exactly where scheduling an event would, so equal-time order is unchanged.
        sim.timers.arm(slot, sim.nowUs + Math.max(0, Math.round(delayUs / rate)), sim.queue.takeSeq(), sim.nowUs);
      },
      cancelTimer: (timer) => {
        const slot = self * TIMERS_PER_NODE_MAX + timer;
        sim.timerGeneration[slot]!++;
        sim.timers.disarm(slot, sim.nowUs);
      },
      random: () => rng.next(),
      // The client hears the reply now, within the node's event (it never calls back into a node).
      reply: (reply) => sim.replyToClient(self, reply),
    };
  }
}
