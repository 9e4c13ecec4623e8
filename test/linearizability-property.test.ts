import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { propertySeed } from './helpers/fc-seed.ts';
import { checkHistory, type LinearizabilityOp, type ModelName } from '../src/check/linearizability/index.ts';
import type { HistoryEvent, OpFunction, OpType, Value } from '../src/workload/history.ts';

/**
 * The checker against the definition: on small random histories (at most 7
 * operations, 2-3 processes, 1-2 keys) a brute-force checker tries every
 * subset of the unknown-outcome operations and every order of the chosen
 * operations that respects real time, and the two verdicts must agree.
 * Values come from a small set, so that many histories are not linearizable.
 */

// ---------------------------------------------------------------- random histories

interface Step {
  readonly p: number;
  readonly f: number;
  readonly a: number;
  readonly b: number;
  readonly outcome: 'ok' | 'fail' | 'mismatch' | 'info';
  readonly key: number;
  readonly tie: boolean;
}

interface Shape {
  readonly model: ModelName;
  /** The operations a step's `f` picks from. */
  readonly functions: readonly OpFunction[];
  /** Reads always complete ok (so that they observe the writes racing them). */
  readonly readsOk: boolean;
  readonly processes: number;
  readonly keys: number;
  readonly maxOps: number;
  readonly steps: readonly Step[];
}

const KV_READS = ['', 'a', 'b', 'ab', 'ba', 'aa'];

type Outcome = Step['outcome'];
const MIXED: readonly Outcome[] = ['ok', 'ok', 'ok', 'fail', 'mismatch', 'mismatch', 'info'];
/** Mostly timed out (reads excepted): several writes of unknown outcome pending at once, whose order matters. */
const UNKNOWN_HEAVY: readonly Outcome[] = ['ok', 'info', 'info'];

const stepArb = (outcomes: readonly Outcome[]): fc.Arbitrary<Step> =>
  fc.record({
    p: fc.nat({ max: 2 }),
    f: fc.nat({ max: 3 }),
    a: fc.nat({ max: 5 }),
    b: fc.nat({ max: 3 }),
    outcome: fc.constantFrom(...outcomes),
    key: fc.nat({ max: 1 }),
    tie: fc.nat({ max: 4 }).map((x) => x === 0),
  });

/** Registers get cas half the time: it is the operation with the most outcomes. */
const REGISTER_MIX: readonly OpFunction[] = ['read', 'write', 'cas', 'cas'];
/** Reads and writes only: for unknown-outcome writes racing one another. */
const READ_WRITE: readonly OpFunction[] = ['read', 'read', 'write', 'write'];
const KV_MIX: readonly OpFunction[] = ['get', 'put', 'append', 'append'];

const shapeArb = (
  model: ModelName,
  outcomes: readonly Outcome[] = MIXED,
  functions = model === 'kv' ? KV_MIX : REGISTER_MIX,
  minOps = 1,
): fc.Arbitrary<Shape> =>
  fc.record({
    model: fc.constant(model),
    functions: fc.constant(functions),
    readsOk: fc.constant(outcomes === UNKNOWN_HEAVY),
    processes: fc.integer({ min: 2, max: 3 }),
    keys: fc.integer({ min: 1, max: 2 }),
    maxOps: fc.integer({ min: minOps, max: 7 }),
    steps: fc.array(stepArb(outcomes), { minLength: 2 * minOps, maxLength: 18 }),
  });

