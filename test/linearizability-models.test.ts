import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseHistory } from '../src/check/history-formats.ts';
import { checkHistory, HistoryShapeError, renderTimeline } from '../src/check/linearizability/index.ts';
import type { HistoryEvent, OpFunction, OpType, Value } from '../src/workload/history.ts';

/**
 * The models' rules, one test each: the compare-and-set register (read,
 * write, cas; initial null) and the key-value store (get, put, append;
 * initial ""), with Jepsen's outcomes: ok took effect, fail did not (except a
 * cas mismatch, which observed a value), info and a missing return may take
 * effect at any point after the call, or never.
 */

type Row = [process: number, type: OpType, f: OpFunction, value: HistoryEvent['value'], extra?: { key?: string; error?: string }];

/** Events in the order given, 10 µs apart, on key `k` unless a row says otherwise. */
function history(...rows: Row[]): HistoryEvent[] {
  return rows.map(([process, type, f, value, extra], i) => ({
    t: 10 * (i + 1),
    process,
    type,
    f,
    key: extra?.key ?? 'k',
    value,
    ...(extra?.error !== undefined ? { error: extra.error } : {}),
  }));
}

const lin = (events: HistoryEvent[]) => checkHistory(events).linearizable;

describe('the compare-and-set register', () => {
  test('a read returns the last write; the initial value is null', () => {
    expect(lin(history([0, 'invoke', 'read', null], [0, 'ok', 'read', null]))).toBe(true);
    expect(lin(history([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]))).toBe(true);
    expect(lin(history([0, 'invoke', 'read', null], [0, 'ok', 'read', 1]))).toBe(false);
  });

  test('a read after a completed write cannot see the older value (a stale read)', () => {
    const stale = history(
      [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
      [0, 'invoke', 'write', 2], [0, 'ok', 'write', 2],
      [1, 'invoke', 'read', null], [1, 'ok', 'read', 1],
    );
    expect(lin(stale)).toBe(false);
  });

  test('a read concurrent with a write may see either value', () => {
    for (const seen of [null, 1]) {
      expect(lin(history([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', seen], [0, 'ok', 'write', 1]))).toBe(true);
    }
  });

  test('once a read has seen a new value, a later read cannot see the old one', () => {
    const h = history(
      [0, 'invoke', 'write', 1],
      [1, 'invoke', 'read', null], [1, 'ok', 'read', 1],
      [2, 'invoke', 'read', null], [2, 'ok', 'read', null],
      [0, 'ok', 'write', 1],
    );
    expect(lin(h)).toBe(false);
  });

  test('an ok cas needs the value to be old, and leaves new', () => {
    const ok = history([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [0, 'invoke', 'cas', [1, 2]], [0, 'ok', 'cas', [1, 2]], [0, 'invoke', 'read', null], [0, 'ok', 'read', 2]);
    expect(lin(ok)).toBe(true);
    const wrongOld = history([0, 'invoke', 'cas', [1, 2]], [0, 'ok', 'cas', [1, 2]]);
    expect(lin(wrongOld)).toBe(false);
  });

  test('a cas that failed with a mismatch is ordered where the value differs from old', () => {
    const alone = history([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'cas', [1, 2]], [1, 'fail', 'cas', [1, 2], { error: 'mismatch' }]);
    expect(lin(alone)).toBe(false);
    const raced = history(
      [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
      [1, 'invoke', 'cas', [1, 2]],
      [2, 'invoke', 'write', 3], [2, 'ok', 'write', 3],
      [1, 'fail', 'cas', [1, 2], { error: 'mismatch' }],
    );
    expect(lin(raced)).toBe(true);
    // The mismatch changed nothing: a later read still sees 1.
    const thenRead = [...alone.slice(0, 2), ...history([1, 'invoke', 'cas', [null, 2]], [1, 'fail', 'cas', [null, 2], { error: 'mismatch' }], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]).map((e) => ({ ...e, t: e.t + 20 }))];
    expect(lin(thenRead)).toBe(true);
  });

  test('any other fail took no effect and constrains nothing', () => {
    const h = history(
      [0, 'invoke', 'write', 1], [0, 'fail', 'write', 1, { error: 'not-leader' }],
      [0, 'invoke', 'cas', [null, 2]], [0, 'fail', 'cas', [null, 2], { error: 'timeout' }],
      [1, 'invoke', 'read', null], [1, 'ok', 'read', null],
    );
    expect(lin(h)).toBe(true);
    const sawFailedWrite = history([0, 'invoke', 'write', 1], [0, 'fail', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(lin(sawFailedWrite)).toBe(false);
  });

  test('an info write may take effect at any point after its call, or never', () => {
    const info = [[0, 'invoke', 'write', 1], [0, 'info', 'write', 1]] satisfies Row[];
    expect(lin(history(...info, [1, 'invoke', 'read', null], [1, 'ok', 'read', null]))).toBe(true);
    expect(lin(history(...info, [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]))).toBe(true);
    // Late: after a read of null, then seen.
    expect(lin(history(...info, [1, 'invoke', 'read', null], [1, 'ok', 'read', null], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]))).toBe(true);
    // But once, not twice: seen, then gone.
    expect(lin(history(...info, [1, 'invoke', 'read', null], [1, 'ok', 'read', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null]))).toBe(false);
  });

  test('writes of unknown outcome may take effect in either order', () => {
    const h = history(
      [0, 'invoke', 'write', 1], [0, 'info', 'write', 1],
      [1, 'invoke', 'write', 2], [1, 'info', 'write', 2],
      [2, 'invoke', 'read', null], [2, 'ok', 'read', 2],
      [2, 'invoke', 'read', null], [2, 'ok', 'read', 1],
    );
    expect(lin(h)).toBe(true);
    expect(lin([...h, ...history([2, 'invoke', 'read', null], [2, 'ok', 'read', 2]).map((e) => ({ ...e, t: e.t + 100 }))])).toBe(false);
  });

  test('an unknown outcome cannot take effect before its call', () => {
    expect(lin(history([1, 'invoke', 'read', null], [1, 'ok', 'read', 1], [0, 'invoke', 'write', 1], [0, 'info', 'write', 1]))).toBe(false);
  });

  test('an invoke with no return is an unknown outcome, like info', () => {
    expect(lin(history([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]))).toBe(true);
    expect(lin(history([0, 'invoke', 'cas', [null, 1]], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]))).toBe(true);
    expect(lin(history([0, 'invoke', 'cas', [5, 1]], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]))).toBe(false);
  });

  test('a read that failed or has an unknown outcome constrains nothing', () => {
    const h = history([0, 'invoke', 'read', null], [0, 'fail', 'read', null, { error: 'timed-out' }], [1, 'invoke', 'read', null], [1, 'info', 'read', null], [2, 'invoke', 'read', null]);
    expect(checkHistory(h)).toMatchObject({ linearizable: true, keysChecked: 0, note: 'no operation to check: every one failed, or was a read of unknown outcome' });
  });

  test('a process that got info may go on; its timed-out write stays pending', () => {
    const h = history([0, 'invoke', 'write', 1], [0, 'info', 'write', 1], [0, 'invoke', 'write', 2], [0, 'ok', 'write', 2], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(lin(h)).toBe(true);
  });

  test('events with equal times keep their given order (a process runs one operation at a time)', () => {
    const h = history([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [0, 'invoke', 'read', null], [0, 'ok', 'read', null]).map((e) => ({ ...e, t: 100 }));
    expect(lin(h)).toBe(false);
  });

  test('events out of time order are sorted by time first', () => {
    const h = history([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(lin([h[2]!, h[3]!, h[0]!, h[1]!].map((e, i) => ({ ...e, t: [30, 40, 10, 20][i]! })))).toBe(true);
  });
});

describe('the key-value model', () => {
  const kvRow = (p: number, type: OpType, f: OpFunction, value: Value): Row => [p, type, f, value];

  test('get sees "" first, put replaces, append concatenates', () => {
    const h = history(
      kvRow(0, 'invoke', 'get', null), kvRow(0, 'ok', 'get', ''),
      kvRow(0, 'invoke', 'append', 'a'), kvRow(0, 'ok', 'append', 'a'),
      kvRow(0, 'invoke', 'append', 'b'), kvRow(0, 'ok', 'append', 'b'),
      kvRow(0, 'invoke', 'get', null), kvRow(0, 'ok', 'get', 'ab'),
      kvRow(0, 'invoke', 'put', 'z'), kvRow(0, 'ok', 'put', 'z'),
      kvRow(0, 'invoke', 'get', null), kvRow(0, 'ok', 'get', 'z'),
    );
    expect(checkHistory(h)).toMatchObject({ linearizable: true, keysChecked: 1 });
    expect(lin(h.map((e) => (e.t === 80 ? { ...e, value: 'ba' } : e)))).toBe(false);
  });

  test('concurrent appends may land in either order, but one order for every reader', () => {
    const both = (first: string, second: string) =>
      history(
        kvRow(0, 'invoke', 'append', 'a'), kvRow(1, 'invoke', 'append', 'b'), kvRow(0, 'ok', 'append', 'a'), kvRow(1, 'ok', 'append', 'b'),
        kvRow(2, 'invoke', 'get', null), kvRow(2, 'ok', 'get', first),
        kvRow(3, 'invoke', 'get', null), kvRow(3, 'ok', 'get', second),
      );
    expect(lin(both('ab', 'ab'))).toBe(true);
    expect(lin(both('ba', 'ba'))).toBe(true);
    expect(lin(both('ab', 'ba'))).toBe(false);
  });

  test('appends of unknown outcome may land in either order', () => {
    const h = history(
      kvRow(0, 'invoke', 'append', 'a'), kvRow(0, 'info', 'append', 'a'),
      kvRow(1, 'invoke', 'append', 'b'), kvRow(1, 'info', 'append', 'b'),
      kvRow(2, 'invoke', 'get', null), kvRow(2, 'ok', 'get', 'b'),
      kvRow(2, 'invoke', 'get', null), kvRow(2, 'ok', 'get', 'ba'),
    );
    expect(lin(h)).toBe(true);
  });

  test('a get of nil reads as the empty string', () => {
    expect(lin(history(kvRow(0, 'invoke', 'get', null), kvRow(0, 'ok', 'get', null)))).toBe(true);
  });
});

describe('P-compositionality: keys are checked independently', () => {
  test('a violation on one key is reported on that key; keys stop at the first failure', () => {
    const h = history(
      [0, 'invoke', 'write', 1, { key: 'a' }], [0, 'ok', 'write', 1, { key: 'a' }],
      [1, 'invoke', 'read', null, { key: 'b' }], [1, 'ok', 'read', 1, { key: 'b' }],
      [1, 'invoke', 'read', null, { key: 'a' }], [1, 'ok', 'read', 1, { key: 'a' }],
    );
    const result = checkHistory(h);
    expect(result.linearizable).toBe(false);
    expect(result.failure!.key).toBe('b');
    expect(result.keysChecked).toBe(1);
  });

  test('a write on one key is invisible on another', () => {
    const h = history([0, 'invoke', 'write', 1, { key: 'a' }], [0, 'ok', 'write', 1, { key: 'a' }], [1, 'invoke', 'read', null, { key: 'b' }], [1, 'ok', 'read', null, { key: 'b' }]);
    expect(checkHistory(h)).toMatchObject({ linearizable: true, keysChecked: 2 });
  });
});

describe('a failure explains itself', () => {
  const stale = history(
    [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
    [0, 'invoke', 'write', 2], [0, 'ok', 'write', 2],
    [1, 'invoke', 'read', null],
    [2, 'invoke', 'write', 3],
    [1, 'ok', 'read', 1],
    [2, 'ok', 'write', 3],
  );

  test('it names the key, the longest prefix it could order, the value then, and the window that cannot follow', () => {
    const failure = checkHistory(stale).failure!;
    expect(failure.key).toBe('k');
    expect(failure.spec).toBe('register');
    expect(failure.linearizedPrefix.map((op) => op.value)).toEqual([1, 2, 3]);
    expect(failure.valueAfterPrefix).toBe(3);
    expect(failure.conflicting).toEqual([{ process: 1, f: 'read', value: null, output: 1, outcome: 'ok', callT: 50, returnT: 70 }]);
  });

  test('the timeline shows one row per process, the window as = bars and the prefix as - bars', () => {
    expect(renderTimeline(checkHistory(stale).failure!, { width: 40 })).toBe(
      [
        'key "k": 1 operation(s) cannot be ordered after a linearized prefix of 3 (value then: 3)',
        '     10                                  80 us',
        'p0  |[A----]    [B----]',
        'p1  |                      [C=========]',
        'p2  |                            [D---------]',
        '',
        '  A  p0  write 1    10..20  linearized',
        '  B  p0  write 2    30..40  linearized',
        '  C  p1  read -> 1  50..70  cannot be ordered',
        '  D  p2  write 3    60..80  linearized',
        '',
      ].join('\n'),
    );
  });

  test('an unknown outcome runs off the right edge', () => {
    const h = history([0, 'invoke', 'write', 1], [0, 'info', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null]);
    const text = renderTimeline(checkHistory(h).failure!, { width: 30 });
    expect(text).toMatch(/^p0 +\|\[A-+>$/m);
    expect(text).toMatch(/write 1 \? +10\.\.unknown +linearized/);
  });
});

describe('limits and purity', () => {
  const etcd002 = fileURLToPath(new URL('./fixtures/porcupine/jepsen-etcd/etcd_002.log', import.meta.url));
  const hard = parseHistory(readFileSync(etcd002, 'utf8'), 'etcd_002.log').events;

  test('a step budget turns an over-long check into null with a note, never a hang', () => {
    const result = checkHistory(hard, { maxSteps: 1000 });
    expect(result).toMatchObject({ linearizable: null, keysChecked: 0, steps: 1000 });
    expect(result.note).toBe('step budget of 1000 per key exhausted on 1 of 1 keys (""); the other keys are linearizable');
  });

  test('a definite violation on one key wins over a budget that ran out on another', () => {
    const other = history([1, 'invoke', 'read', null, { key: 'x' }], [1, 'ok', 'read', 7, { key: 'x' }]).map((e) => ({ ...e, t: e.t + 1e6 }));
    expect(checkHistory([...hard, ...other], { maxSteps: 1000 }).linearizable).toBe(false);
  });

  test('the result is a pure function of the history', () => {
    expect(checkHistory(hard)).toEqual(checkHistory(hard));
  });

  test('a history whose events do not pair up is refused', () => {
    expect(() => checkHistory(history([0, 'ok', 'read', null]))).toThrow(HistoryShapeError);
    expect(() => checkHistory(history([0, 'invoke', 'get', null]), { model: 'register' })).toThrow(/does not belong to the register model/);
  });
});
