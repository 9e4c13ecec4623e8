import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { clientFigures, eachOperation, longestWriteOutageUs, operations, processesOf, type ClientFigures, type EffectiveWrite } from '../src/check/figures.ts';
import { HistoryLog, type HistoryEvent, type Value } from '../src/workload/history.ts';

/**
 * The client figures (docs/figures.md) on small histories, each answer worked
 * out by hand in the row's comment. Times are microseconds; the run's
 * `duration` is 1000 unless a row says otherwise. test/figures.test.ts has
 * the first cases; these tables cover each figure's rule and its edges,
 * with cas and overlapping operations.
 */

interface Op {
  readonly p: number;
  readonly f: 'read' | 'write' | 'cas';
  readonly key?: string;
  /** write: the value; cas: [old, new]; read: the value read (on ok). */
  readonly v: Value | readonly [Value, Value];
  readonly type: 'ok' | 'fail' | 'info';
  readonly t0: number;
  /** null: no completion recorded (still outstanding at the end). */
  readonly t1: number | null;
  readonly error?: string;
}

const w = (p: number, v: Value, type: Op['type'], t0: number, t1: number | null, key = 'k'): Op => ({ p, f: 'write', key, v, type, t0, t1 });
const cas = (p: number, old: Value, v: Value, type: Op['type'], t0: number, t1: number | null, error?: string): Op => ({
  p,
  f: 'cas',
  v: [old, v],
  type,
  t0,
  t1,
  ...(error !== undefined ? { error } : {}),
});
const r = (p: number, v: Value, type: Op['type'], t0: number, t1: number | null, key = 'k'): Op => ({ p, f: 'read', key, v, type, t0, t1 });

function history(ops: readonly Op[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const op of ops) {
    const key = op.key ?? 'k';
    events.push({ t: op.t0, process: op.p, type: 'invoke', f: op.f, key, value: op.f === 'read' ? null : op.v });
    if (op.t1 === null) continue;
    const value = op.f === 'read' ? (op.type === 'ok' ? op.v : null) : op.v;
    events.push({ t: op.t1, process: op.p, type: op.type, f: op.f, key, value, ...(op.error !== undefined ? { error: op.error } : {}) });
  }
  // Stable: events at one time keep the order written (an invoke listed before a completion at the same time stays so).
  return events.map((e, i) => [e, i] as const).sort((a, b) => a[0].t - b[0].t || a[1] - b[1]).map(([e]) => e);
}

/** The authoritative log: the writes that took effect, in order (key 'k' unless given as [key, value]). */
const log = (...values: (Value | [string, Value])[]): EffectiveWrite[] => values.map((v) => (Array.isArray(v) ? { key: v[0], value: v[1] } : { key: 'k', value: v as Value }));

interface Row {
  readonly name: string;
  readonly ops: readonly Op[];
  readonly log: readonly EffectiveWrite[];
  readonly durationUs?: number;
  readonly want: Partial<ClientFigures>;
}

/** Process numbers at or above this are not kept in the one-pass figures' typed arrays: such a history is paired first. */
const IMPORTED_PROCESS = 100_000;

function figures(row: Row): ClientFigures {
  const h = history(row.ops);
  const fromEvents = clientFigures(h, row.log, row.durationUs ?? 1000);
  // The columnar history gives the same figures as the event objects.
  expect(clientFigures(HistoryLog.from(h), row.log, row.durationUs ?? 1000)).toEqual(fromEvents);
  // So does the other pass, which pairs invocations and completions first (an imported history's large process numbers).
  const imported = history(row.ops.map((op) => ({ ...op, p: op.p + IMPORTED_PROCESS })));
  expect(clientFigures(imported, row.log, row.durationUs ?? 1000)).toEqual(fromEvents);
  return fromEvents;
}

