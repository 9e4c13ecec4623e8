import { describe, expect, it } from 'vitest';
import { UNAVAILABLE_MS_MIN, capVerdict, clientWriteOutagesMs, verdictOf } from '../src/run/verdict.ts';
import type { HistoryEvent } from '../src/workload/history.ts';

const clean = { lostWrites: 0, staleReads: 0, dirtyReads: 0, linearizable: true, violations: [] } as const;

describe('the CAP verdict, computed from the figures', () => {
  it('consistent and some client kept from writing for long: chose consistency', () => {
    expect(capVerdict({ summary: clean, clientOutagesMs: [7900, 7850, 300, 250, 200] })).toBe(
      'chose consistency: unavailable for 7.9 s to 2 of 5 clients, lost nothing',
    );
  });

  it('stayed up and lost or staled data: chose availability, with the counts', () => {
    const summary = { ...clean, lostWrites: 143, staleReads: 31, linearizable: false };
    expect(capVerdict({ summary, clientOutagesMs: [1200, 300] })).toBe(
      'chose availability: stayed up (no client kept from writing for more than 1.2 s), lost 143 acknowledged writes, 31 stale reads, a non-linearizable history',
    );
  });

  it('both, or neither', () => {
    expect(capVerdict({ summary: clean, clientOutagesMs: [900, 400] })).toBe('kept both: stayed up (no client kept from writing for more than 0.9 s) and lost nothing');
    expect(capVerdict({ summary: { ...clean, lostWrites: 1, dirtyReads: 2 }, clientOutagesMs: [6100] })).toBe(
      'gave up both: unavailable for 6.1 s to 1 of 1 client, and lost 1 acknowledged write, 2 dirty reads',
    );
  });

  it('a broken safety rule overrides everything', () => {
    const violations = [
      { invariant: 'Single Lock Holder', atMs: 1, detail: '' },
      { invariant: 'Single Lock Holder', atMs: 2, detail: '' },
    ];
    expect(capVerdict({ summary: { ...clean, violations }, clientOutagesMs: [] })).toBe('broke its own safety rules: 2 violations (Single Lock Holder)');
  });

  it('draws the line at UNAVAILABLE_MS_MIN', () => {
    expect(capVerdict({ summary: clean, clientOutagesMs: [UNAVAILABLE_MS_MIN - 1] })).toMatch(/^kept both/);
    expect(capVerdict({ summary: clean, clientOutagesMs: [UNAVAILABLE_MS_MIN] })).toMatch(/^chose consistency/);
  });
});

describe('per-client write outages', () => {
  const MS = 1000;
  const ev = (t: number, process: number, type: HistoryEvent['type'], f: HistoryEvent['f'] = 'write', value: HistoryEvent['value'] = t): HistoryEvent => ({
    t: t * MS,
    process,
    type,
    f,
    key: 'k',
    value,
  });
  // Client 1 writes ok, then its writes time out from 1 s to 6 s; client 2 (on node 2) only reads.
  const history: HistoryEvent[] = [
    ev(0, 1, 'invoke'),
    ev(10, 1, 'ok'),
    ev(1000, 1, 'invoke'),
    ev(2000, 1, 'info'),
    ev(2050, 2, 'invoke', 'read', null),
    ev(2060, 2, 'ok', 'read', 1),
    ev(2100, 1, 'invoke'),
    ev(3100, 1, 'info'),
    ev(6000, 1, 'invoke'),
    ev(6020, 1, 'ok'),
  ];

  it('run from the first write after the last ok write to the next ok write; reads do not count', () => {
    expect(clientWriteOutagesMs(history, 10_000 * MS)).toEqual([5020, 0]);
  });

  it('leave out the time the client’s own node was down', () => {
    const downtime = [{ node: 0, fromUs: 1500 * MS, toUs: 5500 * MS }];
    expect(clientWriteOutagesMs(history, 10_000 * MS, { nodeCount: 2, downtime })).toEqual([520, 0]);
    // Another node's downtime changes nothing for client 1.
    expect(clientWriteOutagesMs(history, 10_000 * MS, { nodeCount: 2, downtime: [{ node: 1, fromUs: 0, toUs: 9000 * MS }] })).toEqual([5020, 0]);
  });

  it('an outage still open at the end of duration runs to it', () => {
    const open = [ev(0, 1, 'invoke'), ev(1000, 1, 'info'), ev(1050, 1, 'invoke')];
    expect(clientWriteOutagesMs(open, 4000 * MS)).toEqual([4000]);
  });

  it('a cas answered mismatch ends an outage (the model served the client and said no); a fail for any other reason does not', () => {
    const cas = (t: number, type: HistoryEvent['type'], error?: string): HistoryEvent => ({ ...ev(t, 1, type, 'cas', [1, 2]), ...(error === undefined ? {} : { error }) });
    const answered = [ev(0, 1, 'invoke'), ev(10, 1, 'ok'), cas(1000, 'invoke'), cas(1100, 'fail', 'mismatch'), ev(5000, 1, 'invoke'), ev(5010, 1, 'ok')];
    expect(clientWriteOutagesMs(answered, 10_000 * MS)).toEqual([100]);
    const refused = [ev(0, 1, 'invoke'), ev(10, 1, 'ok'), cas(1000, 'invoke'), cas(1100, 'fail', 'not leader'), ev(5000, 1, 'invoke'), ev(5010, 1, 'ok')];
    expect(clientWriteOutagesMs(refused, 10_000 * MS)).toEqual([4010]);
  });

  it('verdictOf puts the two together', () => {
    expect(verdictOf({ summary: clean, history }, 10_000 * MS)).toBe('chose consistency: unavailable for 5.0 s to 1 of 2 clients, lost nothing');
  });
});
