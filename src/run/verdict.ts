import { eachOperation, pairEvents, processesOf, type Operation } from '../check/figures.ts';
import type { Us } from '../core/time.ts';
import { HistoryLog, type HistoryEvent } from '../workload/history.ts';
import { isBrokenPromise, isLivenessFailure, PROMISE_PREFIX } from './promises.ts';
import type { ModelSummary } from './types.ts';

/**
 * A client kept from an answer at least this long counts as the model
 * choosing to be unavailable rather than as the price of a failover: a
 * default failover (a 1 s lock TTL, or an election after a missed heartbeat)
 * plus one client timeout (1 s) that was in flight when it began, with a
 * second to spare. A partition the model waits out lasts far longer.
 */
export const UNAVAILABLE_MS_MIN = 3_000;

/** A stretch of simulated time a node was crashed or paused: its clients could not reach it, whatever the model. */
export interface NodeDowntime {
  readonly node: number;
  readonly fromUs: Us;
  readonly toUs: Us;
}

/** What the verdict is computed from: the figures, and per client how long it went unanswered. */
export interface VerdictInput {
  readonly summary: Pick<ModelSummary, 'lostWrites' | 'staleReads' | 'dirtyReads' | 'linearizable' | 'violations'>;
  /** Per client: the longest stretch of the horizon in which it asked and got no answer (see `clientOutagesMs`) (ms). */
  readonly clientOutagesMs: readonly number[];
  /** The longest of them was a stretch of unanswered reads, not writes (rtoMs counts only writes): the verdict says so. */
  readonly worstIsReads?: boolean;
  /** The longest stretch in which every node was down (crashed or paused) at once (ms); 0 or absent: never. */
  readonly allDownMs?: number;
}

export interface ClientPlacement {
  readonly nodeCount: number;
  /** Time a client's own node was down does not count against the model. */
  readonly downtime: readonly NodeDowntime[];
  /**
   * Count a client's outages per key it uses (the kind's `availabilityPerKey`): where each key has replicas of
   * its own, a client answered on one key and refused on another was unavailable for the other.
   */
  readonly perKey?: boolean;
}

/**
 * Per client (in process order): its longest outage before `horizon` in ms,
 * for reads and for writes apart — from a read (write) invoked after its
 * last answered read (write) until its next answered one (see
 * `answered`) — leaving out the time its own node (client p is bound
 * to node (p-1) mod N) was down. Reads count as much as writes: a client
 * whose reads all time out was unavailable, though it wrote nothing; and
 * reads answered between a client's stalled writes do not end its write
 * outage. With `placement.perKey`, each key a client uses has outages of its
 * own, and the client's longest is the longest over its keys.
 */
export function clientOutagesMs(history: HistoryLog | readonly HistoryEvent[], horizonUs: Us, placement: ClientPlacement | null = null): number[] {
  return clientOutages(history, horizonUs, placement).map((o) => Math.max(o.readsMs, o.writesMs));
}

