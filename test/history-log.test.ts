import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { HistoryLog, type HistoryEvent, type OpFunction, type OpType } from '../src/workload/history.ts';

/** Any event an imported history can hold: times, processes and values of any size and sign, many keys and errors. */
const anyNumber = fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.double({ noNaN: true }), fc.constantFrom(0, -0, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53));
const anyValue = fc.oneof(fc.constant(null), anyNumber, fc.string({ maxLength: 4 }));
const anyEvent: fc.Arbitrary<HistoryEvent> = fc
  .record({
    t: anyNumber,
    process: anyNumber,
    type: fc.constantFrom<OpType>('invoke', 'ok', 'fail', 'info'),
    f: fc.constantFrom<OpFunction>('read', 'write', 'cas', 'get', 'put', 'append'),
    key: fc.oneof(fc.constantFrom('k1', 'k2'), fc.integer({ min: 0, max: 70_000 }).map((k) => `key${k}`)),
    value: anyValue,
    pair: fc.tuple(anyValue, anyValue),
    error: fc.option(fc.oneof(fc.constantFrom('timeout', 'mismatch'), fc.integer({ min: 0, max: 400 }).map((e) => `error ${e}`)), { nil: undefined }),
  })
  .map(({ pair, error, ...e }) => {
    const event: HistoryEvent = { ...e, value: e.f === 'cas' ? pair : e.value };
    return error === undefined ? event : { ...event, error };
  });

describe('HistoryLog', () => {
  test('stores any history exactly: narrow columns widen, per chunk, when a value does not fit', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 60 }), (events) => {
        const log = HistoryLog.from(events);
        expect(log.length).toBe(events.length);
        const back = log.toArray();
        events.forEach((e, i) => {
          expect(back[i]).toEqual(e);
          // toEqual does not tell -0 from 0.
          expect(Object.is(log.tAt(i), e.t)).toBe(true);
          expect(Object.is(log.processAt(i), e.process)).toBe(true);
        });
      }),
    );
  });

  test('widening keeps what a chunk held before: 70,000 keys, then a time and a process beyond 32 and 16 bits', () => {
    const events: HistoryEvent[] = [];
    for (let k = 0; k < 70_000; k++) events.push({ t: k, process: k % 100, type: 'invoke', f: 'write', key: `key${k}`, value: k });
    events.push({ t: 2 ** 40 + 0.5, process: 1e6, type: 'ok', f: 'cas', key: 'key5', value: [1.5, -(2 ** 33)], error: 'x'.repeat(3) });
    const log = HistoryLog.from(events);
    expect(log.toArray()).toEqual(events);
  });

  test('a simulated event takes 19 bytes: times within 2^32 µs of the chunk start, small processes, keys and integer values', () => {
    const log = new HistoryLog();
    for (let i = 0; i < 100_000; i++) log.record(1_000_000_000 + i * 37, 1 + (i % 20), i % 2 === 0 ? 'invoke' : 'ok', 'cas', `k${1 + (i % 3)}`, [i, i + 1]);
    // Whole chunks of 32768 events.
    expect(log.bytes).toBe(Math.ceil(100_000 / 32768) * 32768 * 19);
    expect(log.event(99_999)).toEqual({ t: 1_000_000_000 + 99_999 * 37, process: 20, type: 'ok', f: 'cas', key: 'k1', value: [99_999, 100_000] });
  });
});
