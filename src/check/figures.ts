import type { Value } from '../core/protocol.ts';
import type { Us } from '../core/time.ts';
import { HistoryLog, type HistoryEvent } from '../workload/history.ts';
import { WritePositions } from './linearizability/candidate.ts';

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
export function operations(history: Iterable<HistoryEvent>): Operation[] {
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

/**
 * Each operation of a history as two event indices: its invoke and its
 * completion (-1 when none was recorded), in invoke order. Typed arrays, so
 * that a history of millions of operations costs 8 bytes an operation here.
 */
export interface PairedEvents {
  readonly n: number;
  readonly invoke: Int32Array;
  readonly complete: Int32Array;
}

export function pairEvents(log: HistoryLog): PairedEvents {
  const length = log.length;
  let n = 0;
  // Processes are small whole numbers in a simulated history: the open operations then sit in a typed array.
  let maxProcess = 0;
  let small = true;
  for (let i = 0; i < length; i++) {
    if (log.typeCodeAt(i) === 0) n++;
    const p = log.processAt(i);
    if (!(p >= 0 && (p | 0) === p)) small = false;
    else if (p > maxProcess) maxProcess = p;
  }
  const invoke = new Int32Array(n);
  const complete = new Int32Array(n).fill(-1);
  let k = 0;
  if (small && maxProcess < 1 << 20) {
    const open = new Int32Array(maxProcess + 1).fill(-1);
    for (let i = 0; i < length; i++) {
      const process = log.processAt(i);
      if (log.typeCodeAt(i) === 0) {
        invoke[k] = i;
        open[process] = k++;
        continue;
      }
      const op = open[process]!;
      if (op < 0) continue;
      open[process] = -1;
      complete[op] = i;
    }
    return { n, invoke, complete };
  }
  const open = new Map<number, number>();
  for (let i = 0; i < length; i++) {
    const process = log.processAt(i);
    if (log.typeCodeAt(i) === 0) {
      invoke[k] = i;
      open.set(process, k++);
      continue;
    }
    const op = open.get(process);
    if (op === undefined) continue;
    open.delete(process);
    complete[op] = i;
  }
  return { n, invoke, complete };
}

const TYPE_OK = 1;
const TYPE_FAIL = 2;
const F_READ = 0;
const F_WRITE = 1;
const F_CAS = 2;

/**
 * The client-side figures, from the history and the authoritative log (the
 * writes that took effect, in order); see docs/figures.md. One pass over the
 * events in time order, with typed arrays: memory a few bytes per operation.
 *
 * - `lostWrites`: acknowledged writes and cas whose value is not in the log,
 *   or that the log puts before a write of the same key acknowledged before
 *   they were invoked (never, for a log; last-write-wins with clocks that
 *   disagree drops them).
 * - `staleReads`: ok reads invoked after some acknowledged write of the same
 *   key had completed whose log position is later than that of the value
 *   read: the read missed a write that had finished before it began.
 * - `dirtyReads`: ok reads of a value the log never took.
 */
export function clientFigures(history: HistoryLog | readonly HistoryEvent[], authoritative: readonly EffectiveWrite[], durationUs: Us): ClientFigures {
  const log = history instanceof HistoryLog ? history : HistoryLog.from(history);
  const position = WritePositions.of(authoritative);
  return figuresByColumns(log, position, durationUs) ?? figuresByPairs(log, position, durationUs);
}

/** Processes the one-pass figures keep state for in typed arrays; a history with others is paired first (figuresByPairs). */
const PROCESSES_MAX = 1 << 16;

/**
 * `clientFigures` in one pass over the history's columns, in event order:
 * each client's open operation is kept by process (a client runs one at a
 * time), so each completion meets its invoke without pairing the history
 * first, and nothing is allocated per event. The same figures as
 * `figuresByPairs`, which pairs first; null when a process is not a whole
 * number below PROCESSES_MAX (an imported history), which it then handles.
 */
function figuresByColumns(log: HistoryLog, position: WritePositions, durationUs: Us): ClientFigures | null {
  const openNow = new Uint8Array(PROCESSES_MAX);
  const openUs = new Float64Array(PROCESSES_MAX);
  const openF = new Uint8Array(PROCESSES_MAX);
  const openKey = new Int32Array(PROCESSES_MAX);
  /** The log position of the value an open write or cas writes (-1: not in the log). */
  const openPos = new Float64Array(PROCESSES_MAX);
  /** Its index among the writes the outage sweep looks at (-1: none). */
  const openWrite = new Int32Array(PROCESSES_MAX);
  let ok = 0;
  let fail = 0;
  let info = 0;
  let lostWrites = 0;
  let staleReads = 0;
  let dirtyReads = 0;
  const ackAt: number[][] = log.keyNames.map(() => []);
  const ackMax: number[][] = log.keyNames.map(() => []);
  // The writes invoked before duration, in invoke order: when, and when completed (Infinity: never); the ok completions.
  const writeInvokeUs: number[] = [];
  const writeCompleteUs: number[] = [];
  const okTimes: number[] = [];
  for (const c of log.columnChunks()) {
    const { first, count, tBase, code: codes, key: keys, process: processes, v1, v2 } = c;
    const times = c.t;
    const wide = times instanceof Float64Array;
    for (let o = 0; o < count; o++) {
      const p = processes[o]!;
      if (!(p >= 0 && p < PROCESSES_MAX && (p | 0) === p)) return null;
      const code = codes[o]!;
      const type = code & 3;
      const t = wide ? times[o]! : tBase + times[o]!;
      if (type === 0) {
        // An invoke while the client's previous operation is open: that one never completes (info).
        if (openNow[p] === 1 && openUs[p]! < durationUs) info++;
        const f = (code >> 2) & 7;
        openNow[p] = 1;
        openUs[p] = t;
        openF[p] = f;
        openKey[p] = keys[o]!;
        openWrite[p] = -1;
        if (f === F_WRITE || f === F_CAS) {
          const pair = (code & (1 << 9)) !== 0;
          const kind = pair ? (code >> 7) & 3 : (code >> 5) & 3;
          const value = kind === 0 ? null : kind === 1 ? (pair ? v2[o]! : v1[o]!) : log.writtenValueAt(first + o);
          openPos[p] = position.positionOf(value);
          if (t < durationUs) {
            openWrite[p] = writeInvokeUs.length;
            writeInvokeUs.push(t);
            writeCompleteUs.push(Infinity);
          }
        }
        continue;
      }
      if (openNow[p] === 0) continue;
      openNow[p] = 0;
      const w = openWrite[p]!;
      if (w >= 0) {
        writeCompleteUs[w] = t;
        if (type === TYPE_OK && t <= durationUs) okTimes.push(t);
      }
      const invokedUs = openUs[p]!;
      if (invokedUs >= durationUs) continue;
      if (type === TYPE_OK) ok++;
      else if (type === TYPE_FAIL) fail++;
      else {
        info++;
        continue;
      }
      if (type !== TYPE_OK) continue;
      const f = openF[p]!;
      const key = openKey[p]!;
      if (f === F_WRITE || f === F_CAS) {
        const pos = openPos[p]!;
        if (pos < 0) {
          lostWrites++;
          continue;
        }
        const at = ackAt[key]!;
        const max = ackMax[key]!;
        // Ordered before a write acknowledged before this one was invoked: lost (see figuresByPairs).
        const before = countBefore(at, invokedUs);
        if (before > 0 && max[before - 1]! > pos) {
          lostWrites++;
          continue;
        }
        at.push(t);
        max.push(Math.max(max.length === 0 ? 0 : max[max.length - 1]!, pos));
      } else if (f === F_READ) {
        const kind = (code >> 5) & 3;
        const readPos = kind === 0 ? 0 : position.positionOf(kind === 1 ? v1[o]! : log.firstValueAt(first + o));
        if (readPos < 0) {
          dirtyReads++;
          continue;
        }
        // The latest write acknowledged strictly before the read was invoked (all of them completed before this read did).
        const n = countBefore(ackAt[key]!, invokedUs);
        if (n > 0 && ackMax[key]![n - 1]! > readPos) staleReads++;
      }
    }
  }
  // Operations still open at the end never completed (info).
  for (let p = 0; p < PROCESSES_MAX; p++) if (openNow[p] === 1 && openUs[p]! < durationUs) info++;
  const total = ok + fail + info;
  return {
    ops: { ok, fail, info },
    availability: total === 0 ? 1 : ok / total,
    lostWrites,
    staleReads,
    dirtyReads,
    rtoMs: outageSweep(Float64Array.from(writeInvokeUs), Float64Array.from(writeCompleteUs), Float64Array.from(okTimes).sort(), durationUs) / 1000,
  };
}

/** `clientFigures` over the history paired first (any history). */
function figuresByPairs(log: HistoryLog, position: WritePositions, durationUs: Us): ClientFigures {
  const { n, invoke, complete } = pairEvents(log);

  let ok = 0;
  let fail = 0;
  let info = 0;
  let lostWrites = 0;
  // Per key: acknowledged writes in the log, by acknowledgement time, with the running maximum log position.
  const ackAt: number[][] = log.keyNames.map(() => []);
  const ackMax: number[][] = log.keyNames.map(() => []);
  // Ops in completion order: the completion events are already in time order.
  const opOfComplete = new Int32Array(log.length).fill(-1);
  for (let k = 0; k < n; k++) if (complete[k]! >= 0) opOfComplete[complete[k]!] = k;

  let staleReads = 0;
  let dirtyReads = 0;
  for (let e = 0; e < log.length; e++) {
    const k = opOfComplete[e]!;
    if (k < 0) continue;
    const inv = invoke[k]!;
    if (log.tAt(inv) >= durationUs) continue;
    const type = log.typeCodeAt(e);
    if (type !== TYPE_OK) continue;
    const f = log.fCodeAt(inv);
    const key = log.keyIdAt(inv);
    if (f === F_WRITE || f === F_CAS) {
      const pos = position.positionOf(log.writtenValueAt(inv));
      if (pos < 0) {
        lostWrites++;
        continue;
      }
      const at = ackAt[key]!;
      const max = ackMax[key]!;
      // Ordered before a write acknowledged before this one was invoked: it took effect in the past and was
      // overwritten at once (last-write-wins with a clock behind). A log never does this: a write invoked
      // after another was acknowledged is appended after it.
      const before = countBefore(at, log.tAt(inv));
      if (before > 0 && max[before - 1]! > pos) {
        lostWrites++;
        continue;
      }
      at.push(log.tAt(e));
      max.push(Math.max(max.length === 0 ? 0 : max[max.length - 1]!, pos));
    } else if (f === F_READ) {
      const value = log.firstValueAt(e);
      const readPos = value === null ? 0 : position.positionOf(value);
      if (readPos < 0) {
        dirtyReads++;
        continue;
      }
      // The latest write acknowledged strictly before the read was invoked (all of them completed before this read did).
      const c = countBefore(ackAt[key]!, log.tAt(inv));
      if (c > 0 && ackMax[key]![c - 1]! > readPos) staleReads++;
    }
  }
  for (let k = 0; k < n; k++) {
    if (log.tAt(invoke[k]!) >= durationUs) continue;
    const type = complete[k]! < 0 ? 3 : log.typeCodeAt(complete[k]!);
    if (type === TYPE_OK) ok++;
    else if (type === TYPE_FAIL) fail++;
    else info++;
  }
  const total = ok + fail + info;
  return {
    ops: { ok, fail, info },
    availability: total === 0 ? 1 : ok / total,
    lostWrites,
    staleReads,
    dirtyReads,
    rtoMs: longestWriteOutageOfLog(log, invoke, complete, durationUs) / 1000,
  };
}

/** `longestWriteOutageUs` over the paired events, in one sweep (see there). */
function longestWriteOutageOfLog(log: HistoryLog, invoke: Int32Array, complete: Int32Array, durationUs: Us): Us {
  const invokeUs: number[] = [];
  const completeUs: number[] = []; // Infinity: never completed
  const okTimes: number[] = [];
  for (let k = 0; k < invoke.length; k++) {
    const inv = invoke[k]!;
    const f = log.fCodeAt(inv);
    if (f !== F_WRITE && f !== F_CAS) continue;
    const t = log.tAt(inv);
    if (t >= durationUs) continue;
    const c = complete[k]!;
    invokeUs.push(t);
    completeUs.push(c < 0 ? Infinity : log.tAt(c));
    if (c >= 0 && log.typeCodeAt(c) === TYPE_OK && log.tAt(c) <= durationUs) okTimes.push(log.tAt(c));
  }
  // Numerically, by the typed array's own sort (no comparator to call): the same order.
  return outageSweep(Float64Array.from(invokeUs), Float64Array.from(completeUs), Float64Array.from(okTimes).sort(), durationUs);
}

/**
 * The gaps between acknowledged writes ([0, ok1), [ok1, ok2), ..., [okN,
 * duration)); in each, some client was trying to write from `from` if a write
 * invoked by then was still outstanding at `from`, else from the first write
 * invoked within the gap. `invokeUs` sorted ascending.
 */
function outageSweep(invokeUs: Float64Array, completeUs: Float64Array, okTimes: Float64Array, durationUs: Us): Us {
  let longest = 0;
  let next = 0;
  let outstandingUntil = -Infinity; // the latest completion among writes invoked at or before `from`
  let from = 0;
  for (let g = 0; g <= okTimes.length; g++) {
    const to = g < okTimes.length ? okTimes[g]! : durationUs;
    if (to > from) {
      while (next < invokeUs.length && invokeUs[next]! <= from) outstandingUntil = Math.max(outstandingUntil, completeUs[next++]!);
      const tryingFrom = outstandingUntil > from ? from : next < invokeUs.length && invokeUs[next]! < to ? invokeUs[next]! : Infinity;
      if (tryingFrom < to) longest = Math.max(longest, to - tryingFrom);
      from = to;
    }
  }
  return longest;
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

/**
 * The operations one at a time, in invoke order, as `operations` would list
 * them: for a long history, without holding an object per operation.
 */
export function* eachOperation(history: HistoryLog | Iterable<HistoryEvent>): Generator<Operation> {
  if (!(history instanceof HistoryLog)) {
    yield* operations(history);
    return;
  }
  const { n, invoke, complete } = pairEvents(history);
  for (let k = 0; k < n; k++) {
    const inv = invoke[k]!;
    const c = complete[k]!;
    const f = history.fAt(inv);
    const process = history.processAt(inv);
    const key = history.keyNames[history.keyIdAt(inv)]!;
    const input = history.valueAt(inv);
    const invokeUs = history.tAt(inv);
    if (c < 0) {
      yield { process, f, key, input, output: null, invokeUs, completeUs: null, type: 'info' };
      continue;
    }
    const type = history.typeAt(c) as Operation['type'];
    const output = type === 'ok' && (f === 'read' || f === 'get') ? history.firstValueAt(c) : null;
    const error = history.errorAt(c);
    yield error === undefined
      ? { process, f, key, input, output, invokeUs, completeUs: history.tAt(c), type }
      : { process, f, key, input, output, invokeUs, completeUs: history.tAt(c), type, error };
  }
}

/** The processes of a history, ascending. */
export function processesOf(history: HistoryLog | Iterable<HistoryEvent>): number[] {
  const seen = new Set<number>();
  if (history instanceof HistoryLog) for (let i = 0; i < history.length; i++) seen.add(history.processAt(i));
  else for (const e of history) seen.add(e.process);
  return [...seen].sort((a, b) => a - b);
}