const lostWriteRows: Row[] = [
  // The write's value 1 is in the log: nothing lost.
  { name: 'an acknowledged write the log holds', ops: [w(1, 1, 'ok', 0, 10)], log: log(1), want: { lostWrites: 0 } },
  // Value 1 acknowledged, the log is empty: 1 lost.
  { name: 'an acknowledged write the log lacks', ops: [w(1, 1, 'ok', 0, 10)], log: log(), want: { lostWrites: 1 } },
  // cas [1, 2] acknowledged; the log took 1 but not 2: the cas is lost (its written value is the new one, 2).
  { name: 'an acknowledged cas whose new value the log lacks is lost', ops: [w(1, 1, 'ok', 0, 10), cas(2, 1, 2, 'ok', 20, 30)], log: log(1), want: { lostWrites: 1 } },
  // The same, but the log holds the cas's old value 1 *and* its new value 2: nothing lost.
  { name: 'an acknowledged cas whose new value the log holds', ops: [w(1, 1, 'ok', 0, 10), cas(2, 1, 2, 'ok', 20, 30)], log: log(1, 2), want: { lostWrites: 0 } },
  // cas [2, 3] acknowledged; the log holds its old value 2 (w1's) but not its new value 3: lost.
  { name: 'an acknowledged cas is judged by its new value, not its old one', ops: [w(1, 2, 'ok', 0, 10), cas(2, 2, 3, 'ok', 20, 30)], log: log(2), want: { lostWrites: 1 } },
  // A cas answered mismatch, a write answered fail, a write of unknown outcome, a write never answered: none acknowledged, none lost.
  {
    name: 'fail, info and unanswered writes are never lost',
    ops: [cas(1, 7, 8, 'fail', 0, 10, 'mismatch'), w(2, 9, 'fail', 0, 10), w(3, 10, 'info', 0, 10), w(4, 11, 'ok', 5, null)],
    log: log(),
    want: { lostWrites: 0 },
  },
  // Two overlapping writes [0, 50] and [10, 40], both acknowledged; the log took only 2: one lost.
  { name: 'two overlapping acknowledged writes, one in the log', ops: [w(1, 1, 'ok', 0, 50), w(2, 2, 'ok', 10, 40)], log: log(2), want: { lostWrites: 1 } },
  // Invoked at 900, acknowledged at 1100 (during settle), absent: lost — the figure covers operations *invoked* during duration.
  { name: 'a write invoked before duration and acknowledged after it counts', ops: [w(1, 1, 'ok', 900, 1100)], log: log(), want: { lostWrites: 1 } },
  // Invoked at 1000 (= duration): outside the figures.
  { name: 'a write invoked at duration does not count', ops: [w(1, 1, 'ok', 1000, 1100)], log: log(), want: { lostWrites: 0, ops: { ok: 0, fail: 0, info: 0 } } },
  // w1 (value 1) acknowledged at 10; w2 (value 2) invoked at 20, after it, acknowledged at 30. The order of effect puts 2 *before* 1
  // (last-write-wins with a clock behind): w2 took effect in the past and was overwritten at once: lost. (A log never does this.)
  { name: 'an acknowledged write ordered before a write acknowledged before it was invoked is lost', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 20, 30)], log: log(2, 1), want: { lostWrites: 1 } },
  // The same order, but w2 was invoked at 5, before w1's acknowledgement at 10: the writes overlap, either order is right.
  { name: 'overlapping writes may take effect in either order', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 5, 30)], log: log(2, 1), want: { lostWrites: 0 } },
  // w2 invoked at 10, the instant w1 is acknowledged: not strictly after it, so either order is right.
  { name: 'a write invoked the instant another is acknowledged is not ordered after it', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 10, 30)], log: log(2, 1), want: { lostWrites: 0 } },
  // The rule looks at the running maximum: w1 (position 3) at 10, w2 (position 1) at 15, w3 invoked at 20 with position 2:
  // below the maximum 3 of the writes acknowledged before it: lost, though above w2, the last acknowledged.
  {
    name: 'ordered before the latest in the log of the writes acknowledged before it, not merely the last acknowledged',
    ops: [w(1, 3, 'ok', 0, 10), w(2, 1, 'ok', 0, 15), w(3, 2, 'ok', 20, 30)],
    log: log(1, 2, 3),
    want: { lostWrites: 1 },
  },
  // An acknowledged cas counts both ways: cas [1, 2] invoked at 20 after w1 (acknowledged at 10), ordered before it: lost.
  { name: 'a cas ordered before a write acknowledged before it was invoked is lost', ops: [w(1, 1, 'ok', 0, 10), cas(2, 1, 2, 'ok', 20, 30)], log: log(2, 1), want: { lostWrites: 1 } },
  // Values are matched whatever the key: value 5 on key b is in the log (as b's write); value 6 on key a is not.
  { name: 'several keys', ops: [w(1, 5, 'ok', 0, 10, 'b'), w(2, 6, 'ok', 0, 10, 'a')], log: log(['b', 5]), want: { lostWrites: 1 } },
];

