import { describe, expect, it } from 'vitest';
import { UNAVAILABLE_MS_MIN, allNodesDownMs, capVerdict, clientOutagesMs, verdictOf } from '../src/run/verdict.ts';
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
      'chose availability: stayed up (no client whose node was up went unanswered for more than 1.2 s), lost 143 acknowledged writes, 31 stale reads, a non-linearizable history',
    );
  });

  it('both, or neither', () => {
    expect(capVerdict({ summary: clean, clientOutagesMs: [900, 400] })).toBe('kept both: stayed up (no client whose node was up went unanswered for more than 0.9 s) and lost nothing');
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

  it('every node down at once: the verdict says the system was down for that long before anything else', () => {
    // CAP's availability is about the nodes that are up, so no client counts as kept waiting; rtoMs (about 6.4 s) still counts the stretch.
    expect(capVerdict({ summary: clean, clientOutagesMs: [400, 300], allDownMs: 6000 })).toBe(
      'down for 6.0 s: every node was crashed or paused at once; otherwise kept both: stayed up (no client whose node was up went unanswered for more than 0.4 s) and lost nothing',
    );
  });

  it('a liveness failure (no convergence after settle) is reported as such, not as a broken safety rule', () => {
    const violations = [{ invariant: 'Promise: converges after settle', atMs: 19000, detail: 'not converged after settle: no leader' }];
    expect(capVerdict({ summary: { ...clean, violations }, clientOutagesMs: [900] })).toBe(
      'liveness failure: not converged after settle: no leader; kept both: stayed up (no client whose node was up went unanswered for more than 0.9 s) and lost nothing',
    );
  });

  it('a broken promise is named, with the figures that break it', () => {
    const violations = [
      { invariant: 'Promise: linearizable history', atMs: 19000, detail: '' },
      { invariant: 'Promise: no stale reads', atMs: 19000, detail: '' },
    ];
    expect(capVerdict({ summary: { ...clean, staleReads: 12, linearizable: false, violations }, clientOutagesMs: [2100] })).toBe(
      'broke its promises (linearizable history, no stale reads): 12 stale reads, a non-linearizable history; stayed up (no client whose node was up went unanswered for more than 2.1 s)',
    );
  });

  it('draws the line at UNAVAILABLE_MS_MIN', () => {
    expect(capVerdict({ summary: clean, clientOutagesMs: [UNAVAILABLE_MS_MIN - 1] })).toMatch(/^kept both/);
    expect(capVerdict({ summary: clean, clientOutagesMs: [UNAVAILABLE_MS_MIN] })).toMatch(/^chose consistency/);
  });
});

