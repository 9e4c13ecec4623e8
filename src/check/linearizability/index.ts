import { HistoryLog, type HistoryEvent } from '../../workload/history.ts';
import { KeyHistory, WritePositions, checkCandidate, writeOrderFromHistory, type WriteOrder } from './candidate.ts';
import { CompiledKey, replayValue } from './model.ts';
import { guessModel, inTimeOrder, pairOperations, partitionByKey, publicOp, type Operation } from './operations.ts';
import { CACHE_WORDS_MAX, searchKey } from './search.ts';
import type { CheckOptions, LinearizabilityFailure, LinearizabilityResult, ModelName } from './types.ts';
import type { Value } from '../../workload/history.ts';

export type {
  CheckOptions,
  LinearizabilityFailure,
  LinearizabilityOp,
  LinearizabilityResult,
  ModelName,
  OpOutcome,
} from './types.ts';
export { HistoryShapeError, guessModel, pairOperations } from './operations.ts';
export { renderTimeline, type TimelineOptions } from './timeline.ts';

/**
 * Default step budget per key. A step is one iteration of the search (try an
 * operation, or backtrack): a few hundred nanoseconds at most, so this bounds
 * a key's check to a second or two. The hardest of Porcupine's histories
 * (etcd_002) needs about 100 000. The cache is bounded separately, by
 * CACHE_WORDS_MAX.
 */
export const DEFAULT_MAX_STEPS = 5_000_000;

/**
 * Checks a client history for linearizability against a per-key model: the
 * compare-and-set register (read, write, cas; initial value null) or the
 * key-value store (get, put, append; initial value ""). Keys are checked one
 * at a time (P-compositionality), smallest first, and the check stops at the
 * first key that is not linearizable. The result is a pure function of the
 * events and options.
 *
 * A history with no operation to check (none at all, or only ones that took
 * no effect) is linearizable, vacuously; the result says so in its note.
 */
export function checkHistory(events: readonly HistoryEvent[] | HistoryLog, options: CheckOptions = {}): LinearizabilityResult {
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!(maxSteps > 0)) throw new RangeError(`maxSteps must be positive, got ${maxSteps}`);
  if (events instanceof HistoryLog) return checkLog(events, options, maxSteps);
  const model: ModelName = options.model ?? guessModel(events);
  const timed = inTimeOrder(events);
  const { ops } = pairOperations(timed, model);
  if (ops.length === 0) {
    const note =
      events.length === 0
        ? 'empty history: no operations to check'
        : 'no operation to check: every one failed, or was a read of unknown outcome';
    return { linearizable: true, keysChecked: 0, steps: 0, note };
  }
  const keys = [...partitionByKey(ops).entries()];
  // Smallest keys first (then first-seen order, which the stable sort keeps): cheap verdicts come before expensive ones.
  keys.sort((x, y) => x[1].length - y[1].length);
  const useCandidate = model === 'register' && (options.writeOrder !== undefined || options.guessOrder === true);
  const log = useCandidate ? HistoryLog.from(timed) : null;
  const order = options.writeOrder === undefined ? null : WritePositions.of(options.writeOrder);
  return checkKeys(
    keys.map(([key, keyOps]) => ({
      key,
      size: keyOps.length,
      candidate: log === null ? null : () => candidateHolds(KeyHistory.of(log, log.keyId(key)), order),
      ops: () => keyOps,
    })),
    model,
    maxSteps,
  );
}