const staleReadRows: Row[] = [
  // Running maximum: acknowledged before the read are w2 (log position 2) at 10 and w1 (position 1) at 20.
  // The latest acknowledged (w1) has position 1, but the maximum over both is 2 > 1 = the position read: stale.
  {
    name: 'the running maximum: the read missed a write acknowledged earlier than the last one, but later in the log',
    ops: [w(1, 2, 'ok', 0, 10), w(2, 1, 'ok', 0, 20), r(3, 1, 'ok', 30, 40)],
    log: log(1, 2),
    want: { staleReads: 1 },
  },
  // The latest acknowledgement: w1 (position 1) at 10, w2 (position 2) at 20, the read at 30 returns 1.
  // The maximum must include the latest acknowledged write (2 > 1): stale. Without it (or with only the first
  // acknowledgement, position 1) the read would look fresh.
  {
    name: 'the latest acknowledgement: the read missed the last write acknowledged before it',
    ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 11, 20), r(3, 1, 'ok', 30, 40)],
    log: log(1, 2),
    want: { staleReads: 1 },
  },
  // The same writes; the read returns 2, the newest: fresh.
  { name: 'a read of the newest acknowledged value', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 11, 20), r(3, 2, 'ok', 30, 40)], log: log(1, 2), want: { staleReads: 0 } },
  // A read may return a value newer than any acknowledged one (w2 still in flight, already in the log): fresh.
  { name: 'a read of a value newer than every acknowledged one', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 25, 60), r(3, 2, 'ok', 30, 40)], log: log(1, 2), want: { staleReads: 0 } },
  // w2 acknowledged at 30, the read invoked at 30: not strictly before, so the read may return 1.
  { name: 'a write acknowledged the instant the read is invoked does not count', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 20, 30), r(3, 1, 'ok', 30, 40)], log: log(1, 2), want: { staleReads: 0 } },
  // Overlapping: w2 [20, 35] is still in flight when the read is invoked at 30: the read may return 1.
  { name: 'a write overlapping the read does not count', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 20, 35), r(3, 1, 'ok', 30, 40)], log: log(1, 2), want: { staleReads: 0 } },
  // An acknowledged cas is a write: cas [1, 2] acknowledged at 30, the read at 40 returns 1 (position 1 < 2): stale.
  { name: 'an acknowledged cas counts as a write', ops: [w(1, 1, 'ok', 0, 10), cas(2, 1, 2, 'ok', 20, 30), r(3, 1, 'ok', 40, 50)], log: log(1, 2), want: { staleReads: 1 } },
  // A cas answered mismatch wrote nothing: the read of 1 after it is fresh.
  { name: 'a failed cas does not count', ops: [w(1, 1, 'ok', 0, 10), cas(2, 7, 2, 'fail', 20, 30, 'mismatch'), r(3, 1, 'ok', 40, 50)], log: log(1), want: { staleReads: 0 } },
  // The initial value (null, position 0) after an acknowledged write of position 1: stale.
  { name: 'the initial null after an acknowledged write', ops: [w(1, 1, 'ok', 0, 10), r(3, null, 'ok', 30, 40)], log: log(1), want: { staleReads: 1 } },
  // Per key: the write to b does not make a read of a's initial null stale.
  { name: 'writes to another key do not count', ops: [w(1, 1, 'ok', 0, 10, 'b'), r(3, null, 'ok', 30, 40, 'a')], log: log(['b', 1]), want: { staleReads: 0 } },
  // Reads that failed or whose outcome is unknown are not counted, whatever they carry.
  { name: 'failed and unknown reads are not counted', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 11, 20), r(3, 1, 'fail', 30, 40), r(4, 1, 'info', 30, 40)], log: log(1, 2), want: { staleReads: 0 } },
  // A read invoked at duration (1000) is outside the figures.
  {
    name: 'a read invoked at duration is not counted',
    ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 11, 20), r(3, 1, 'ok', 1000, 1010)],
    log: log(1, 2),
    want: { staleReads: 0, ops: { ok: 2, fail: 0, info: 0 } },
  },
  // Three reads after w1, w2, w3 (positions 1-3) acknowledged: returning 1 and 2 are stale, 3 is not.
  {
    name: 'each stale read counts once',
    ops: [w(1, 1, 'ok', 0, 10), w(1, 2, 'ok', 10, 20), w(1, 3, 'ok', 20, 30), r(2, 1, 'ok', 40, 50), r(3, 2, 'ok', 40, 50), r(4, 3, 'ok', 40, 50)],
    log: log(1, 2, 3),
    want: { staleReads: 2 },
  },
];