/** Per client (in process order): its longest read outage and its longest write outage (ms), as in `clientOutagesMs`. */
export function clientOutages(
  history: HistoryLog | readonly HistoryEvent[],
  horizonUs: Us,
  placement: ClientPlacement | null = null,
): { readonly readsMs: number; readonly writesMs: number }[] {
  // Streamed, so that a long run holds no object per operation: a client runs one operation at a
  // time, so its operations arrive in invoke order, the order a client's outages run in.
  type Client = { readonly down: readonly NodeDowntime[]; open: [Us | null, Us | null]; longest: [number, number] };
  const clients = new Map<number, Client>();
  // Per key (perKey): a client's state per key id or name, and the client's states, by process.
  const perKey = placement?.perKey === true;
  const byKey = new Map<number, Map<number | string, Client>>();
  const close = (c: { readonly down: readonly NodeDowntime[]; longest: [number, number] }, k: 0 | 1, from: Us, to: Us): void => {
    if (c.down.length === 0) c.longest[k] = Math.max(c.longest[k], to - from);
    else for (const [a, b] of subtract(from, to, c.down)) c.longest[k] = Math.max(c.longest[k], b - a);
  };
  // One operation: its client, reads (0) or writes (1), when it was invoked, and when it was answered (null: it was not).
  const newClient = (process: number): Client => ({
    down: placement === null ? [] : placement.downtime.filter((d) => d.node === (process - 1) % placement.nodeCount),
    open: [null, null],
    longest: [0, 0],
  });
  const step = (process: number, key: number | string, k: 0 | 1, invokeUs: Us, answeredUs: Us | null): void => {
    let c: Client | undefined;
    if (perKey) {
      let keys = byKey.get(process);
      if (keys === undefined) byKey.set(process, (keys = new Map()));
      c = keys.get(key);
      if (c === undefined) keys.set(key, (c = newClient(process)));
    } else {
      c = clients.get(process);
      if (c === undefined) clients.set(process, (c = newClient(process)));
    }
    if (c.open[k] === null) c.open[k] = invokeUs;
    if (answeredUs === null) return;
    close(c, k, c.open[k]!, Math.min(answeredUs, horizonUs));
    c.open[k] = null;
  };
  if (history instanceof HistoryLog) {
    // From the columns, with no object per operation.
    const { n, invoke, complete } = pairEvents(history);
    for (let op = 0; op < n; op++) {
      const inv = invoke[op]!;
      const invokeUs = history.tAt(inv);
      if (invokeUs >= horizonUs) continue;
      const f = history.fCodeAt(inv);
      const c = complete[op]!;
      // Answered: ok, or a cas whose compare failed (see `answered`).
      const type = c < 0 ? 3 : history.typeCodeAt(c);
      const answeredUs = type === 1 || (type === 2 && history.errorAt(c) === 'mismatch') ? history.tAt(c) : null;
      step(history.processAt(inv), perKey ? history.keyIdAt(inv) : 0, f === F_READ || f === F_GET ? 0 : 1, invokeUs, answeredUs);
    }
  } else {
    for (const op of eachOperation(history)) {
      if (op.invokeUs >= horizonUs) continue;
      step(op.process, op.key, op.f === 'read' || op.f === 'get' ? 0 : 1, op.invokeUs, answered(op) ? op.completeUs : null);
    }
  }
  const longest = (c: Client): [number, number] => {
    for (const k of [0, 1] as const) if (c.open[k] !== null) close(c, k, c.open[k]!, horizonUs);
    return c.longest;
  };
  return processesOf(history).map((p) => {
    let readsUs = 0;
    let writesUs = 0;
    for (const c of perKey ? (byKey.get(p)?.values() ?? []) : [clients.get(p)]) {
      if (c === undefined) continue;
      const [r, w] = longest(c);
      readsUs = Math.max(readsUs, r);
      writesUs = Math.max(writesUs, w);
    }
    return { readsMs: readsUs / 1000, writesMs: writesUs / 1000 };
  });
}

/**
 * A client's outages, for its reads or its writes apart, run from the invoke
 * of the first operation after its last answered one to the completion of
 * its next answered one (or the horizon). An operation is answered when it
 * completed ok, or when it is a cas whose compare failed (`mismatch`): the
 * model served the client and said no, which is an answer, not
 * unavailability. A read or write that timed out, or was refused (no
 * leader), is not answered.
 */
function answered(op: Operation): boolean {
  return op.type === 'ok' || (op.type === 'fail' && op.error === 'mismatch');
}

/** HistoryLog's function codes of reads (`read`, `get`). */
const F_READ = 0;
const F_GET = 3;

/** [from, to) minus every down interval: the pieces left. */
function subtract(from: Us, to: Us, down: readonly NodeDowntime[]): [Us, Us][] {
  let pieces: [Us, Us][] = [[from, to]];
  for (const d of down) {
    pieces = pieces.flatMap(([a, b]): [Us, Us][] => {
      if (d.toUs <= a || d.fromUs >= b) return [[a, b]];
      const left: [Us, Us][] = d.fromUs > a ? [[a, d.fromUs]] : [];
      const right: [Us, Us][] = d.toUs < b ? [[d.toUs, b]] : [];
      return [...left, ...right];
    });
  }
  return pieces;
}