/** A simulated run's history (the register model): the candidate first, per key, then the search where it fails. */
function checkLog(log: HistoryLog, options: CheckOptions, maxSteps: number): LinearizabilityResult {
  const model: ModelName = options.model ?? 'register';
  const order = options.writeOrder === undefined ? null : WritePositions.of(options.writeOrder);
  const useCandidate = model === 'register' && (order !== null || options.guessOrder === true);
  // Operations per key (invokes), to check the smallest first and skip keys with none.
  const sizes = log.keyNames.map(() => 0);
  for (const { count, code, key } of log.columnChunks()) for (let o = 0; o < count; o++) if ((code[o]! & 3) === 0) sizes[key[o]!]!++;
  const keys = log.keyNames.map((key, id) => ({ key, id, size: sizes[id]! })).filter((k) => k.size > 0);
  keys.sort((x, y) => x.size - y.size);
  const keyOpsOf = (id: number): Operation[] => {
    const mine: HistoryEvent[] = [];
    for (let i = 0; i < log.length; i++) if (log.keyIdAt(i) === id) mine.push(log.event(i));
    return [...pairOperations(mine, model).ops];
  };
  if (keys.length === 0) return { linearizable: true, keysChecked: 0, steps: 0, note: 'empty history: no operations to check' };
  // Every key's history in one pass when they fit at once (they are small next to the log's columns), else one key at a time.
  const each = useCandidate ? KeyHistory.ofEach(log) : null;
  const result = checkKeys(
    keys.map(({ key, id, size }) => ({
      key,
      size,
      candidate: useCandidate ? () => candidateHolds(each?.[id] ?? KeyHistory.of(log, id), order) : null,
      ops: () => keyOpsOf(id),
    })),
    model,
    maxSteps,
  );
  if (result.linearizable === true && result.keysChecked === 0) {
    return { ...result, note: 'no operation to check: every one failed, or was a read of unknown outcome' };
  }
  return result;
}

function candidateHolds(h: KeyHistory, order: WriteOrder | null): boolean | 'empty' {
  if (h.n === 0) return 'empty';
  return checkCandidate(h, order ?? writeOrderFromHistory(h)).verified;
}

interface KeyJob {
  readonly key: string;
  readonly size: number;
  /** The candidate's verdict (true: a verified linearization), or null when there is no candidate. */
  readonly candidate: (() => boolean | 'empty') | null;
  /** The key's operations, for the search. */
  readonly ops: () => Operation[];
}

function checkKeys(jobs: readonly KeyJob[], model: ModelName, maxSteps: number): LinearizabilityResult {
  let steps = 0;
  let keysChecked = 0;
  let keysWithOps = 0;
  const unfinished: string[] = [];
  let outOfMemory = false;
  for (const job of jobs) {
    const quick = job.candidate?.() ?? false;
    if (quick === 'empty') continue;
    keysWithOps++;
    if (quick === true) {
      keysChecked++;
      continue;
    }
    const keyOps = job.ops();
    if (keyOps.length === 0) {
      keysWithOps--;
      continue;
    }
    const outcome = searchSegments(keyOps, model, maxSteps);
    steps += outcome.steps;
    if (outcome.verdict === null) {
      unfinished.push(job.key);
      if (outcome.exhausted === 'memory') outOfMemory = true;
      continue;
    }
    keysChecked++;
    if (!outcome.verdict) {
      return {
        linearizable: false,
        keysChecked,
        steps,
        failure: describeFailure(job.key, model, outcome.ops, outcome.prefix, outcome.start),
      };
    }
  }
  if (unfinished.length > 0) {
    const names = unfinished.map((k) => JSON.stringify(k)).join(', ');
    return {
      linearizable: null,
      keysChecked,
      steps,
      note:
        `${outOfMemory ? `search budget (${maxSteps} steps or ${CACHE_WORDS_MAX} cache words per key)` : `step budget of ${maxSteps} per key`} ` +
        `exhausted on ${unfinished.length} of ${keysWithOps} keys (${names}); the other keys are linearizable`,
    };
  }
  return { linearizable: true, keysChecked, steps };
}

interface SegmentsOutcome {
  readonly verdict: boolean | null;
  readonly exhausted?: 'steps' | 'memory';
  readonly steps: number;
  /** When not linearizable: the segment searched (its first op may be the synthetic write of its start value), and the prefix found. */
  readonly ops: readonly Operation[];
  readonly prefix: Int32Array;
  /** How many synthetic operations `ops` starts with (0 or 1). */
  readonly start: number;
}

/**
 * The search, one segment of the key's history at a time. A cut goes before
 * an operation called after every earlier operation returned (operations of
 * unknown outcome never return, so none is cut after one) and where the
 * register's value is known: some ok read of the segment was called after
 * every write of the segment returned, so every linearization of the segment
 * ends with that read's value (only reads and cas mismatches, which change
 * nothing, may follow it). The key is linearizable iff every segment is,
 * each from the value the one before it ends with (which a synthetic write,
 * returned before the segment's first call, sets). The budget is the key's,
 * shared by its segments. Only the register model is cut.
 */
