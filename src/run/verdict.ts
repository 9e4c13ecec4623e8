import { eachOperation, processesOf, type Operation } from '../check/figures.ts';
import type { Us } from '../core/time.ts';
import type { HistoryEvent, HistoryLog } from '../workload/history.ts';
import type { ModelSummary } from './run.ts';

/**
 * A client kept from writing at least this long counts as the model choosing
 * to be unavailable rather than as the price of a failover: a default
 * failover (a 1 s lock TTL, or an election after a missed heartbeat) plus one
 * client timeout (1 s) that was in flight when it began, with a second to
 * spare. A partition the model waits out lasts far longer.
 */
export const UNAVAILABLE_MS_MIN = 3_000;

/** A stretch of simulated time a node was crashed or paused: its clients could not reach it, whatever the model. */
export interface NodeDowntime {
  readonly node: number;
  readonly fromUs: Us;
  readonly toUs: Us;
}

/** What the verdict is computed from: the figures, and per client how long it could not write. */
export interface VerdictInput {
  readonly summary: Pick<ModelSummary, 'lostWrites' | 'staleReads' | 'dirtyReads' | 'linearizable' | 'violations'>;
  /** Per client: the longest stretch of `duration` in which it tried to write and none of its writes was answered (ok, or a cas answered `mismatch`) (ms). */
  readonly clientOutagesMs: readonly number[];
}

export interface ClientPlacement {
  readonly nodeCount: number;
  /** Time a client's own node was down does not count against the model. */
  readonly downtime: readonly NodeDowntime[];
}

/**
 * Per client (in process order): its longest write outage during
 * `duration` in ms — like contract §5 `rtoMs`, for one client: from a write
 * invoked after its last answered write until its next answered write (see
 * `outageStretches`) — leaving out the time its own node (client p is bound
 * to node (p-1) mod N) was down.
 */
export function clientWriteOutagesMs(history: HistoryLog | readonly HistoryEvent[], durationUs: Us, placement: ClientPlacement | null = null): number[] {
  const writesOf = new Map<number, Operation[]>();
  for (const op of eachOperation(history)) {
    if (op.invokeUs >= durationUs || (op.f !== 'write' && op.f !== 'cas')) continue;
    let list = writesOf.get(op.process);
    if (list === undefined) writesOf.set(op.process, (list = []));
    list.push(op);
  }
  const processes = processesOf(history);
  return processes.map((p) => {
    const down = placement === null ? [] : placement.downtime.filter((d) => d.node === (p - 1) % placement.nodeCount);
    let longest = 0;
    for (const [from, to] of outageStretches(writesOf.get(p) ?? [], durationUs)) {
      for (const [a, b] of subtract(from, to, down)) longest = Math.max(longest, b - a);
    }
    return longest / 1000;
  });
}

/**
 * One client's write outages: [invoke of the first write after its last
 * answered write, completion of its next answered write (or duration)). A
 * write is answered when it completed ok, or when it is a cas whose compare
 * failed (`mismatch`): the model served the client and said no, which is an
 * answer, not unavailability.
 */
function outageStretches(writes: Operation[], durationUs: Us): [Us, Us][] {
  const stretches: [Us, Us][] = [];
  let from: Us | null = null;
  for (const op of [...writes].sort((a, b) => a.invokeUs - b.invokeUs)) {
    if (from === null) from = op.invokeUs;
    const answered = op.type === 'ok' || (op.type === 'fail' && op.error === 'mismatch');
    if (!answered || op.completeUs === null) continue;
    stretches.push([from, Math.min(op.completeUs, durationUs)]);
    from = null;
  }
  if (from !== null) stretches.push([from, durationUs]);
  return stretches;
}

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

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function plural(count: number, one: string, many: string = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * One line in CAP terms, computed from the figures: what the model gave up
 * under this fault script. Consistency is given up when an acknowledged
 * write was lost, a read returned superseded or never-committed data, or
 * the history is not linearizable; availability when some client whose
 * node was up could not write for UNAVAILABLE_MS_MIN or longer.
 */
export function capVerdict(input: VerdictInput): string {
  const s = input.summary;
  if (s.violations.length > 0) {
    const names = [...new Set(s.violations.map((v) => v.invariant))].join(', ');
    return `broke its own safety rules: ${plural(s.violations.length, 'violation')} (${names})`;
  }
  const anomalies: string[] = [];
  if (s.lostWrites > 0) anomalies.push(`lost ${plural(s.lostWrites, 'acknowledged write')}`);
  if (s.staleReads > 0) anomalies.push(plural(s.staleReads, 'stale read'));
  if (s.dirtyReads > 0) anomalies.push(plural(s.dirtyReads, 'dirty read'));
  if (s.linearizable === false) anomalies.push('a non-linearizable history');
  const outages = input.clientOutagesMs;
  const worstMs = outages.reduce((a, b) => Math.max(a, b), 0);
  const affected = outages.filter((ms) => ms >= UNAVAILABLE_MS_MIN).length;
  const consistent = anomalies.length === 0;
  if (affected === 0) {
    const up = `stayed up (no client kept from writing for more than ${seconds(worstMs)})`;
    return consistent ? `kept both: ${up} and lost nothing` : `chose availability: ${up}, ${anomalies.join(', ')}`;
  }
  const unavailable = `unavailable for ${seconds(worstMs)} to ${affected} of ${plural(outages.length, 'client')}`;
  return consistent ? `chose consistency: ${unavailable}, lost nothing` : `gave up both: ${unavailable}, and ${anomalies.join(', ')}`;
}

/** The verdict of one model's run. */
export function verdictOf(
  run: { readonly summary: VerdictInput['summary']; readonly history: HistoryLog | readonly HistoryEvent[] },
  durationUs: Us,
  placement: ClientPlacement | null = null,
): string {
  return capVerdict({ summary: run.summary, clientOutagesMs: clientWriteOutagesMs(run.history, durationUs, placement) });
}
