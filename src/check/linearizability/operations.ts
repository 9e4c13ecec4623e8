import type { HistoryEvent, OpFunction, Value } from '../../workload/history.ts';
import type { LinearizabilityOp, ModelName, OpOutcome } from './types.ts';

/**
 * A history event that cannot be paired with the rest: a completion with no
 * open invoke, an invoke while the process already has one open, a completion
 * that does not match its invoke. `eventIndex` is the position in the event
 * list, so a reader can turn it into a file line.
 */
export class HistoryShapeError extends Error {
  override name = 'HistoryShapeError';
  readonly eventIndex: number;
  /** The event's field that is wrong, so a reader can point at its column. */
  readonly field: 'type' | 'f' | 'key' | 'value';
  /** What the event should have been, for the message's "expected". */
  readonly expected: string;

  constructor(eventIndex: number, message: string, field: 'type' | 'f' | 'key' | 'value' = 'type', expected = 'an invoke, then its completion, for each operation of a process') {
    super(message);
    this.eventIndex = eventIndex;
    this.field = field;
    this.expected = expected;
  }
}

/** An invoke paired with its completion, after the ones that constrain nothing were dropped. */
export interface Operation extends LinearizabilityOp {
  readonly key: string;
  /** Index of the invoke in the (time-ordered) event list: the order of calls. */
  readonly callPos: number;
  /** Index of the completion; Infinity when the outcome is unknown. */
  readonly returnPos: number;
}

export interface PairedHistory {
  /** Operations that constrain the check, in call order. */
  readonly ops: readonly Operation[];
}

const REGISTER_FUNCTIONS: ReadonlySet<OpFunction> = new Set(['read', 'write', 'cas']);
const KV_FUNCTIONS: ReadonlySet<OpFunction> = new Set(['get', 'put', 'append']);

/** Default model: key-value when any operation is a get, put or append, else the cas register. */
export function guessModel(events: readonly HistoryEvent[]): ModelName {
  for (const e of events) if (KV_FUNCTIONS.has(e.f)) return 'kv';
  return 'register';
}

function isPair(value: HistoryEvent['value']): value is readonly [Value, Value] {
  return Array.isArray(value) && value.length === 2;
}

function isReadLike(f: OpFunction): boolean {
  return f === 'read' || f === 'get';
}

interface Open {
  readonly index: number;
  readonly event: HistoryEvent;
}

/**
 * Pairs each invoke with the next completion of the same process (a Jepsen
 * client runs one operation at a time) and decides what each operation means:
 *
 * - `ok`: took effect; a read's output is the value it returned.
 * - `fail` of a cas with `error: "mismatch"`: the compare ran and found a value
 *   other than `old`; kept, and ordered where the value differs from `old`.
 * - any other `fail`: took no effect; dropped.
 * - `info`, or an invoke never completed: unknown; kept with an infinite
 *   return, so it may take effect at any point after its call — or never,
 *   since it can always be ordered last, where it changes nothing observed.
 *   A read or get of unknown outcome constrains nothing and is dropped.
 *
 * `events` must be in time order (the reader or the caller sorts them).
 */
