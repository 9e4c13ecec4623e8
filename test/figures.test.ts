import { describe, expect, test } from 'vitest';
import { clientFigures, type EffectiveWrite } from '../src/check/figures.ts';
import { HistoryLog, type HistoryEvent, type Value } from '../src/workload/history.ts';

/** One client operation as two events: [process, f, value at invoke, type, value at completion, invoke t, complete t, error?]. */
type Op = readonly [number, HistoryEvent['f'], HistoryEvent['value'], 'ok' | 'fail' | 'info', HistoryEvent['value'], number, number, string?];

function history(...ops: Op[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const [process, f, input, type, output, t0, t1, error] of ops) {
    events.push({ t: t0, process, type: 'invoke', f, key: 'k', value: input });
    events.push({ t: t1, process, type, f, key: 'k', value: output, ...(error !== undefined ? { error } : {}) });
  }
  return events.sort((a, b) => a.t - b.t);
}

const log = (...values: Value[]): EffectiveWrite[] => values.map((value) => ({ key: 'k', value }));

describe('clientFigures', () => {
  test('lostWrites: an acknowledged cas whose new value the authoritative log does not hold is lost; one the log holds is not', () => {
    const h = history([1, 'write', 1, 'ok', 1, 0, 10], [1, 'cas', [1, 2], 'ok', [1, 2], 20, 30], [2, 'cas', [2, 3], 'ok', [2, 3], 40, 50]);
    expect(clientFigures(h, log(1, 2, 3), 1000).lostWrites).toBe(0);
    expect(clientFigures(h, log(1, 2), 1000).lostWrites).toBe(1);
    // A cas answered mismatch wrote nothing: its value missing from the log is not a loss.
    const mismatch = history([1, 'cas', [7, 8], 'fail', [7, 8], 0, 10, 'mismatch']);
    expect(clientFigures(mismatch, log(), 1000).lostWrites).toBe(0);
  });

  test('staleReads: the read is compared with the latest log position among writes acknowledged before it, not the last acknowledged', () => {
    // Acknowledged before the read: w2 (log position 2) at 10, then w1 (log position 1) at 20.
    const h = history([1, 'write', 2, 'ok', 2, 0, 10], [2, 'write', 1, 'ok', 1, 0, 20], [3, 'read', null, 'ok', 1, 30, 40]);
    // The running maximum is position 2 (value 2): reading 1 is stale, though 1 was acknowledged last.
    expect(clientFigures(h, log(1, 2), 1000).staleReads).toBe(1);
    // With the log the other way round (2 then 1), 1 is the newest: not stale.
    expect(clientFigures(h, log(2, 1), 1000).staleReads).toBe(0);
  });

  test('staleReads: only writes acknowledged strictly before the read was invoked count', () => {
    const h = history([1, 'write', 1, 'ok', 1, 0, 10], [2, 'write', 2, 'ok', 2, 20, 35], [3, 'read', null, 'ok', 1, 30, 40]);
    // Write 2 was acknowledged at 35, after the read began at 30: the read may return 1.
    expect(clientFigures(h, log(1, 2), 1000).staleReads).toBe(0);
    const later = history([1, 'write', 1, 'ok', 1, 0, 10], [2, 'write', 2, 'ok', 2, 20, 29], [3, 'read', null, 'ok', 1, 30, 40]);
    expect(clientFigures(later, log(1, 2), 1000).staleReads).toBe(1);
    // The initial null counts as a write before every other.
    const initial = history([1, 'write', 1, 'ok', 1, 0, 10], [3, 'read', null, 'ok', null, 30, 40]);
    expect(clientFigures(initial, log(1), 1000).staleReads).toBe(1);
  });

  test('staleReads: a write of unknown outcome (info) does not make a read stale; a lost acknowledged write does not either', () => {
    const h = history([1, 'write', 1, 'ok', 1, 0, 10], [2, 'write', 2, 'info', 2, 12, 20], [3, 'read', null, 'ok', 1, 30, 40]);
    expect(clientFigures(h, log(1, 2), 1000).staleReads).toBe(0);
    const lost = history([1, 'write', 1, 'ok', 1, 0, 10], [2, 'write', 2, 'ok', 2, 12, 20], [3, 'read', null, 'ok', 1, 30, 40]);
    expect(clientFigures(lost, log(1), 1000)).toMatchObject({ staleReads: 0, lostWrites: 1 });
  });

  test('dirtyReads: a read of a value the authoritative log never took', () => {
    const h = history([1, 'write', 5, 'info', 5, 0, 10], [3, 'read', null, 'ok', 5, 2, 8]);
    expect(clientFigures(h, log(), 1000).dirtyReads).toBe(1);
    expect(clientFigures(h, log(5), 1000).dirtyReads).toBe(0);
  });

  test('the same figures from a HistoryLog as from the event objects', () => {
    const h = history([1, 'write', 1, 'ok', 1, 0, 10], [2, 'cas', [1, 2], 'ok', [1, 2], 5, 25], [3, 'read', null, 'ok', 1, 30, 40], [1, 'write', 3, 'fail', 3, 50, 60, 'no leader']);
    expect(clientFigures(HistoryLog.from(h), log(1, 2), 1000)).toEqual(clientFigures(h, log(1, 2), 1000));
    expect(clientFigures(h, log(1, 2), 1000)).toMatchObject({ ops: { ok: 3, fail: 1, info: 0 }, staleReads: 1, lostWrites: 0 });
  });
});
