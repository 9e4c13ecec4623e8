import type { Us } from '../core/time.ts';
import type { RunEvent, RunSnapshot } from '../run/events.ts';
import type { SteppableRun } from '../run/steppable.ts';
import type { Value } from '../workload/history.ts';

/**
 * What the exports (Perfetto trace, SVG pictures, HTML report) draw of one
 * model's run, gathered from its event stream. A recorder subscribes only
 * when an export asks for one, so a run without exports keeps its event loop
 * as it is (the stream's observers are attached only while someone listens);
 * listening changes neither the run nor its `traceHash`.
 */

export interface RecordedMessage {
  readonly from: string;
  readonly to: string;
  readonly message: string;
  readonly term: number;
  readonly sentUs: Us;
  /** When it arrived or was lost; when it was still on the wire at the end: its planned arrival. */
  endUs: Us;
  outcome: 'delivered' | 'dropped' | 'in-flight';
  /** Why it was lost: `link-down`, `random-loss` (at send), `link-down-at-arrival`, `receiver-down`. */
  reason?: string;
  readonly duplicate: boolean;
}

/** A node in a role (or down) from `fromUs` until the next span of the same node, or the end. */
export interface RoleSpan {
  readonly node: string;
  readonly fromUs: Us;
  /** follower, preCandidate, candidate, leader; primary, replica; crashed, paused. */
  readonly role: string;
  readonly term: number;
}

/** The network and the nodes just after a fault (or settle), as the exports shade them. */
export interface NetworkState {
  readonly atUs: Us;
  /** Partition groups; one group when nothing is partitioned. */
  readonly groups: readonly (readonly string[])[];
  readonly cuts: readonly { readonly from: string; readonly to: string }[];
  /** Nodes crashed or paused from here on. */
  readonly down: readonly { readonly node: string; readonly status: 'crashed' | 'paused' }[];
}

export interface RecordedFault {
  readonly atUs: Us;
  readonly text: string;
  readonly skipped: boolean;
  readonly injected: boolean;
  /** True for settle (every fault healed). */
  readonly settle: boolean;
}

export interface RecordedOp {
  readonly client: number;
  readonly node: string;
  readonly f: string;
  readonly key: string;
  value: Value | readonly [Value, Value];
  readonly invokedUs: Us;
  completedUs: Us | null;
  outcome: 'ok' | 'fail' | 'info' | null;
  error?: string;
}

export interface RecordedEvent {
  readonly atUs: Us;
  readonly node: string | null;
  readonly text: string;
}

export interface Recording {
  readonly model: string;
  readonly kind: string;
  readonly nodes: readonly string[];
  readonly durationUs: Us;
  /** Where the run ended (duration + settle, or `--until`). */
  endUs: Us;
  readonly messages: RecordedMessage[];
  readonly roles: RoleSpan[];
  readonly networks: NetworkState[];
  readonly faults: RecordedFault[];
  readonly ops: RecordedOp[];
  readonly commits: { readonly node: string; readonly atUs: Us; readonly index: number }[];
  readonly violations: { readonly atUs: Us; readonly invariant: string; readonly detail: string }[];
  /** The model's important notes (leaders taking office, stepping down): the event log. */
  readonly notes: RecordedEvent[];
}

export interface RecordOptions {
  /**
   * Keep only the messages on the wire at some time in [fromUs, toUs] (what
   * a space-time diagram of that window draws), so that a long run's
   * pictures do not hold every message of the run. Absent: every message
   * (the Perfetto trace).
   */
  readonly messagesIn?: { readonly fromUs: Us; readonly toUs: Us };
}

/**
 * Starts recording `run` (before its first event); `finish`, once the run
 * has ended, notes where it ended and keeps the messages still on the wire.
 * `messages` are then in the order they were sent.
 */
