import { assert } from '../core/assert.ts';
import { rngStream, type Rng } from '../core/random.ts';
import { formatUs, type Us } from '../core/time.ts';
import type { NetworkParams } from '../scenario/types.ts';
import { Network } from './network.ts';
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
}

/**
 * The discrete-event loop: a queue of (time, seq)-ordered events, a network,
 * and a host for each node that performs the effects it asks for, crashes it
 * (dropping volatile state, timers and in-flight deliveries) and restarts it
 * from what it persisted.
 */
export class Simulator {
  nowUs: Us = 0;
  readonly network: Network;
  readonly trace: Trace;
  readonly nodeCount: number;
  readonly nodes: (ProtocolNode | null)[];
  /** Each node's disk: survives crashes. */
  readonly stable: unknown[];
  readonly paused: boolean[];
  /** Called when a node answers a client. Set by the workload. */
  onClientReply: (node: number, reply: ClientReply) => void = () => {};

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
   * A client's request reaches its node now, within the event that issued it
   * (clients share their node's side of every partition). A crashed node
   * never sees it; a paused one sees it when it resumes.
   */
  submit(node: number, request: ClientRequest): void {
    const target = this.nodes[node];
    if (target === null || target === undefined) return;
    if (this.paused[node]) {
      this.deferred[node]!.push({ kind: Kind.ClientRequest, a: 0, b: this.incarnation[node]!, payload: request });
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
    for (const d of backlog) this.queue.push(this.nowUs, d.kind, node, d.a, d.b, d.payload);
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
   * Processes every event due at or before `untilUs`, then sets the clock to
   * `untilUs`. `stop` is consulted after each event; returning true ends the
   * run early (a safety violation, say).
   */
  run(untilUs: Us, stop: () => boolean = () => false): void {
    const queue = this.queue;
    const timers = this.timers;
    for (;;) {
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
      if (stop()) {
        timers.passGhosts(this.nowUs, seq);
        return;
      }
    }
    timers.passGhosts(untilUs, Infinity);
    this.nowUs = untilUs;
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
          return;
        }
        if (this.paused[node]) return this.defer(record);
        this.messagesDelivered++;
        this.trace.message(this.nowUs, TraceType.deliver, node, from, msg);
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
      this.deferred[node]!.push({ kind: Kind.Timer, a: timer, b: this.timerGeneration[slot]!, payload: null });
      return;
    }
    this.trace.timer(this.nowUs, node, timer);
    target.onTimer(timer);
  }

  private replyToClient(node: number, reply: ClientReply): void {
    this.trace.client(this.nowUs, TraceType.clientReply, node, reply.client, reply.seq, reply.ok ? 1 : 0);
    this.onClientReply(node, reply);
  }

  private defer(record: number): void {
    const q = this.queue;
    this.deferred[q.node[record]!]!.push({ kind: q.kind[record]!, a: q.a[record]!, b: q.b[record]!, payload: q.payload[record] });
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
      return;
    }
    const incarnation = this.incarnation[to]!;
    this.queue.push(this.nowUs + latency, Kind.Deliver, to, from, incarnation, msg);
    if (twice) {
      this.messagesSent++;
      this.queue.push(this.nowUs + net.latency(), Kind.Deliver, to, from, incarnation, msg);
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