describe('per-client outages', () => {
  const MS = 1000;
  const ev = (t: number, process: number, type: HistoryEvent['type'], f: HistoryEvent['f'] = 'write', value: HistoryEvent['value'] = t): HistoryEvent => ({
    t: t * MS,
    process,
    type,
    f,
    key: 'k',
    value,
  });
  // Client 1 writes ok, then its writes time out from 1 s to 6 s; client 2 (on node 2) reads once.
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

  it('run from the first operation after the last answered one to the next answered one', () => {
    // Client 2's one read waited 10 ms for its answer.
    expect(clientOutagesMs(history, 10_000 * MS)).toEqual([5020, 10]);
  });

  it('reads count: a client whose reads all time out for 5 s was unavailable, though it wrote nothing', () => {
    const reads = [
      ev(0, 1, 'invoke', 'read', null),
      ev(10, 1, 'ok', 'read', null),
      ev(1000, 1, 'invoke', 'read', null),
      ev(2000, 1, 'fail', 'read', null),
      ev(2050, 1, 'invoke', 'read', null),
      ev(3050, 1, 'fail', 'read', null),
      ev(6000, 1, 'invoke', 'read', null),
      ev(6010, 1, 'ok', 'read', null),
    ];
    expect(clientOutagesMs(reads, 10_000 * MS)).toEqual([5010]);
    // rtoMs counts only writes: the verdict says the outage it reports was one of reads.
    expect(verdictOf({ summary: clean, history: reads }, 10_000 * MS)).toBe('chose consistency: unavailable for 5.0 s (reads) to 1 of 1 client, lost nothing');
  });

  it('leave out the time the client’s own node was down', () => {
    const downtime = [{ node: 0, fromUs: 1500 * MS, toUs: 5500 * MS }];
    expect(clientOutagesMs(history, 10_000 * MS, { nodeCount: 2, downtime })).toEqual([520, 10]);
    // Another node's downtime changes nothing for client 1 (and leaves out client 2's wait).
    expect(clientOutagesMs(history, 10_000 * MS, { nodeCount: 2, downtime: [{ node: 1, fromUs: 0, toUs: 9000 * MS }] })).toEqual([5020, 0]);
  });

  it('an outage still open at the end of duration runs to it', () => {
    const open = [ev(0, 1, 'invoke'), ev(1000, 1, 'info'), ev(1050, 1, 'invoke')];
    expect(clientOutagesMs(open, 4000 * MS)).toEqual([4000]);
  });

  it('a cas answered mismatch ends an outage (the model served the client and said no); a fail for any other reason does not', () => {
    const cas = (t: number, type: HistoryEvent['type'], error?: string): HistoryEvent => ({ ...ev(t, 1, type, 'cas', [1, 2]), ...(error === undefined ? {} : { error }) });
    const answered = [ev(0, 1, 'invoke'), ev(10, 1, 'ok'), cas(1000, 'invoke'), cas(1100, 'fail', 'mismatch'), ev(5000, 1, 'invoke'), ev(5010, 1, 'ok')];
    expect(clientOutagesMs(answered, 10_000 * MS)).toEqual([100]);
    const refused = [ev(0, 1, 'invoke'), ev(10, 1, 'ok'), cas(1000, 'invoke'), cas(1100, 'fail', 'not leader'), ev(5000, 1, 'invoke'), ev(5010, 1, 'ok')];
    expect(clientOutagesMs(refused, 10_000 * MS)).toEqual([4010]);
  });

  it('reads answered between stalled writes do not end the write outage', () => {
    const mixed = [
      ev(0, 1, 'invoke'),
      ev(10, 1, 'ok'),
      ev(1000, 1, 'invoke'),
      ev(2000, 1, 'info'),
      ev(2050, 1, 'invoke', 'read', null),
      ev(2060, 1, 'ok', 'read', 10),
      ev(2100, 1, 'invoke'),
      ev(3100, 1, 'info'),
      ev(3150, 1, 'invoke', 'read', null),
      ev(3160, 1, 'ok', 'read', 10),
      ev(6000, 1, 'invoke'),
      ev(6020, 1, 'ok'),
    ];
    expect(clientOutagesMs(mixed, 10_000 * MS)).toEqual([5020]);
  });

  it('cover only the horizon: a run cut at 8 s by --until reports no outage past 8 s', () => {
    const open = [ev(0, 1, 'invoke'), ev(1000, 1, 'info'), ev(1050, 1, 'invoke')];
    expect(clientOutagesMs(open, 8000 * MS)).toEqual([8000]);
    expect(clientOutagesMs(open, 3000 * MS)).toEqual([3000]);
  });

  it('verdictOf puts the two together', () => {
    expect(verdictOf({ summary: clean, history }, 10_000 * MS)).toBe('chose consistency: unavailable for 5.0 s to 1 of 2 clients, lost nothing');
  });
});

describe('every node down at once', () => {
  const MS = 1000;
  const down = (node: number, from: number, to: number) => ({ node, fromUs: from * MS, toUs: to * MS });

  it('is the longest stretch in which the down intervals of all nodes overlap', () => {
    const downtime = [down(0, 4000, 10_000), down(1, 4000, 10_000), down(2, 5000, 11_000)];
    expect(allNodesDownMs({ nodeCount: 3, downtime }, 14_000 * MS)).toBe(5000);
    // Two nodes down is not every node.
    expect(allNodesDownMs({ nodeCount: 3, downtime: downtime.slice(0, 2) }, 14_000 * MS)).toBe(0);
  });

  it('a node coming back at the instant another goes down leaves no stretch', () => {
    expect(allNodesDownMs({ nodeCount: 2, downtime: [down(0, 1000, 2000), down(1, 2000, 3000)] }, 5000 * MS)).toBe(0);
  });

  it('stops at the horizon (--until)', () => {
    expect(allNodesDownMs({ nodeCount: 1, downtime: [down(0, 4000, 12_000)] }, 8000 * MS)).toBe(4000);
  });
});