export function recordRun(run: SteppableRun, options: RecordOptions = {}): { readonly recording: Recording; finish(): void } {
  const within = options.messagesIn;
  const keep = (m: RecordedMessage): boolean => within === undefined || (m.sentUs <= within.toUs && m.endUs >= within.fromUs);
  // With a window, a message is kept once its fate is known (or the run ends), each with its send ordinal for the order.
  const kept: { m: RecordedMessage; n: number }[] = [];
  let sends = 0;
  const first = run.snapshot({ logTail: 0, inFlightMax: 0, recentOutcomes: 0 });
  const rec: Recording = {
    model: run.name,
    kind: first.kind,
    nodes: [...run.nodeNames],
    durationUs: first.durationUs,
    endUs: first.endUs,
    messages: [],
    roles: first.nodes.map((n) => ({ node: n.name, fromUs: 0, role: n.status === 'up' ? n.role : n.status, term: n.term })),
    networks: [networkOf(first, 0)],
    faults: [],
    ops: [],
    commits: [],
    violations: [],
    notes: [],
  };
  // A message's key → its sends not yet delivered or lost, oldest first (a duplicate is a second send).
  const open = new Map<string, RecordedMessage[]>();
  const key = (from: string, to: string, message: string, term: number, sentUs: Us) => `${from}>${to}|${message}|${term}|${sentUs}`;
  const openOps = new Map<number, RecordedOp>();
  /** Each message on the wire: its send ordinal. */
  const order = new Map<RecordedMessage, number>();
  const current = new Map(rec.roles.map((r) => [r.node, r]));
  const setRole = (node: string, atUs: Us, role: string, term: number) => {
    const was = current.get(node);
    if (was !== undefined && was.role === role && was.term === term) return;
    const span = { node, fromUs: atUs, role, term };
    rec.roles.push(span);
    current.set(node, span);
  };
  const afterFault = (atUs: Us) => {
    const snap = run.snapshot({ logTail: 0, inFlightMax: 0, recentOutcomes: 0 });
    rec.networks.push(networkOf(snap, atUs));
    // Crashes, pauses and restarts; a term the node learned meanwhile is not a new role (role events carry those).
    for (const n of snap.nodes) {
      const role = n.status === 'up' ? n.role : n.status;
      if (current.get(n.name)?.role !== role) setRole(n.name, atUs, role, n.term);
    }
  };
  const listener = (e: RunEvent): void => {
    switch (e.type) {
      case 'message-sent': {
        // A follower (replica) learns a new term (epoch) without a role event: its first message in it tells.
        const span = current.get(e.from);
        if (span !== undefined && e.term > span.term && span.role !== 'crashed' && span.role !== 'paused') setRole(e.from, e.atUs, span.role, e.term);
        const m: RecordedMessage = { from: e.from, to: e.to, message: e.message, term: e.term, sentUs: e.atUs, endUs: e.arriveUs, outcome: 'in-flight', duplicate: e.duplicate };
        if (within === undefined) rec.messages.push(m);
        const k = key(e.from, e.to, e.message, e.term, e.atUs);
        const list = open.get(k);
        order.set(m, sends++);
        if (list === undefined) open.set(k, [m]);
        else list.push(m);
        break;
      }
      case 'message-delivered':
      case 'message-dropped': {
        const k = key(e.from, e.to, e.message, e.term, e.sentUs);
        const list = open.get(k);
        let m = list?.shift();
        if (list !== undefined && list.length === 0) open.delete(k);
        if (m === undefined) {
          // Lost at send: never on the wire.
          m = { from: e.from, to: e.to, message: e.message, term: e.term, sentUs: e.sentUs, endUs: e.atUs, outcome: 'in-flight', duplicate: false };
          order.set(m, sends++);
          if (within === undefined) rec.messages.push(m);
        }
        m.endUs = e.atUs;
        m.outcome = e.type === 'message-delivered' ? 'delivered' : 'dropped';
        if (e.type === 'message-dropped') m.reason = e.reason;
        if (within !== undefined && keep(m)) kept.push({ m, n: order.get(m)! });
        order.delete(m);
        break;
      }
      case 'role':
        setRole(e.node, e.atUs, e.role, e.term);
        break;
      case 'fault':
        rec.faults.push({ atUs: e.atUs, text: e.text, skipped: e.skipped, injected: e.injected, settle: false });
        afterFault(e.atUs);
        break;
      case 'settle':
        rec.faults.push({ atUs: e.atUs, text: e.text, skipped: false, injected: false, settle: true });
        afterFault(e.atUs);
        break;
      case 'client-invoked': {
        const op: RecordedOp = { client: e.client, node: e.node, f: e.f, key: e.key, value: e.value, invokedUs: e.atUs, completedUs: null, outcome: null };
        rec.ops.push(op);
        openOps.set(e.client, op);
        break;
      }
      case 'client-completed': {
        const op = openOps.get(e.client);
        if (op === undefined) break;
        openOps.delete(e.client);
        op.completedUs = e.atUs;
        op.outcome = e.outcome;
        op.value = e.value;
        if (e.error !== undefined) op.error = e.error;
        break;
      }
      case 'commit':
        rec.commits.push({ node: e.node, atUs: e.atUs, index: e.index });
        break;
      case 'violation':
        rec.violations.push({ atUs: e.atUs, invariant: e.violation.invariant, detail: e.violation.detail });
        break;
      case 'note':
        if (e.important) rec.notes.push({ atUs: e.atUs, node: e.node, text: e.node === null ? e.text : `${e.node} ${e.text}` });
        break;
      default:
        break;
    }
  };
  // Never unsubscribed: `finish({ release: true })` lets the simulation go, and with it every event to come.
  run.subscribe(listener);
  return {
    recording: rec,
    finish(): void {
      rec.endUs = run.nowUs;
      if (within === undefined) return;
      for (const [m, n] of order) if (keep(m)) kept.push({ m, n });
      order.clear();
      kept.sort((a, b) => a.n - b.n);
      for (const k of kept) rec.messages.push(k.m);
      kept.length = 0;
    },
  };
}

function networkOf(snap: RunSnapshot, atUs: Us): NetworkState {
  return {
    atUs,
    groups: snap.network.groups.map((g) => [...g]),
    cuts: snap.network.cuts.map((c) => ({ from: c.from, to: c.to })),
    down: snap.nodes.filter((n) => n.status !== 'up').map((n) => ({ node: n.name, status: n.status as 'crashed' | 'paused' })),
  };
}
