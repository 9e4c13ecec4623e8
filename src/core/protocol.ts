import type { Us } from './time.ts';
/** A register value: null is the initial (empty) value. Key-value histories use strings. */
export type Value = number | string | null;

/**
 * What the simulator knows about a node: this interface and nothing else.
 * A protocol node is a pure state machine in the etcd sense: its inputs are
 * a message, a timer firing or a client request; its outputs are effects it
 * asks of the `NodeContext` (send, set a timer, reply). It reads no clock and
 * no randomness of its own.
 */

/** A protocol message. `kind` is a small integer (names via `Protocol.messageName`), `term` the sender's term or epoch. */
export interface Message {
  readonly kind: number;
  readonly term: number;
}

export type ClientFunction = 'read' | 'write' | 'cas';

export interface ClientOp {
  readonly f: ClientFunction;
  readonly key: string;
  /** write: the (unique) value; cas: [old, new]; read: null. */
  readonly value: Value | readonly [Value, Value];
}

export interface ClientRequest {
  /** 0-based client index. */
  readonly client: number;
  /** Increases with every operation of that client. */
  readonly seq: number;
  readonly op: ClientOp;
}

export interface ClientReply {
  readonly client: number;
  readonly seq: number;
  /**
   * true: took effect (`ok`); false: did not take effect (`fail`) — unless
   * `indeterminate` is set.
   */
  readonly ok: boolean;
  /**
   * With `ok: false`: the node cannot tell whether the operation took effect
   * (a copy of the request may still be appended and committed elsewhere).
   * The client records `info`, as Jepsen's clients do; `fail` is only for
   * operations no copy of which can ever take effect.
   */
  readonly indeterminate?: boolean;
  /** The value read (reads). */
  readonly value?: Value;
  /** On failure: `mismatch` for a cas whose compare failed, otherwise why it was rejected. */
  readonly error?: string;
}

export interface NodeContext {
  /** This node's index (0-based) among `nodeCount` nodes. */
  readonly self: number;
  readonly nodeCount: number;
  /** The node's local clock; runs fast or slow under clock drift. */
  now(): Us;
  send(to: number, msg: Message): void;
  /** (Re)arms timer `timer`; a timer armed again replaces its pending firing. Delays are in local time. */
  setTimer(timer: number, delayUs: Us): void;
  cancelTimer(timer: number): void;
  /** Uniform in [0, 1) from this node's own timer stream. */
  random(): number;
  /** Answers a client bound to this node. */
  reply(reply: ClientReply): void;
}

/** An operator's command to the leader or primary, scripted as a fault action. */
export type AdminCommand =
  | { readonly type: 'transfer'; readonly to: number }
  | { readonly type: 'add'; readonly node: number }
  | { readonly type: 'remove'; readonly node: number };

export interface ProtocolNode {
  /** Called once after the node is created (boot or restart), before any input. */
  start(): void;
  onMessage(from: number, msg: Message): void;
  onTimer(timer: number): void;
  onClientRequest(request: ClientRequest): void;
  /** Carries out an operator's command; returns a line for the event log, starting with `skipped` when it did nothing. Absent: the protocol has no such commands. */
  onAdmin?(command: AdminCommand): string;
  /** Plain data about the node's state (role, term, log) for the UI and reports; `tailMax`: how many of the last log entries' terms to include (default none). Allocates. `raftsim bench election` reads the term from it. */
  view(tailMax?: number): NodeView;
}

export interface NodeView {
  readonly role: string;
  readonly term: number;
  readonly logLength: number;
  readonly commitIndex: number;
  /** The fields below are for the UI; a protocol fills those it has. */
  readonly appliedIndex?: number;
  /** The node it voted for in `term`, -1 for none (Raft). */
  readonly votedFor?: number;
  /** The leader or primary it believes in, -1 for none known. */
  readonly leader?: number;
  /** The terms (epochs) of its last log entries, oldest first, at most the `tailMax` asked for; the last is at `logLength`. */
  readonly logTailTerms?: readonly number[];
  /** Primary/replica: it counts on holding the leader lock. */
  readonly holdsLock?: boolean;
  /** Primary/replica, a primary: the standbys whose acknowledgement its writes wait for. */
  readonly syncStandbys?: readonly number[];
  /** Raft: the voting members as it knows them. */
  readonly members?: readonly number[];
}

/** The most timers one node may have armed at once (ids 0..TIMERS_PER_NODE_MAX-1). */
export const TIMERS_PER_NODE_MAX = 8;

export interface Protocol {
  readonly kind: string;
  messageName(kind: number): string;
  /** What timer `timer` is for (`election`, `heartbeat`), for the UI. */
  timerName?(timer: number): string;
  /** A fresh, empty disk for node `node`. It survives crashes; everything else is lost. */
  createStable(node: number): unknown;
  /** Boots or restarts a node from its disk. */
  createNode(ctx: NodeContext, stable: unknown): ProtocolNode;
  /** What a crashed node's disk holds, as a view (role `crashed`), for the UI. Allocates. */
  stableView?(stable: unknown, tailMax: number): NodeView;
  /**
   * The model's current leader or primary among the live nodes (null entries
   * are crashed), or -1 when there is none. Used to resolve `leader` targets.
   */
  leaderOf(nodes: readonly (ProtocolNode | null)[]): number;
}