const dirtyReadRows: Row[] = [
  // Value 5 (write of unknown outcome) was read, and the log never took it: dirty, not stale.
  { name: 'a read of a value the log never took', ops: [w(1, 5, 'info', 0, 10), r(3, 5, 'ok', 2, 8)], log: log(), want: { dirtyReads: 1, staleReads: 0 } },
  // The log took 5: the read is clean.
  { name: 'a read of a value the log took', ops: [w(1, 5, 'info', 0, 10), r(3, 5, 'ok', 2, 8)], log: log(5), want: { dirtyReads: 0 } },
  // The initial null is never dirty.
  { name: 'a read of the initial null', ops: [r(3, null, 'ok', 2, 8)], log: log(), want: { dirtyReads: 0, staleReads: 0 } },
  // cas [1, 2] acknowledged and read, then lost: one lost write and one dirty read.
  { name: 'a read of a lost cas', ops: [w(1, 1, 'ok', 0, 10), cas(2, 1, 2, 'ok', 20, 30), r(3, 2, 'ok', 40, 50)], log: log(1), want: { dirtyReads: 1, lostWrites: 1 } },
];

const availabilityRows: Row[] = [
  // ok: w1, r; fail: w2; info: w3 (answered info) and w4 (never answered): 2 / 5.
  {
    name: 'ok / (ok + fail + info), an unanswered operation counting as info',
    ops: [w(1, 1, 'ok', 0, 10), r(2, 1, 'ok', 20, 30), w(3, 2, 'fail', 0, 10), w(4, 3, 'info', 0, 10), w(5, 4, 'ok', 5, null)],
    log: log(1),
    want: { ops: { ok: 2, fail: 1, info: 2 }, availability: 0.4 },
  },
  // No operation at all: 1 (nothing was refused).
  { name: 'no operations', ops: [], log: log(), want: { ops: { ok: 0, fail: 0, info: 0 }, availability: 1 } },
  // w2 (invoked at 1000 = duration, never answered) and w4 (likewise, on another client) do not count, even though w2's
  // client then invokes w3, which closes w2 as never answered: 1 ok of 1.
  {
    name: 'an operation invoked at duration and never answered does not count, even when its client invokes again',
    ops: [w(1, 1, 'ok', 0, 10), w(1, 2, 'info', 1000, null), w(1, 3, 'ok', 1010, 1020), w(2, 4, 'ok', 1000, null)],
    log: log(1, 3),
    want: { ops: { ok: 1, fail: 0, info: 0 }, availability: 1 },
  },
  // w1 never answered, and its client invokes w2 at 100: w1 counts as info, w2 as ok: 1 / 2.
  { name: 'an operation its client gave up on (a new invoke before its completion) is info', ops: [w(1, 1, 'ok', 0, null), w(1, 2, 'ok', 100, 110)], log: log(2), want: { ops: { ok: 1, fail: 0, info: 1 }, availability: 0.5 } },
  // Operations invoked at or after duration (1000) do not count: 1 ok of 1, though a later one failed.
  { name: 'operations invoked after duration do not count', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'fail', 1000, 1010)], log: log(1), want: { ops: { ok: 1, fail: 0, info: 0 }, availability: 1 } },
];