/** Plays the steps as clients: an idle process invokes, a busy one completes; some are left without a return. */
function build(shape: Shape): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const open = new Map<number, HistoryEvent>();
  const written = new Map<string, Value[]>();
  let invoked = 0;
  let t = 0;
  for (const s of shape.steps) {
    const process = s.p % shape.processes;
    const pending = open.get(process);
    let event: HistoryEvent;
    if (pending !== undefined) {
      open.delete(process);
      const base = { process, f: pending.f, key: pending.key };
      const isRead = pending.f === 'read' || pending.f === 'get';
      const seen = written.get(pending.key) ?? [null];
      const readValue: Value =
        shape.model === 'kv'
          ? KV_READS[s.a % KV_READS.length]!
          : shape.readsOk
            ? seen[s.a % seen.length]! // a value some write of the key offered: plausible, so the order of writes decides
            : s.a % 4 === 0
              ? null
              : s.a % 4;
      const value = isRead ? readValue : pending.value;
      if (s.outcome === 'ok' || (isRead && shape.readsOk) || (s.outcome === 'mismatch' && pending.f !== 'cas')) {
        event = { ...base, t, type: 'ok', value };
      } else if (s.outcome === 'mismatch') {
        event = { ...base, t, type: 'fail', value, error: 'mismatch' };
      } else if (s.outcome === 'fail') {
        event = { ...base, t, type: 'fail', value, error: isRead ? 'timed-out' : 'not-leader' };
      } else {
        event = { ...base, t, type: 'info', value };
      }
    } else if (invoked < shape.maxOps) {
      invoked++;
      const key = `k${s.key % shape.keys}`;
      const f = shape.functions[s.f % shape.functions.length]!;
      let value: HistoryEvent['value'] = null;
      if (f === 'write') value = 1 + (s.a % 3);
      if (f === 'put' || f === 'append') value = s.a % 2 === 0 ? 'a' : 'b';
      if (f === 'cas') value = [s.a % 4 === 0 ? null : s.a % 4, 1 + (s.b % 3)];
      event = { t, process, type: 'invoke', f, key, value };
      open.set(process, event);
      if (f === 'write') written.set(key, [...(written.get(key) ?? [null]), value as Value]);
    } else {
      continue;
    }
    events.push(event);
    if (!s.tie) t += 10;
  }
  return events;
}

// ---------------------------------------------------------------- brute force

interface BruteOp {
  readonly process: number;
  readonly key: string;
  readonly f: OpFunction;
  readonly arg: HistoryEvent['value'];
  readonly out: Value;
  readonly kind: 'ok' | 'mismatch' | 'unknown';
  readonly call: number;
  readonly ret: number;
  readonly callT: number;
}

/** Jepsen's meaning of each completion, written out again independently of the checker. */
function bruteOps(events: readonly HistoryEvent[]): BruteOp[] {
  const ops: BruteOp[] = [];
  const open = new Map<number, { i: number; e: HistoryEvent }>();
  const make = (inv: { i: number; e: HistoryEvent }, kind: BruteOp['kind'], out: Value, ret: number): BruteOp => ({
    process: inv.e.process, key: inv.e.key, f: inv.e.f, arg: inv.e.value, out, kind, call: inv.i, ret, callT: inv.e.t,
  });
  events.forEach((e, i) => {
    if (e.type === 'invoke') {
      open.set(e.process, { i, e });
      return;
    }
    const inv = open.get(e.process)!;
    open.delete(e.process);
    const isRead = e.f === 'read' || e.f === 'get';
    if (e.type === 'ok') ops.push(make(inv, 'ok', isRead ? (e.value as Value) : null, i));
    else if (e.type === 'fail' && e.f === 'cas' && e.error === 'mismatch') ops.push(make(inv, 'mismatch', null, i));
    else if (e.type === 'info' && !isRead) ops.push(make(inv, 'unknown', null, Infinity));
  });
  for (const inv of open.values()) {
    if (inv.e.f !== 'read' && inv.e.f !== 'get') ops.push(make(inv, 'unknown', null, Infinity));
  }
  return ops;
}

/** The state after `op`, or undefined when `op` could not have happened in `state`. */
function apply(state: Value, op: BruteOp): Value | undefined {
  switch (op.f) {
    case 'read':
      return state === op.out ? state : undefined;
    case 'get':
      return state === (op.out ?? '') ? state : undefined;
    case 'write':
    case 'put':
      return op.arg as Value;
    case 'append':
      return String(state) + String(op.arg);
    case 'cas': {
      const [oldValue, newValue] = op.arg as [Value, Value];
      if (op.kind === 'ok') return state === oldValue ? newValue : undefined;
      if (op.kind === 'mismatch') return state !== oldValue ? state : undefined;
      return state === oldValue ? newValue : state;
    }
  }
}

/** Every subset of the unknown operations, every real-time-respecting order of the chosen ones. */
function bruteForce(events: readonly HistoryEvent[], model: ModelName): boolean {
  const ops = bruteOps(events);
  const sure = ops.filter((op) => op.kind !== 'unknown');
  const unknown = ops.filter((op) => op.kind === 'unknown');
  const initial: Value = model === 'kv' ? '' : null;
  const orders = (remaining: readonly BruteOp[], state: ReadonlyMap<string, Value>): boolean => {
    if (remaining.length === 0) return true;
    return remaining.some((op) => {
      if (remaining.some((other) => other.ret < op.call)) return false; // something must come first
      const next = apply(state.has(op.key) ? state.get(op.key)! : initial, op);
      if (next === undefined) return false;
      return orders(remaining.filter((o) => o !== op), new Map(state).set(op.key, next));
    });
  };
  for (let mask = 0; mask < 1 << unknown.length; mask++) {
    const chosen = [...sure, ...unknown.filter((_, i) => (mask & (1 << i)) !== 0)];
    if (orders(chosen, new Map())) return true;
  }
  return false;
}