/** The longest stretch of [0, horizon) in which all `nodeCount` nodes were down at once (ms). */
export function allNodesDownMs(placement: ClientPlacement, horizonUs: Us): number {
  // Each node's down intervals are disjoint, so the count of down nodes rises and falls by one per edge.
  const edges: [Us, number][] = [];
  for (const d of placement.downtime) {
    const from = Math.max(0, d.fromUs);
    const to = Math.min(horizonUs, d.toUs);
    if (to > from) edges.push([from, 1], [to, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let down = 0;
  let since = 0;
  let longest = 0;
  for (const [t, delta] of edges) {
    if (down === placement.nodeCount && delta < 0) longest = Math.max(longest, t - since);
    down += delta;
    if (down === placement.nodeCount && delta > 0) since = t;
  }
  return longest / 1000;
}

function seconds(ms: number): string {
  return ms < 100 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function plural(count: number, one: string, many: string = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * One line in CAP terms, computed from the figures: what the model gave up
 * under this fault script. Consistency is given up when an acknowledged
 * write was lost, a read returned superseded or never-committed data, or
 * the history is not linearizable; availability when some client whose
 * node was up went unanswered (reads or writes) for UNAVAILABLE_MS_MIN or
 * longer. In order of precedence, the line says:
 *
 * - `down for T: every node was crashed or paused at once; ` first, when
 *   that happened (CAP's availability is about the nodes that are up, and
 *   rtoMs counts this stretch too);
 * - `broke its own safety rules: …` when the model's safety checker found a
 *   violation;
 * - `broke its promises (…): …` when the figures break what the
 *   configuration promises (see promises.ts);
 * - `liveness failure: …; ` before the CAP part when the cluster did not
 *   converge after settle, which is not a safety matter;
 * - then chose consistency / chose availability / kept both / gave up both.
 */
export function capVerdict(input: VerdictInput): string {
  const s = input.summary;
  const allDownMs = input.allDownMs ?? 0;
  const down = allDownMs > 0 ? `down for ${seconds(allDownMs)}: every node was crashed or paused at once; otherwise ` : '';
  const rules = s.violations.filter((v) => !isBrokenPromise(v));
  if (rules.length > 0) {
    const names = [...new Set(rules.map((v) => v.invariant))].join(', ');
    return `${down}broke its own safety rules: ${plural(rules.length, 'violation')} (${names})`;
  }
  const anomalies: string[] = [];
  if (s.lostWrites > 0) anomalies.push(`lost ${plural(s.lostWrites, 'acknowledged write')}`);
  if (s.staleReads > 0) anomalies.push(plural(s.staleReads, 'stale read'));
  if (s.dirtyReads > 0) anomalies.push(plural(s.dirtyReads, 'dirty read'));
  if (s.linearizable === false) anomalies.push('a non-linearizable history');
  const outages = input.clientOutagesMs;
  const worstMs = outages.reduce((a, b) => Math.max(a, b), 0);
  const affected = outages.filter((ms) => ms >= UNAVAILABLE_MS_MIN).length;
  const up = `stayed up (no client whose node was up went unanswered for more than ${seconds(worstMs)})`;
  const unavailable = `unavailable for ${seconds(worstMs)}${input.worstIsReads === true ? ' (reads)' : ''} to ${affected} of ${plural(outages.length, 'client')}`;

  const liveness = s.violations.filter(isLivenessFailure);
  const stalled = liveness.length > 0 ? `liveness failure: ${liveness[0]!.detail}; ` : '';
  const promises = s.violations.filter((v) => isBrokenPromise(v) && !isLivenessFailure(v));
  if (promises.length > 0) {
    const names = promises.map((v) => v.invariant.slice(PROMISE_PREFIX.length)).join(', ');
    return `${down}${stalled}broke its promises (${names}): ${anomalies.join(', ')}; ${affected === 0 ? up : unavailable}`;
  }
  const consistent = anomalies.length === 0;
  if (affected === 0) return down + stalled + (consistent ? `kept both: ${up} and lost nothing` : `chose availability: ${up}, ${anomalies.join(', ')}`);
  return down + stalled + (consistent ? `chose consistency: ${unavailable}, lost nothing` : `gave up both: ${unavailable}, and ${anomalies.join(', ')}`);
}

/** The verdict of one model's run; `horizon`: the end of the clients' part that ran (duration, or --until if earlier). */
export function verdictOf(
  run: { readonly summary: VerdictInput['summary']; readonly history: HistoryLog | readonly HistoryEvent[] },
  horizonUs: Us,
  placement: ClientPlacement | null = null,
): string {
  const outages = clientOutages(run.history, horizonUs, placement);
  return capVerdict({
    summary: run.summary,
    clientOutagesMs: outages.map((o) => Math.max(o.readsMs, o.writesMs)),
    worstIsReads: outages.reduce((m, o) => Math.max(m, o.readsMs), 0) > outages.reduce((m, o) => Math.max(m, o.writesMs), 0),
    allDownMs: placement === null ? 0 : allNodesDownMs(placement, horizonUs),
  });
}
