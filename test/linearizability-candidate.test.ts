import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { KeyHistory, checkCandidate, WritePositions } from '../src/check/linearizability/candidate.ts';
import { checkHistory } from '../src/check/linearizability/index.ts';
import { HistoryLog, type HistoryEvent, type Value } from '../src/workload/history.ts';

/**
 * The candidate linearization (built from a write order, verified in linear
 * time) against the search, on small random register histories with unknown
 * outcomes: a candidate that verifies must be a linearization, so a verified
 * candidate on a history the search rejects would be a wrong verdict. The
 * write orders given are arbitrary (wrong ones included). And the other way:
 * the history of a register that really ran the operations at points within
 * their intervals passes the candidate built from the order it really took
 * its writes in.
 */

interface OpSpec {
  readonly process: number;
  readonly f: 'read' | 'write' | 'cas';
  readonly call: number;
  readonly ret: number;
  /** Where in [call, ret] it takes effect, as a fraction. */
  readonly at: number;
  readonly casOld: number;
  /** info: the client never learns the outcome (a write or cas may still take effect, or not). */
  readonly unknown: boolean;
  readonly takesEffect: boolean;
}

const opArb = fc.record({
  f: fc.constantFrom<'read' | 'write' | 'cas'>('read', 'read', 'write', 'write', 'cas'),
  start: fc.nat({ max: 60 }),
  length: fc.integer({ min: 1, max: 25 }),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  casOld: fc.nat({ max: 4 }),
  unknown: fc.nat({ max: 3 }).map((x) => x === 0),
  takesEffect: fc.boolean(),
});

/**
 * A history of one key from a register that really applies each operation at
 * its point (call + at × length), one process per operation (so intervals may
 * overlap freely). Unique written values; a cas compares with 0 (null) or a
 * value some write wrote. Returns the events (time order) and the order in
 * which writes took effect.
 */
type OpDraw = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

function execute(specs: readonly OpDraw[]): { events: HistoryEvent[]; writeOrder: { value: Value }[] } {
  const ops = specs.map((s, i) => {
    const call = s.start * 2 + 0.5; // distinct from any point
    return { ...s, process: i + 1, call, ret: call + s.length * 2, point: call + s.at * s.length * 2, value: 100 + i };
  });
  let state: Value = null;
  const outcome = new Map<number, { type: 'ok' | 'fail' | 'info'; value: HistoryEvent['value']; error?: string }>();
  const writeOrder: { value: Value }[] = [];
  for (const op of [...ops].sort((a, b) => a.point - b.point)) {
    const skip = op.unknown && !op.takesEffect;
    if (op.f === 'read') {
      outcome.set(op.process, op.unknown ? { type: 'info', value: null } : { type: 'ok', value: state });
    } else if (op.f === 'write') {
      if (!skip) {
        state = op.value;
        writeOrder.push({ value: op.value });
      }
      outcome.set(op.process, { type: op.unknown ? 'info' : 'ok', value: op.value });
    } else {
      const old: Value = op.casOld === 0 ? null : 100 + ((op.casOld * 7) % Math.max(1, ops.length));
      const pair: [Value, Value] = [old, op.value];
      if (skip) outcome.set(op.process, { type: 'info', value: pair });
      else if (state === old) {
        state = op.value;
        writeOrder.push({ value: op.value });
        outcome.set(op.process, { type: op.unknown ? 'info' : 'ok', value: pair });
      } else outcome.set(op.process, op.unknown ? { type: 'info', value: pair } : { type: 'fail', value: pair, error: 'mismatch' });
    }
  }
  const events: { e: HistoryEvent; at: number }[] = [];
  for (const op of ops) {
    const o = outcome.get(op.process)!;
    const invokeValue: HistoryEvent['value'] = op.f === 'read' ? null : o.value;
    events.push({ e: { t: op.call, process: op.process, type: 'invoke', f: op.f, key: 'k', value: invokeValue }, at: op.call });
    const done: HistoryEvent = { t: op.ret, process: op.process, type: o.type, f: op.f, key: 'k', value: o.value, ...(o.error !== undefined ? { error: o.error } : {}) };
    events.push({ e: done, at: op.ret });
  }
  events.sort((a, b) => a.at - b.at);
  return { events: events.map((x) => x.e), writeOrder };
}