// ---------------------------------------------------------------- properties

/** A failure's prefix must itself be a legal order: the model accepts it, and it contradicts no real-time order. */
function expectPrefixIsLegal(events: readonly HistoryEvent[], model: ModelName): void {
  const result = checkHistory(events);
  if (result.linearizable !== false) return;
  const failure = result.failure!;
  expect(failure.conflicting.length).toBeGreaterThan(0);
  if (new Set(events.map((e) => e.t)).size !== events.length) return; // ties make (process, callT) ambiguous
  const all = bruteOps(events).filter((op) => op.key === failure.key);
  const find = (op: LinearizabilityOp) => all.find((o) => o.process === op.process && o.callT === op.callT)!;
  const prefix = failure.linearizedPrefix.map(find);
  let state: Value | undefined = model === 'kv' ? '' : null;
  for (const op of prefix) {
    state = apply(state!, op);
    expect(state).not.toBeUndefined();
  }
  expect(state).toEqual(failure.valueAfterPrefix);
  prefix.forEach((x, i) => {
    for (const y of prefix.slice(i + 1)) expect(y.ret < x.call).toBe(false);
    for (const z of all) if (!prefix.includes(z)) expect(z.ret < x.call).toBe(false);
  });
  for (const op of failure.conflicting) expect(prefix).not.toContain(find(op));
}

describe('the checker agrees with brute force on small histories', () => {
  test.prop([shapeArb('register')], { numRuns: 2000 })('register histories', (shape) => {
    const events = build(shape);
    expect(checkHistory(events).linearizable).toBe(bruteForce(events, 'register'));
  });

  test.prop([shapeArb('register', UNKNOWN_HEAVY, READ_WRITE, 4)], { numRuns: 3000 })('register histories rich in unknown outcomes', (shape) => {
    const events = build(shape);
    expect(checkHistory(events).linearizable).toBe(bruteForce(events, 'register'));
  });

  test.prop([shapeArb('register', UNKNOWN_HEAVY, REGISTER_MIX, 4)], { numRuns: 2000 })('register histories rich in unknown outcomes, with cas', (shape) => {
    const events = build(shape);
    expect(checkHistory(events).linearizable).toBe(bruteForce(events, 'register'));
  });

  test.prop([shapeArb('kv', UNKNOWN_HEAVY, KV_MIX, 4)], { numRuns: 1000 })('key-value histories rich in unknown outcomes', (shape) => {
    const events = build(shape);
    expect(checkHistory(events).linearizable).toBe(bruteForce(events, 'kv'));
  });

  test.prop([shapeArb('kv')], { numRuns: 1000 })('key-value histories', (shape) => {
    const events = build(shape);
    expect(checkHistory(events).linearizable).toBe(bruteForce(events, 'kv'));
  });

  test.prop([fc.oneof(shapeArb('register'), shapeArb('kv'))], { numRuns: 1000 })(
    'a failure’s linearized prefix is a legal order that no real-time edge contradicts',
    (shape) => expectPrefixIsLegal(build(shape), shape.model),
  );
});

describe('the generated histories are a meaningful test', () => {
  test('a good share of them are not linearizable, and many have unknown outcomes', () => {
    const shapes = fc.sample(shapeArb('register'), { numRuns: 500, seed: propertySeed(3) });
    let bad = 0;
    let withUnknown = 0;
    let withMismatch = 0;
    for (const shape of shapes) {
      const events = build(shape);
      if (!bruteForce(events, 'register')) bad++;
      const types = events.map((e): OpType => e.type);
      if (types.includes('info') || types.filter((t) => t === 'invoke').length > types.length / 2) withUnknown++;
      if (events.some((e) => e.error === 'mismatch')) withMismatch++;
    }
    expect(bad / shapes.length).toBeGreaterThan(0.25);
    expect(bad / shapes.length).toBeLessThan(0.75);
    expect(withUnknown / shapes.length).toBeGreaterThan(0.2);
    expect(withMismatch / shapes.length).toBeGreaterThan(0.1);
  });
});
