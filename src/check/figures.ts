import type { Value } from '../core/protocol.ts';
import type { Us } from '../core/time.ts';
import type { HistoryEvent } from '../workload/history.ts';

/** A write that took effect, in the order of the authoritative log. */
export interface EffectiveWrite {
  readonly key: string;
  readonly value: Value;
}

/** One client operation: an invocation paired with its completion (if any). */
export interface Operation {
  readonly process: number;
  readonly f: HistoryEvent['f'];
  readonly key: string;
  /** As invoked: the written value, [old, new] for cas, null for reads. */
  readonly input: HistoryEvent['value'];
  /** ok reads: the value read. */
  readonly output: Value;
  readonly invokeUs: Us;
  /** null: no completion was recorded (outcome unknown, like `info`). */
  readonly completeUs: Us | null;
  readonly type: 'ok' | 'fail' | 'info';
  readonly error?: string;
}

/** Pairs each process's invocations with their completions. */
export function operations(history: readonly HistoryEvent[]): Operation[] {
  const open = new Map<number, { event: HistoryEvent; index: number }>();
  const ops: Operation[] = [];
  for (const event of history) {
    if (event.type === 'invoke') {
      open.set(event.process, { event, index: ops.length });
      ops.push({ process: event.process, f: event.f, key: event.key, input: event.value, output: null, invokeUs: event.t, completeUs: null, type: 'info' });
      continue;
    }
    const started = open.get(event.process);
    if (started === undefined) continue;
    open.delete(event.process);
    const base = ops[started.index]!;
    ops[started.index] = {
      ...base,
      completeUs: event.t,
      type: event.type,
      output: event.type === 'ok' && (event.f === 'read' || event.f === 'get') ? (event.value as Value) : null,
      ...(event.error !== undefined ? { error: event.error } : {}),
    };
  }
  return ops;
}

export interface ClientFigures {
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly availability: number;
  readonly lostWrites: number;
  readonly staleReads: number;
  readonly dirtyReads: number;
  readonly rtoMs: number;
}

function writtenValue(op: Operation): Value {
  return op.f === 'cas' ? (op.input as readonly [Value, Value])[1] : (op.input as Value);
}

/**
 * The client-side figures of contract §5, from the history and the
 * authoritative log (the writes that took effect, in order).
 */
export function clientFigures(history: readonly HistoryEvent[], authoritative: readonly EffectiveWrite[], durationUs: Us): ClientFigures {
  const ops = operations(history).filter((op) => op.invokeUs < durationUs);
  const ok = ops.filter((op) => op.type === 'ok').length;
  const fail = ops.filter((op) => op.type === 'fail').length;
  const info = ops.length - ok - fail;

  // Position of each written value in the authoritative log (1-based; the initial value is 0).
  const position = new Map<Value, number>();
  authoritative.forEach((w, i) => position.set(w.value, i + 1));

  const isWrite = (op: Operation) => op.f === 'write' || op.f === 'cas';
  const okWrites = ops.filter((op) => op.type === 'ok' && isWrite(op));
  const lostWrites = okWrites.filter((op) => !position.has(writtenValue(op))).length;

  // Per key: acknowledged writes in the log, by acknowledgement time, with the running maximum log position.
  const acked = new Map<string, { atUs: number[]; maxPos: number[] }>();
  for (const op of [...okWrites].sort((a, b) => a.completeUs! - b.completeUs!)) {
    const pos = position.get(writtenValue(op));
    if (pos === undefined) continue;
    let list = acked.get(op.key);
    if (list === undefined) acked.set(op.key, (list = { atUs: [], maxPos: [] }));
    const prevMax = list.maxPos.length === 0 ? 0 : list.maxPos[list.maxPos.length - 1]!;
    list.atUs.push(op.completeUs!);
    list.maxPos.push(Math.max(prevMax, pos));
  }

  let staleReads = 0;
  let dirtyReads = 0;
  for (const op of ops) {
    if (op.type !== 'ok' || op.f !== 'read') continue;
    const readPos = op.output === null ? 0 : position.get(op.output);
    if (readPos === undefined) {
      dirtyReads++;
      continue;
    }
    const list = acked.get(op.key);
    if (list === undefined) continue;
    // The latest write acknowledged strictly before the read was invoked.
    const n = countBefore(list.atUs, op.invokeUs);
    if (n > 0 && list.maxPos[n - 1]! > readPos) staleReads++;
  }

  return {
    ops: { ok, fail, info },
    availability: ops.length === 0 ? 1 : ok / ops.length,
    lostWrites,
    staleReads,
    dirtyReads,
    rtoMs: longestWriteOutageUs(ops.filter(isWrite), durationUs) / 1000,
  };
}

/** How many of the sorted `times` are < t. */
function countBefore(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `rtoMs`: the longest stretch within [0, duration] in which some client was
 * trying to write (a write or cas was outstanding) and no write completed
 * `ok`. A stretch starts when a write is invoked (or is still outstanding)
 * after the last ok write, and ends at the next ok write or at `duration`.
 */
export function longestWriteOutageUs(writes: readonly Operation[], durationUs: Us): Us {
  const byInvoke = [...writes].sort((a, b) => a.invokeUs - b.invokeUs);
  const okTimes = writes
    .filter((op) => op.type === 'ok' && op.completeUs !== null && op.completeUs <= durationUs)
    .map((op) => op.completeUs!)
    .sort((a, b) => a - b);
  const bounds = [0, ...okTimes, durationUs];
  let longest = 0;
  let next = 0;
  let active: Operation[] = [];
  for (let g = 0; g + 1 < bounds.length; g++) {
    const from = bounds[g]!;
    const to = bounds[g + 1]!;
    if (to <= from) continue;
    while (next < byInvoke.length && byInvoke[next]!.invokeUs < to) active.push(byInvoke[next++]!);
    active = active.filter((op) => op.completeUs === null || op.completeUs > from);
    let tryingFrom = Infinity;
    for (const op of active) tryingFrom = Math.min(tryingFrom, Math.max(op.invokeUs, from));
    if (tryingFrom < to) longest = Math.max(longest, to - tryingFrom);
  }
  return longest;
}