const rtoRows: Row[] = [
  // ok completions at 10. Gap [0, 10): w1 outstanding from 0: 10. Gap [10, 1000): the next write is invoked at 100
  // (it fails at 200), another at 300 (never answered): from 100 to the end, 900 µs = 0.9 ms.
  {
    name: 'from the first write invoked after the last ok write to the end of duration',
    ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'fail', 100, 200), w(3, 3, 'info', 300, null)],
    log: log(1),
    want: { rtoMs: 0.9 },
  },
  // w1 invoked at 50 and outstanding until 500 (info); w2 ok at 200. Gap [0, 200): from 50: 150. Gap [200, 1000):
  // w1 is still outstanding at 200, so clients were trying from 200: 800 µs = 0.8 ms.
  { name: 'a write still outstanding across an ok completion starts the next stretch at that completion', ops: [w(1, 1, 'info', 50, 500), w(2, 2, 'ok', 100, 200)], log: log(2), want: { rtoMs: 0.8 } },
  // Quiet periods do not count: ok at 10 and at 510, nothing outstanding between 10 and 500. Gaps: [0, 10): w1 from 0: 10;
  // [10, 510): nothing outstanding at 10, w2 invoked at 500: 10, not 500; [510, 600): none. rtoMs = 0.01.
  { name: 'a quiet period with no write outstanding does not count', ops: [w(1, 1, 'ok', 0, 10), w(2, 2, 'ok', 500, 510)], log: log(1, 2), durationUs: 600, want: { rtoMs: 0.01 } },
  // A cas counts as trying to write, even one answered mismatch: invoked at 100, no ok write at all: 900.
  { name: 'a cas is a write attempt', ops: [cas(1, 7, 8, 'fail', 100, 300, 'mismatch')], log: log(), want: { rtoMs: 0.9 } },
  // An acknowledged cas ends a stretch. ok completions at 50 (w2) and 400 (the cas). Gap [0, 50): w1 and w2 from 0: 50.
  // Gap [50, 400): w1 is still outstanding at 50 (until 100): 350. Gap [400, 1000): nothing outstanding. rtoMs = 0.35
  // (had the cas not ended the stretch at 400: 950).
  { name: 'an acknowledged cas ends a stretch', ops: [w(1, 1, 'fail', 0, 100), w(2, 5, 'ok', 0, 50), cas(3, 5, 6, 'ok', 100, 400)], log: log(5, 6), want: { rtoMs: 0.35 } },
  // Reads are not writes: a read outstanding all run long makes no outage.
  { name: 'reads do not count', ops: [r(1, null, 'fail', 0, 900)], log: log(), want: { rtoMs: 0 } },
  // An ok completion after duration (1100) does not end the stretch: invoked at 900, open until the end: 100.
  { name: 'an ok completion after duration does not end the stretch', ops: [w(1, 1, 'ok', 900, 1100)], log: log(1), want: { rtoMs: 0.1 } },
  // Overlapping writes from two clients: w1 [0, 300] fail, w2 [100, 600] ok, w3 [200, 250] fail, w4 [700, 800] ok.
  // Gap [0, 600): trying from 0: 600. Gap [600, 800): w4 from 700: 100. Gap [800, 1000): none. rtoMs = 0.6.
  {
    name: 'overlapping writes: the longest stretch',
    ops: [w(1, 1, 'fail', 0, 300), w(2, 2, 'ok', 100, 600), w(3, 3, 'fail', 200, 250), w(4, 4, 'ok', 700, 800)],
    log: log(2, 4),
    want: { rtoMs: 0.6 },
  },
];

describe.each([
  ['lostWrites', lostWriteRows],
  ['staleReads', staleReadRows],
  ['dirtyReads', dirtyReadRows],
  ['availability and ops', availabilityRows],
  ['rtoMs', rtoRows],
] as const)('clientFigures: %s', (_figure, rows) => {
  test.each(rows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    expect(figures(row)).toMatchObject(row.want);
  });
});

describe('longestWriteOutageUs (the per-operation form of rtoMs) agrees with clientFigures', () => {
  test.each(rtoRows.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const writes = operations(history(row.ops)).filter((op) => op.f === 'write' || op.f === 'cas');
    expect(longestWriteOutageUs(writes, row.durationUs ?? 1000) / 1000).toBe(row.want.rtoMs);
  });
});

