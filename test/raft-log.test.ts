import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { LogGroup, RaftLog } from '../src/protocols/raft/log.ts';
import type { Entry } from '../src/protocols/raft/types.ts';

const CHUNK = 4096;

function entry(term: number, seq: number): Entry {
  return { term, op: null, client: 0, seq, origin: 0 };
}

/** What a log must hold: the same entries (the same objects) as a plain array given the same pushes and truncations. */
function expectSame(log: RaftLog, model: readonly Entry[]): void {
  expect(log.length).toBe(model.length);
  for (let i = 0; i < model.length; i++) if (log.get(i) !== model[i]) expect.fail(`position ${i} differs`);
  expect(log.get(model.length)).toBeUndefined();
  expect(log.get(-1)).toBeUndefined();
}

describe('RaftLog: chunks shared between the nodes of a cluster', () => {
  test('holds exactly what an array would under any pushes and truncations of several logs sharing entries (chunk sharing and copy-on-truncate)', () => {
    // Steps: a node appends a common entry (the cluster's next one), an entry of its own, or truncates its log.
    const step = fc.record({
      node: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom('common', 'common', 'common', 'own', 'truncate'),
      count: fc.integer({ min: 1, max: 3 * CHUNK }),
      cut: fc.nat(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const group = new LogGroup();
        const sentinel = entry(0, 0);
        const logs = [0, 1, 2].map((n) => group.create(n, [sentinel]));
        const models: Entry[][] = [[sentinel], [sentinel], [sentinel]];
        // The cluster's entries by position: nodes that append 'common' entries at a position share them.
        const common: Entry[] = [sentinel];
        let seq = 1;
        for (const s of steps) {
          const log = logs[s.node]!;
          const model = models[s.node]!;
          if (s.kind === 'truncate') {
            const length = 1 + (s.cut % model.length);
            log.truncate(length);
            model.length = length;
            continue;
          }
          for (let k = 0; k < s.count; k++) {
            const at = model.length;
            let e: Entry;
            if (s.kind === 'common') {
              if (common[at] === undefined) common[at] = entry(1, seq++);
              e = common[at]!;
            } else e = entry(2, seq++);
            log.push(e);
            model.push(e);
          }
        }
        logs.forEach((log, n) => expectSame(log, models[n]!));
        // slice gives the same as the array's.
        const m = models[0]!;
        expect(logs[0]!.slice(1, 1 + Math.min(70, m.length))).toEqual(m.slice(1, 1 + Math.min(70, m.length)));
      }),
      { numRuns: 60 },
    );
  });

  test('five logs that agree keep one copy of their full chunks, and a truncation into a shared chunk leaves the others intact', () => {
    const group = new LogGroup();
    const entries = Array.from({ length: 3 * CHUNK + 10 }, (_, i) => entry(1, i));
    const logs = [0, 1, 2, 3, 4].map((n) => group.create(n, entries));
    const chunksOf = (log: RaftLog) => (log as unknown as { chunks: Entry[][] }).chunks;
    for (let k = 0; k < 3; k++) for (const log of logs) expect(chunksOf(log)[k]).toBe(chunksOf(logs[0]!)[k]);
    // The last, partial chunk is each log's own.
    expect(chunksOf(logs[1]!)[3]).not.toBe(chunksOf(logs[0]!)[3]);
    logs[1]!.truncate(CHUNK + 5);
    logs[1]!.push(entry(2, -1));
    expectSame(logs[0]!, entries);
    expectSame(logs[1]!, [...entries.slice(0, CHUNK + 5), logs[1]!.last()]);
    expect(logs[1]!.last().term).toBe(2);
  });
});

describe('RaftLog: edges', () => {
  test('truncating to a length at or past the end keeps the log as it is', () => {
    const entries = [entry(0, 0), entry(1, 1), entry(1, 2)];
    const log = RaftLog.of(entries);
    log.truncate(3);
    expectSame(log, entries);
    log.truncate(10);
    expectSame(log, entries);
    log.push(entry(2, 3));
    expectSame(log, [...entries, log.last()]);
  });

  test('a log outside any group (a removed node\'s, a test\'s) holds more than a chunk', () => {
    const entries = Array.from({ length: CHUNK + 10 }, (_, i) => entry(1, i));
    const log = RaftLog.of(entries);
    expectSame(log, entries);
    const outside = new LogGroup().create(-1, entries);
    expectSame(outside, entries);
  });

  test('a log of exactly one chunk, or truncated to a chunk boundary, reads nothing past its end', () => {
    const entries = Array.from({ length: 2 * CHUNK }, (_, i) => entry(1, i));
    const log = RaftLog.of(entries.slice(0, CHUNK));
    expectSame(log, entries.slice(0, CHUNK));
    const longer = RaftLog.of(entries);
    longer.truncate(CHUNK);
    expectSame(longer, entries.slice(0, CHUNK));
  });

  test('truncating to a chunk boundary and appending leaves the chunk another log shares untouched', () => {
    const group = new LogGroup();
    const entries = Array.from({ length: 2 * CHUNK }, (_, i) => entry(1, i));
    const a = group.create(0, entries);
    const b = group.create(1, entries); // its second chunk fills equal to a's: shared
    a.truncate(CHUNK);
    a.push(entry(2, 0));
    expectSame(b, entries);
    expectSame(a, [...entries.slice(0, CHUNK), a.last()]);
  });

  test('a group whose node numbers have gaps (nodes created out of order) shares chunks all the same', () => {
    const group = new LogGroup();
    const entries = Array.from({ length: CHUNK + 10 }, (_, i) => entry(1, i));
    const third = group.create(2, entries);
    const first = group.create(0, entries);
    expectSame(third, entries);
    expectSame(first, entries);
  });
});
