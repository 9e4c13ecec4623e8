import type { ClientOp, ClientReply, Message, NodeContext } from '../../src/core/protocol.ts';
import { LeaderlessNode, LeaderlessProtocol, type LeaderlessConfig, type LeaderlessStable, type Version } from '../../src/protocols/leaderless/index.ts';
import type { LeaderlessModelSpec } from '../../src/run/leaderless-model.ts';

/**
 * A hand-driven cluster of leaderless nodes: messages wait in a FIFO until
 * `deliver` (or `settle`) hands them over, links can be cut, clocks are set
 * by hand, timers fire when `fire` says. No simulator: each test sees every
 * message the rule it checks is about.
 */
export interface Sent {
  readonly from: number;
  readonly to: number;
  readonly msg: Message & Record<string, unknown>;
}

export class Cluster {
  readonly protocol: LeaderlessProtocol;
  readonly nodes: LeaderlessNode[];
  readonly stables: LeaderlessStable[];
  readonly queue: Sent[] = [];
  readonly replies: { node: number; reply: ClientReply }[] = [];
  readonly timers: Map<number, number>[];
  /** Local clock per node (µs). */
  readonly clock: number[];
  /** cut[a][b]: messages from a to b are lost. */
  readonly cut: boolean[][];
  readonly received: { node: number; key: string; version: Version; kept: boolean }[] = [];
  private seq = 0;

  constructor(
    readonly names: readonly string[],
    config: Partial<LeaderlessConfig> = {},
  ) {
    const full: LeaderlessConfig = {
      replicas: 3,
      writeQuorum: 2,
      readQuorum: 2,
      sloppyQuorum: false,
      hintedHandoff: true,
      readRepair: 'blocking',
      antiEntropyUs: 0,
      clockOffsetUs: names.map(() => 0),
      requestTimeoutUs: 500_000,
      ...config,
    };
    this.protocol = new LeaderlessProtocol(full, names, { received: (node, key, version, kept) => this.received.push({ node, key, version, kept }) });
    this.clock = names.map(() => 1_000_000);
    this.cut = names.map(() => names.map(() => false));
    this.timers = names.map(() => new Map());
    this.stables = names.map(() => this.protocol.createStable());
    this.nodes = names.map((_, i) => this.protocol.createNode(this.context(i), this.stables[i]!));
    for (const node of this.nodes) node.start();
  }

  private context(self: number): NodeContext {
    return {
      self,
      nodeCount: this.names.length,
      now: () => this.clock[self]!,
      send: (to, msg) => {
        if (!this.cut[self]![to]) this.queue.push({ from: self, to, msg: msg as Sent['msg'] });
      },
      setTimer: (timer, delay) => this.timers[self]!.set(timer, this.clock[self]! + delay),
      cancelTimer: (timer) => this.timers[self]!.delete(timer),
      random: () => 0.5,
      reply: (reply) => this.replies.push({ node: self, reply }),
    };
  }

  /** The key's preference list (replicas first). */
  preference(key: string): number[] {
    return [...this.protocol.ring.preference(key)];
  }

  request(node: number, op: ClientOp): number {
    const seq = ++this.seq;
    this.nodes[node]!.onClientRequest({ client: node, seq, op });
    return seq;
  }

  replyTo(seq: number): ClientReply | undefined {
    return this.replies.find((r) => r.reply.seq === seq)?.reply;
  }

  /** Delivers queued messages (those `only` accepts) in FIFO order until none is left; returns how many. */
  settle(only: (s: Sent) => boolean = () => true, max = 10_000): number {
    let n = 0;
    for (let i = 0; i < this.queue.length && n < max; ) {
      const s = this.queue[i]!;
      if (!only(s)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      n++;
      if (!this.cut[s.from]![s.to]) this.nodes[s.to]!.onMessage(s.from, s.msg);
      i = 0;
    }
    return n;
  }

  /** Drops every queued message that `which` accepts. */
  drop(which: (s: Sent) => boolean): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (which(this.queue[i]!)) this.queue.splice(i, 1);
  }

  /** Advances every clock by `us` and fires each timer due (in node order). */
  advance(us: number): void {
    for (let i = 0; i < this.clock.length; i++) this.clock[i] = this.clock[i]! + us;
    for (let i = 0; i < this.nodes.length; i++) {
      for (const [timer, at] of [...this.timers[i]!]) {
        if (at <= this.clock[i]!) {
          this.timers[i]!.delete(timer);
          this.nodes[i]!.onTimer(timer);
        }
      }
    }
  }

  isolate(node: number): void {
    for (let j = 0; j < this.names.length; j++) if (j !== node) this.cut[node]![j] = this.cut[j]![node] = true;
  }

  heal(): void {
    for (const row of this.cut) row.fill(false);
  }

  value(node: number, key: string): unknown {
    return this.nodes[node]!.versionOf(key)?.value ?? null;
  }
}

/**
 * The split-brain partition of scenarios/cap with one leaderless model (the
 * model mapping inline, `{ kind: leaderless, ... }`): n1..n5, `minority` cut
 * from the rest at 1 s and healed at 3 s, then n2 crashed and restarted; five
 * clients on two keys. The properties vary the seed, the side and the model.
 */
export function partitionScenario(options: { readonly name: string; readonly seed: number; readonly model: string; readonly minority: readonly string[]; readonly network?: string }): string {
  const { name, seed, model, minority, network } = options;
  const rest = ['n1', 'n2', 'n3', 'n4', 'n5'].filter((n) => !minority.includes(n));
  return [
    `name: ${name}`,
    `seed: ${seed}`,
    'duration: 6s',
    'settle: 3s',
    'nodes: 5',
    ...(network !== undefined ? [`network: ${network}`] : []),
    'models:',
    `  - ${model}`,
    'workload: { clients: 5, interval: 20ms, keys: 2, reads: 0.5 }',
    'faults:',
    `  - { at: 1s, partition: [[${minority.join(', ')}], [${rest.join(', ')}]] }`,
    '  - { at: 3s, heal: true }',
    '  - { at: 3.5s, crash: n2 }',
    '  - { at: 4.5s, restart: n2 }',
  ].join('\n');
}

/** A leaderless model's spec: strict QUORUM/QUORUM over 3 replicas, blocking read repair, anti-entropy every 500 ms; `over` changes any of it. */
export function leaderlessSpec(over: Partial<LeaderlessModelSpec> = {}): LeaderlessModelSpec {
  return {
    kind: 'leaderless',
    name: 'leaderless',
    replicas: 3,
    writeQuorum: 'quorum',
    readQuorum: 'quorum',
    sloppyQuorum: false,
    hintedHandoff: true,
    readRepair: 'blocking',
    antiEntropyUs: 500_000,
    ...over,
  };
}
