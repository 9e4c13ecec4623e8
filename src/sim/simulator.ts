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
import { EventQueue, type SimEvent } from './queue.ts';
import { Trace, TraceType } from './trace.ts';

const enum Kind {
  /** node = receiver, a = sender, b = receiver's incarnation at send time, payload = message. */
  Deliver = 0,
  /** node, a = timer id, b = the timer's generation when armed. */
  Timer = 1,
  /** node = the client's node, b = its incarnation, payload = request. */
  ClientRequest = 2,
  /** node = the replying node, payload = reply. */
  ClientReply = 3,
  /** payload = a callback (faults, client ticks): rare events off the hot path. */
  Callback = 4,
}

const KIND_NAMES = ['delivery', 'timer', 'client request', 'client reply', 'scheduled action'];

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

  events = 0;
  messagesSent = 0;
  messagesDelivered = 0;
  messagesDropped = 0;

  private readonly queue = new EventQueue();
  private readonly protocol: Protocol;
  private readonly incarnation: Int32Array;
  private readonly timerGeneration: Int32Array;
  private readonly timerRngs: Rng[];
  private readonly drift: readonly number[];
  private readonly deferred: Deferred[][];
  private readonly contexts: NodeContext[] = [];
  private current: SimEvent | null = null;

  constructor(private readonly options: SimulatorOptions) {
    const n = options.nodeNames.length;
    this.nodeCount = n;
    this.protocol = options.protocol;
    this.trace = options.trace;
    this.network = new Network(n, options.network, rngStream(options.seed, 'network'));
    this.incarnation = new Int32Array(n);
    this.timerGeneration = new Int32Array(n * TIMERS_PER_NODE_MAX);
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
    assert(timeUs >= this.nowUs, `cannot schedule in the past: ${timeUs} < ${this.nowUs}`);
    this.queue.push(timeUs, Kind.Callback, -1, 0, 0, action);
  }

  /** A client's request reaches its node now (clients share their node's side of every partition). */
  submit(node: number, request: ClientRequest): void {
    this.queue.push(this.nowUs, Kind.ClientRequest, node, 0, this.incarnation[node]!, request);
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
    while (queue.peekTime() <= untilUs) {
      const event = queue.pop()!;
      this.nowUs = event.timeUs;
      this.current = event;
      this.events++;
      this.dispatch(event);
      this.current = null;
      queue.release(event);
      if (stop()) return;
    }
    this.nowUs = untilUs;
  }

  /** What the event being processed is, for a violation report. Formats text, so call it only on the rare path. */
  describeCurrentEvent(): string {
    const e = this.current;
    if (e === null) return `at ${formatUs(this.nowUs)}`;
    const names = this.options.nodeNames;
    const where = `at ${formatUs(e.timeUs)}`;
    switch (e.kind) {
      case Kind.Deliver:
        return `${where}: delivery of ${this.protocol.messageName((e.payload as Message).kind)} (term ${(e.payload as Message).term}) ${names[e.a]} -> ${names[e.node]}`;
      case Kind.Timer:
        return `${where}: timer ${e.a} fired on ${names[e.node]}`;
      case Kind.ClientRequest:
        return `${where}: client ${(e.payload as ClientRequest).client + 1} request at ${names[e.node]}`;
      default:
        return `${where}: ${KIND_NAMES[e.kind]}`;
    }
  }

  private dispatch(event: SimEvent): void {
    const node = event.node;
    switch (event.kind) {
      case Kind.Deliver: {
        const msg = event.payload as Message;
        const target = this.nodes[node];
        if (target === null || event.b !== this.incarnation[node] || !this.network.connected(event.a, node)) {
          this.messagesDropped++;
          this.trace.message(event.timeUs, TraceType.lostAtArrival, node, event.a, msg);
          return;
        }
        if (this.paused[node]) return this.defer(event);
        this.messagesDelivered++;
        this.trace.message(event.timeUs, TraceType.deliver, node, event.a, msg);
        target.onMessage(event.a, msg);
        return;
      }
      case Kind.Timer: {
        const target = this.nodes[node];
        if (target === null || event.b !== this.timerGeneration[node * TIMERS_PER_NODE_MAX + event.a]) return;
        if (this.paused[node]) return this.defer(event);
        this.trace.timer(event.timeUs, node, event.a);
        target.onTimer(event.a);
        return;
      }
      case Kind.ClientRequest: {
        const target = this.nodes[node];
        const request = event.payload as ClientRequest;
        if (target === null || event.b !== this.incarnation[node]) return;
        if (this.paused[node]) return this.defer(event);
        this.trace.client(event.timeUs, TraceType.clientRequest, node, request.client, request.seq, 0);
        target.onClientRequest(request);
        return;
      }
      case Kind.ClientReply: {
        const reply = event.payload as ClientReply;
        this.trace.client(event.timeUs, TraceType.clientReply, node, reply.client, reply.seq, reply.ok ? 1 : 0);
        this.onClientReply(node, reply);
        return;
      }
      case Kind.Callback:
        (event.payload as () => void)();
        return;
      default:
        throw new Error(`unknown event kind ${event.kind}`);
    }
  }

  private defer(event: SimEvent): void {
    this.deferred[event.node]!.push({ kind: event.kind, a: event.a, b: event.b, payload: event.payload });
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
    for (let t = 0; t < TIMERS_PER_NODE_MAX; t++) this.timerGeneration[base + t]!++;
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
        assert(timer >= 0 && timer < TIMERS_PER_NODE_MAX, `timer id ${timer} out of range`);
        const slot = self * TIMERS_PER_NODE_MAX + timer;
        const generation = ++sim.timerGeneration[slot]!;
        sim.queue.push(sim.nowUs + Math.max(0, Math.round(delayUs / rate)), Kind.Timer, self, timer, generation, null);
      },
      cancelTimer: (timer) => {
        sim.timerGeneration[self * TIMERS_PER_NODE_MAX + timer]!++;
      },
      random: () => rng.next(),
      reply: (reply) => sim.queue.push(sim.nowUs, Kind.ClientReply, self, 0, 0, reply),
    };
  }
}