describe('operations: each invocation paired with its own process\'s next completion', () => {
  // Process 1: a write ok [0, 10], then a cas answered mismatch [10, 30]; process 2: a read ok [5, 20] of 1,
  // then a write never answered (info, completeUs null); process 7: a write answered info [3, 40].
  const h = history([w(1, 1, 'ok', 0, 10), cas(1, 5, 6, 'fail', 10, 30, 'mismatch'), r(2, 1, 'ok', 5, 20), w(2, 2, 'ok', 25, null), w(7, 3, 'info', 3, 40)]);
  const want = [
    { process: 1, f: 'write', key: 'k', input: 1, output: null, invokeUs: 0, completeUs: 10, type: 'ok' },
    { process: 7, f: 'write', key: 'k', input: 3, output: null, invokeUs: 3, completeUs: 40, type: 'info' },
    { process: 2, f: 'read', key: 'k', input: null, output: 1, invokeUs: 5, completeUs: 20, type: 'ok' },
    { process: 1, f: 'cas', key: 'k', input: [5, 6], output: null, invokeUs: 10, completeUs: 30, type: 'fail', error: 'mismatch' },
    { process: 2, f: 'write', key: 'k', input: 2, output: null, invokeUs: 25, completeUs: null, type: 'info' },
  ];

  test('from event objects, in invoke order, with the read\'s value, the error, and no completion as info', () => {
    expect(operations(h)).toEqual(want);
  });

  test('eachOperation gives the same from the columnar history and from the events', () => {
    expect([...eachOperation(HistoryLog.from(h))]).toEqual(want);
    expect([...eachOperation(h)]).toEqual(want);
  });

  test('a completion with no open invocation (a duplicate in an imported history) is ignored, in both passes', () => {
    const events: HistoryEvent[] = [
      { t: 0, process: 1, type: 'invoke', f: 'write', key: 'k', value: 1 },
      { t: 10, process: 1, type: 'ok', f: 'write', key: 'k', value: 1 },
      { t: 20, process: 1, type: 'ok', f: 'write', key: 'k', value: 1 },
    ];
    const want = { ops: { ok: 1, fail: 0, info: 0 }, lostWrites: 0, rtoMs: 0.01 };
    expect(clientFigures(events, log(1), 1000)).toMatchObject(want);
    expect(clientFigures(events.map((e) => ({ ...e, process: e.process + IMPORTED_PROCESS })), log(1), 1000)).toMatchObject(want);
  });

  test('processesOf lists each process once, ascending', () => {
    expect(processesOf(h)).toEqual([1, 2, 7]);
    expect(processesOf(HistoryLog.from(h))).toEqual([1, 2, 7]);
  });
});

/**
 * The figures' definitions (docs/figures.md) written out the slow, obvious
 * way: pair each invocation with its process's next completion, then judge
 * every acknowledged operation against every other. Both passes of
 * clientFigures (one-pass over the columns, and paired first) must agree
 * with it on generated histories: several clients and keys, overlapping and
 * simultaneous operations, operations never answered, answers after the
 * duration, completions with no invocation, cas, reads of values the log
 * lacks, and a log that drops and reorders writes.
 */
interface RefOp {
  readonly inv: HistoryEvent;
  comp: HistoryEvent | null;
  /** The completion's index among the events (its place in time order). */
  ci: number;
}

function referencePairs(events: readonly HistoryEvent[]): RefOp[] {
  const open = new Map<number, RefOp>();
  const ops: RefOp[] = [];
  events.forEach((e, i) => {
    if (e.type === 'invoke') {
      const op = { inv: e, comp: null, ci: -1 };
      open.set(e.process, op);
      ops.push(op);
      return;
    }
    const op = open.get(e.process);
    if (op === undefined) return;
    open.delete(e.process);
    op.comp = e;
    op.ci = i;
  });
  return ops;
}