function searchSegments(ops: readonly Operation[], model: ModelName, maxSteps: number): SegmentsOutcome {
  const bounds: number[] = [0];
  const startValue: Value[] = [null];
  if (model === 'register') {
    let maxReturn = -Infinity;
    let lastWriteReturn = -Infinity;
    let known: { value: Value } | null = null; // the value the current segment ends with, when known
    for (let j = 0; j < ops.length; j++) {
      const op = ops[j]!;
      if (j > bounds[bounds.length - 1]! && op.callPos > maxReturn && known !== null) {
        bounds.push(j);
        startValue.push(known.value);
        known = null;
        lastWriteReturn = -Infinity;
      }
      maxReturn = Math.max(maxReturn, op.returnPos);
      const writes = op.f === 'write' || (op.f === 'cas' && op.outcome !== 'mismatch');
      if (writes) {
        lastWriteReturn = Math.max(lastWriteReturn, op.returnPos);
        known = null;
      } else if (op.f === 'read' && op.callPos > lastWriteReturn) {
        known = { value: op.output as Value };
      }
    }
    // A segment with no write and no read keeps the value it started with.
  }
  bounds.push(ops.length);
  let steps = 0;
  for (let s = 0; s + 1 < bounds.length; s++) {
    const from = bounds[s]!;
    const seg = ops.slice(from, bounds[s + 1]!);
    const start = startValue[s]!;
    const first = seg[0]!;
    const withStart: Operation[] =
      s === 0 || start === null
        ? seg
        : [
            {
              process: -1,
              f: 'write',
              key: first.key,
              value: start,
              output: null,
              outcome: 'ok',
              callT: first.callT,
              returnT: first.callT,
              callPos: first.callPos - 0.75,
              returnPos: first.callPos - 0.5,
            },
            ...seg,
          ];
    const compiled = new CompiledKey(withStart, model);
    const callPos = Float64Array.from(withStart, (op) => op.callPos);
    const returnPos = Float64Array.from(withStart, (op) => op.returnPos);
    const outcome = searchKey(compiled, callPos, returnPos, maxSteps - steps);
    steps += outcome.steps;
    if (outcome.verdict === null) {
      return { verdict: null, ...(outcome.exhausted !== undefined ? { exhausted: outcome.exhausted } : {}), steps, ops: withStart, prefix: outcome.prefix, start: withStart.length - seg.length };
    }
    if (!outcome.verdict) return { verdict: false, steps, ops: withStart, prefix: outcome.prefix, start: withStart.length - seg.length };
    if (steps >= maxSteps && s + 2 < bounds.length) return { verdict: null, exhausted: 'steps', steps, ops: withStart, prefix: new Int32Array(0), start: 0 };
  }
  return { verdict: true, steps, ops: [], prefix: new Int32Array(0), start: 0 };
}

function describeFailure(
  key: string,
  model: ModelName,
  ops: readonly Operation[],
  prefix: Int32Array,
  synthetic: number,
): LinearizabilityFailure {
  const linearized = new Uint8Array(ops.length);
  for (const op of prefix) linearized[op] = 1;
  // The earliest return still pending after the prefix: that operation had to be
  // ordered before anything called after it, and neither it nor any operation
  // called before it could be ordered next.
  let firstReturn = Infinity;
  for (let i = 0; i < ops.length; i++) {
    if (linearized[i] === 0 && ops[i]!.returnPos < firstReturn) firstReturn = ops[i]!.returnPos;
  }
  // Operations of unknown outcome are left out: they never block anything (they may
  // always take effect later, or never).
  const conflicting: Operation[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (linearized[i] === 0 && op.callPos < firstReturn && op.outcome !== 'unknown') conflicting.push(op);
  }
  const prefixOps = Array.from(prefix, (i) => ops[i]!);
  return {
    key,
    spec: model,
    // The synthetic write that sets a segment's start value is the history's doing, not a client's: not shown.
    linearizedPrefix: prefixOps.filter((op) => op.process !== -1 || synthetic === 0).map(publicOp),
    // Replayed on real values: the search's states are abstract.
    valueAfterPrefix: replayValue(prefixOps, model),
    conflicting: conflicting.map(publicOp),
  };
}