export function pairOperations(
  events: readonly HistoryEvent[],
  model: ModelName,
  where: (eventIndex: number) => string = (i) => `event ${i + 1}`,
): PairedHistory {
  const allowed = model === 'register' ? REGISTER_FUNCTIONS : KV_FUNCTIONS;
  const open = new Map<number, Open>();
  const slots: (Operation | null)[] = [];
  const slotOfInvoke = new Map<number, number>();

  const keep = (inv: Open, outcome: OpOutcome, output: Value | boolean, returnT: number | null, returnPos: number): void => {
    const e = inv.event;
    slots[slotOfInvoke.get(inv.index)!] = {
      process: e.process,
      f: e.f,
      key: e.key,
      value: isReadLike(e.f) ? null : e.value,
      output,
      outcome,
      callT: e.t,
      returnT,
      callPos: inv.index,
      returnPos,
    };
  };

  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (!allowed.has(e.f)) {
      throw new HistoryShapeError(
        i,
        `operation ${e.f} does not belong to the ${model} model`,
        'f',
        `${[...allowed].join(', ')} in every event: one history holds either register (read, write, cas) or key-value (get, put, append) operations`,
      );
    }
    if (e.type === 'invoke') {
      const already = open.get(e.process);
      if (already !== undefined) {
        throw new HistoryShapeError(
          i,
          `process ${e.process} invokes ${e.f} while its ${already.event.f} (${where(already.index)}) has not completed`,
          'type',
          `the completion (ok, fail or info) of process ${e.process}'s ${already.event.f} first: a process runs one operation at a time`,
        );
      }
      if (e.f === 'cas' && !isPair(e.value)) throw new HistoryShapeError(i, 'a cas value must be [old, new]', 'value', 'a cas value [old, new]');
      if (e.f !== 'cas' && Array.isArray(e.value)) throw new HistoryShapeError(i, `a ${e.f} value must not be a list`, 'value', 'a single value (null, a number or a string)');
      open.set(e.process, { index: i, event: e });
      slotOfInvoke.set(i, slots.length);
      slots.push(null);
      continue;
    }
    const inv = open.get(e.process);
    if (inv === undefined) {
      throw new HistoryShapeError(
        i,
        `process ${e.process} completes ${e.f} (${e.type}) with no open invoke`,
        'type',
        `an invoke of ${e.f} by process ${e.process} on an earlier line, before its completion`,
      );
    }
    if (inv.event.f !== e.f) {
      throw new HistoryShapeError(i, `process ${e.process} completes ${e.f} but invoked ${inv.event.f}`, 'f', `${inv.event.f}, the function of its invoke (${where(inv.index)})`);
    }
    if (inv.event.key !== e.key) {
      throw new HistoryShapeError(
        i,
        `process ${e.process} completes key ${JSON.stringify(e.key)} but invoked key ${JSON.stringify(inv.event.key)}`,
        'key',
        `key ${JSON.stringify(inv.event.key)}, the key of its invoke (${where(inv.index)})`,
      );
    }
    open.delete(e.process);
    if (e.type === 'ok') {
      if (isReadLike(e.f)) {
        if (Array.isArray(e.value)) throw new HistoryShapeError(i, `a ${e.f} must return a single value`, 'value', 'a single value (null, a number or a string)');
        keep(inv, 'ok', e.value as Value, e.t, i);
      } else {
        keep(inv, 'ok', e.f === 'cas' ? true : null, e.t, i);
      }
    } else if (e.type === 'fail') {
      if (e.f === 'cas' && e.error === 'mismatch') keep(inv, 'mismatch', false, e.t, i);
      // Any other fail took no effect: its slot stays empty.
    } else if (!isReadLike(e.f)) {
      keep(inv, 'unknown', null, null, Infinity);
    }
  }
  for (const inv of open.values()) {
    if (!isReadLike(inv.event.f)) keep(inv, 'unknown', null, null, Infinity);
  }
  const ops = slots.filter((op): op is Operation => op !== null);
  return { ops };
}

/** Events sorted by time; events with equal times keep their given order (which is the order they happened in). */
export function inTimeOrder(events: readonly HistoryEvent[]): readonly HistoryEvent[] {
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.t < events[i - 1]!.t) {
      return events
        .map((e, index) => ({ e, index }))
        .sort((x, y) => x.e.t - y.e.t || x.index - y.index)
        .map((x) => x.e);
    }
  }
  return events;
}

/** Operations grouped by key (P-compositionality: a history is linearizable iff each key's is). Keys in order of first call. */
export function partitionByKey(ops: readonly Operation[]): Map<string, Operation[]> {
  const byKey = new Map<string, Operation[]>();
  for (const op of ops) {
    const list = byKey.get(op.key);
    if (list === undefined) byKey.set(op.key, [op]);
    else list.push(op);
  }
  return byKey;
}

/** The public, JSON-ready view of an operation. */
export function publicOp(op: Operation): LinearizabilityOp {
  return {
    process: op.process,
    f: op.f,
    value: op.value,
    output: op.output,
    outcome: op.outcome,
    callT: op.callT,
    returnT: op.returnT,
  };
}