function candidateOf(events: readonly HistoryEvent[], order: readonly { value: Value }[]): boolean {
  const log = HistoryLog.from(events);
  return checkCandidate(KeyHistory.of(log, log.keyId('k')), new WritePositions(order)).verified;
}

describe('the candidate linearization', () => {
  test.prop([fc.array(opArb, { minLength: 1, maxLength: 9 })], { numRuns: 400 })(
    'a register that really ran the operations passes the candidate built from its own write order',
    (specs) => {
      const { events, writeOrder } = execute(specs);
      expect(candidateOf(events, writeOrder)).toBe(true);
    },
  );

  test.prop([fc.array(opArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat({ max: 20 }), { maxLength: 10 }), fc.nat({ max: 6 })], { numRuns: 600 })(
    'a verified candidate is never wrong: whenever it verifies, the search finds the history linearizable (any write order, histories tampered with)',
    (specs, orderPicks, tamper) => {
      const { events } = execute(specs);
      // Tamper: change one completed value, so that many histories are not linearizable.
      const h = events.map((e, i) =>
        i === tamper * 2 + 1 && e.type === 'ok' && e.f === 'read' ? { ...e, value: e.value === null ? 100 : null } : e,
      );
      const written = h.filter((e) => e.type === 'invoke' && e.f !== 'read').map((e) => (Array.isArray(e.value) ? (e.value as [Value, Value])[1] : (e.value as Value)));
      const order = orderPicks.map((k) => ({ value: written.length === 0 ? null : written[k % written.length]! }));
      const search = checkHistory(h, { model: 'register' }).linearizable;
      if (candidateOf(h, order)) expect(search).toBe(true);
      // The checker with the order must agree with the search alone.
      expect(checkHistory(h, { model: 'register', writeOrder: order }).linearizable).toBe(search);
    },
  );

  test.prop([fc.array(opArb, { minLength: 1, maxLength: 8 }), fc.nat({ max: 15 })], { numRuns: 400 })(
    'with the true order, the checker and the search agree, tampered histories included',
    (specs, tamper) => {
      const { events, writeOrder } = execute(specs);
      const h = events.map((e, i) => (i === tamper && e.type === 'ok' && e.f === 'read' ? { ...e, value: 999 } : e));
      expect(checkHistory(h, { model: 'register', writeOrder }).linearizable).toBe(checkHistory(h, { model: 'register' }).linearizable);
    },
  );

  test('a stale read fails the candidate, and the search says why', () => {
    const h: HistoryEvent[] = [
      { t: 0, process: 1, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { t: 10, process: 1, type: 'ok', f: 'write', key: 'k', value: 1 },
      { t: 20, process: 1, type: 'invoke', f: 'write', key: 'k', value: 2 },
      { t: 30, process: 1, type: 'ok', f: 'write', key: 'k', value: 2 },
      { t: 40, process: 2, type: 'invoke', f: 'read', key: 'k', value: null },
      { t: 50, process: 2, type: 'ok', f: 'read', key: 'k', value: 1 },
    ];
    const order = [{ value: 1 }, { value: 2 }];
    expect(candidateOf(h, order)).toBe(false);
    const result = checkHistory(h, { model: 'register', writeOrder: order });
    expect(result.linearizable).toBe(false);
    expect(result.failure?.conflicting.map((op) => op.f)).toContain('read');
  });

  test('a long history that cannot be cut is decided by the candidate: 200 000 operations with unknown outcomes', () => {
    const log = new HistoryLog();
    const order: { value: Value }[] = [];
    let t = 0;
    let value = 1;
    let last: Value = null;
    for (let i = 0; i < 100_000; i++) {
      // A write whose outcome stays unknown (it took effect), then a read of it by another client.
      log.record(t++, 1 + (i % 7), 'invoke', 'write', 'k', value);
      log.record(t++, 8, 'invoke', 'read', 'k', null);
      log.record(t++, 8, 'ok', 'read', 'k', last);
      log.record(t++, 1 + (i % 7), 'info', 'write', 'k', value);
      order.push({ value });
      last = value++;
    }
    expect(checkHistory(log, { model: 'register', writeOrder: order }).linearizable).toBe(true);
  });
});