function referenceFigures(events: readonly HistoryEvent[], authoritative: readonly EffectiveWrite[], durationUs: number): ClientFigures {
  const ops = referencePairs(events).filter((op) => op.inv.t < durationUs);
  // A value's log position: 1-based, the last place it was taken; -1 when the log never took it; a read of null reads position 0.
  const pos = (v: Value): number => {
    for (let i = authoritative.length - 1; i >= 0; i--) if (authoritative[i]!.value === v) return i + 1;
    return -1;
  };
  const type = (op: RefOp): string => op.comp?.type ?? 'info';
  const isWrite = (op: RefOp): boolean => op.inv.f === 'write' || op.inv.f === 'cas';
  const written = (op: RefOp): Value => (op.inv.f === 'cas' ? (op.inv.value as readonly [Value, Value])[1] : (op.inv.value as Value));
  const acked: { key: string; t: number; pos: number }[] = [];
  let lostWrites = 0;
  let staleReads = 0;
  let dirtyReads = 0;
  // Acknowledged operations in the order they were acknowledged.
  for (const op of ops.filter((o) => type(o) === 'ok').sort((a, b) => a.ci - b.ci)) {
    const laterAckedBefore = (p: number): boolean => acked.some((a) => a.key === op.inv.key && a.t < op.inv.t && a.pos > p);
    if (isWrite(op)) {
      const p = pos(written(op));
      if (p < 0 || laterAckedBefore(p)) lostWrites++;
      else acked.push({ key: op.inv.key, t: op.comp!.t, pos: p });
    } else if (op.inv.f === 'read') {
      const v = op.comp!.value as Value;
      const p = v === null ? 0 : pos(v);
      if (p < 0) dirtyReads++;
      else if (laterAckedBefore(p)) staleReads++;
    }
  }
  // rtoMs: in each gap between ok writes (and 0, duration), a client was trying to write from the gap's start if a
  // write invoked by then was still outstanding, else from the first write invoked within the gap.
  const writes = ops.filter(isWrite);
  const okTimes = writes.filter((op) => type(op) === 'ok' && op.comp!.t <= durationUs).map((op) => op.comp!.t);
  const bounds = [0, ...okTimes.sort((a, b) => a - b), durationUs];
  let longest = 0;
  for (let g = 0; g + 1 < bounds.length; g++) {
    const from = bounds[g]!;
    const to = bounds[g + 1]!;
    if (to <= from) continue;
    let tryingFrom = Infinity;
    for (const op of writes) if (op.inv.t < to && (op.comp === null || op.comp.t > from)) tryingFrom = Math.min(tryingFrom, Math.max(op.inv.t, from));
    if (tryingFrom < to) longest = Math.max(longest, to - tryingFrom);
  }
  const ok = ops.filter((o) => type(o) === 'ok').length;
  const fail = ops.filter((o) => type(o) === 'fail').length;
  const info = ops.length - ok - fail;
  return { ops: { ok, fail, info }, availability: ops.length === 0 ? 1 : ok / ops.length, lostWrites, staleReads, dirtyReads, rtoMs: longest / 1000 };
}

const opArb = fc.record({
  // get: the key-value model's read, which the register figures do not count.
  f: fc.constantFrom('read', 'write', 'write', 'cas', 'get'),
  key: fc.constantFrom('a', 'b'),
  gap: fc.nat(12),
  len: fc.nat(25),
  outcome: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'info', 'none'),
  /** read: which value it returns (0: null, past the writes: one the log never took); fail and info carry it too. */
  reads: fc.nat(40),
  /** The completion arrives twice (the second has no open invocation). */
  duplicate: fc.nat(5),
});
const historyArb = fc.record({
  clients: fc.array(fc.record({ stray: fc.boolean(), ops: fc.array(opArb, { maxLength: 8 }) }), { minLength: 1, maxLength: 4 }),
  /** Per written value: < 0 not in the log, else its rank in the log (ties in write order). */
  rank: fc.array(fc.integer({ min: -2, max: 12 }), { minLength: 40, maxLength: 40 }),
  halfMicroseconds: fc.boolean(),
  /** Values as strings (kept aside in the columnar history, not as numbers). */
  strings: fc.boolean(),
});

function generated(draw: typeof historyArb extends fc.Arbitrary<infer T> ? T : never) {
  const scale = draw.halfMicroseconds ? 0.5 : 1;
  const durationUs = 100 * scale;
  const val = (n: number): Value => (draw.strings ? `v${n}` : n);
  const tagged: [HistoryEvent, number][] = [];
  let value = 0;
  const writtenValues: Value[] = [];
  const reads: { event: HistoryEvent; pick: number }[] = [];
  draw.clients.forEach((client, p) => {
    let t = 0;
    if (client.stray) tagged.push([{ t: 0, process: p, type: 'ok', f: 'write', key: 'a', value: val(0.5) }, tagged.length]);
    for (const op of client.ops) {
      t += op.gap;
      const reading = op.f === 'read' || op.f === 'get';
      const input = op.f === 'write' ? val(++value) : op.f === 'cas' ? ([val(value), val(++value)] as const) : null;
      if (!reading) writtenValues.push(val(value));
      tagged.push([{ t: t * scale, process: p, type: 'invoke', f: op.f, key: op.key, value: input }, tagged.length]);
      if (op.outcome === 'none') continue;
      t += op.len;
      const done: HistoryEvent = { t: t * scale, process: p, type: op.outcome, f: op.f, key: op.key, value: input, ...(op.outcome === 'fail' && op.f === 'cas' ? { error: 'mismatch' } : {}) };
      tagged.push([done, tagged.length]);
      if (op.duplicate === 0) tagged.push([{ ...done }, tagged.length]);
      if (reading) reads.push({ event: done, pick: op.reads });
    }
  });
  for (const { event, pick } of reads) (event as { value: Value }).value = pick === 0 ? null : pick <= writtenValues.length ? writtenValues[pick - 1]! : val(1000 + pick);
  const events = tagged.sort((a, b) => a[0].t - b[0].t || a[1] - b[1]).map(([e]) => e);
  const authoritative = writtenValues
    .map((v, i) => ({ v, i, rank: draw.rank[i % draw.rank.length]! }))
    .filter((x) => x.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => ({ key: 'a', value: x.v }));
  return { events, authoritative, durationUs };
}

describe('clientFigures agrees with the figures\' definitions on generated histories, in both passes', () => {
  // Process numbers that take each path: small whole numbers (one pass over the columns); at or above 2^16 (paired,
  // open operations in a typed array); at or above 2^20, negative or fractional (paired, open operations in a map).
  test.each([
    ['small whole numbers (the one-pass figures)', (p: number) => p],
    ['numbers from 2^16 (paired first)', (p: number) => p + 65_536],
    ['numbers from 2^20 (paired first, by map)', (p: number) => p + 2 ** 20],
    ['negative numbers (paired first, by map)', (p: number) => -1 - p],
    ['fractional numbers (paired first, by map)', (p: number) => p + 0.5],
  ])('processes as %s', (_name, processOf) => {
    fc.assert(
      fc.property(historyArb, (draw) => {
        const { events, authoritative, durationUs } = generated(draw);
        const renamed = events.map((e) => ({ ...e, process: processOf(e.process) }));
        const want = referenceFigures(renamed, authoritative, durationUs);
        expect(clientFigures(renamed, authoritative, durationUs)).toEqual(want);
        expect(clientFigures(HistoryLog.from(renamed), authoritative, durationUs)).toEqual(want);
      }),
      { numRuns: 150 },
    );
  });

  test('longestWriteOutageUs (the per-operation form of rtoMs) gives rtoMs, from the writes in any order, and leaves its argument as it was', () => {
    fc.assert(
      fc.property(historyArb, (draw) => {
        const { events, authoritative, durationUs } = generated(draw);
        const writes = operations(events)
          .filter((op) => op.f === 'write' || op.f === 'cas')
          .reverse();
        const given = [...writes];
        expect(longestWriteOutageUs(writes, durationUs) / 1000).toBe(referenceFigures(events, authoritative, durationUs).rtoMs);
        expect(writes).toEqual(given);
      }),
      { numRuns: 150 },
    );
  });

  test('operations and eachOperation pair as the definition does, with the read\'s value, the error, and no completion as info', () => {
    fc.assert(
      fc.property(historyArb, (draw) => {
        const { events } = generated(draw);
        const want = referencePairs(events).map(({ inv, comp }) => ({
          process: inv.process,
          f: inv.f,
          key: inv.key,
          input: inv.value,
          output: comp?.type === 'ok' && (inv.f === 'read' || inv.f === 'get') ? comp.value : null,
          invokeUs: inv.t,
          completeUs: comp?.t ?? null,
          type: comp?.type ?? 'info',
          ...(comp?.error !== undefined ? { error: comp.error } : {}),
        }));
        // Strictly: no `error: undefined` where there is no error.
        expect(operations(events)).toStrictEqual(want);
        expect([...eachOperation(events)]).toStrictEqual(want);
        expect([...eachOperation(HistoryLog.from(events))]).toStrictEqual(want);
      }),
      { numRuns: 150 },
    );
  });
});
