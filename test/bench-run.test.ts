import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inProcess, PHASES, standardWorkloadYaml, timelineMarks, timelineOf } from '../src/bench/run.ts';
import { clientFigures } from '../src/check/figures.ts';
import { KeyHistory, WritePositions } from '../src/check/linearizability/candidate.ts';
import { rngStream } from '../src/core/random.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { HistoryLog, type HistoryEvent } from '../src/workload/history.ts';
import { cli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'raftsim-bench-run-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const small = join(dir, 'standard-5s.yaml');
writeFileSync(small, standardWorkloadYaml(5));

describe('bench run', () => {
  it('times a whole run phase by phase: the phases add up to the whole, and the loop is the simulation', () => {
    const { timed, facts } = inProcess(small);
    const sum = PHASES.reduce((a, p) => a + timed.phases[p], 0);
    expect(sum).toBeCloseTo(timed.totalMs, 6);
    for (const p of PHASES) expect(timed.phases[p]).toBeGreaterThanOrEqual(0);
    expect(timed.loopMs).toBeGreaterThan(0);
    expect(timed.loopMs).toBeLessThanOrEqual(timed.phases.simulation + 1e-9);
    expect(facts.simSeconds).toBe(6); // 5 s and 1 s of settling
    expect(facts.events).toBeGreaterThan(0);
    expect(facts.ops).toBeGreaterThan(0);
  });

  it('--child does what raftsim run FILE --json does: the same summary on stdout, its clocks on stderr', async () => {
    const child = await cli('bench', 'run', '--child', small);
    const run = await cli('run', small, '--json');
    expect(child.code).toBe(0);
    expect(child.out).toBe(run.out);
    const line = child.err.split('\n').find((l) => l.startsWith('raftsim-bench-run '));
    expect(line).toBeDefined();
    const clocks = JSON.parse(line!.slice('raftsim-bench-run '.length));
    expect(Object.keys(clocks.phases)).toEqual([...PHASES]);
    expect(clocks.firstEventAt).toBeGreaterThanOrEqual(clocks.commandAt);
    expect(clocks.endAt).toBeGreaterThanOrEqual(clocks.firstEventAt);
  });

  it('--json has the standard workload beside the loop alone, start-up, and each scenario, in the shape documented', async () => {
    const r = await cli('bench', 'run', '--duration', '5s', '--repeat', '1', '--scenario-repeat', '1', '--json', small);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.goals).toEqual({ freshRatioToLoop: 0.6, firstEventMs: 150 });
    const timed = (t: { totalMs: number; loopMs: number; phasesMs: Record<string, number>; shares: Record<string, number> }) => {
      expect(Object.keys(t.phasesMs)).toEqual([...PHASES]);
      expect(Object.keys(t.shares)).toEqual([...PHASES]);
      expect(t.totalMs).toBeGreaterThan(0);
      expect(t.loopMs).toBeGreaterThan(0);
    };
    const s = json.standard;
    expect(s.simSeconds).toBe(6);
    timed(s.inProcess);
    timed(s.freshProcess);
    expect(s.freshProcess.peakRssMiB).toBeGreaterThan(0);
    expect(s.freshCommand.bestMs).toBeGreaterThan(0);
    for (const k of ['loopSimSecondsPerWallSecond', 'inProcessSimSecondsPerWallSecond', 'freshSimSecondsPerWallSecond', 'inProcessRatioToLoop', 'freshRatioToLoop']) {
      expect(s[k]).toBeGreaterThan(0);
    }
    expect(typeof s.bytesPerOp).toBe('number');
    // The warm-up timeline: six marks up to the workload's length (5 s; settling not included), a wall time for each in both settings.
    expect(s.timeline.simSeconds).toEqual([0.1, 0.2, 0.4, 0.8, 2.5, 5]);
    expect(s.timeline.freshMs).toHaveLength(6);
    expect(s.timeline.warmMs).toHaveLength(6);
    // The ceiling: the loop alone against a fresh start-up plus the fastest fresh loop, as if the checks cost nothing.
    const loopMs = (s.simSeconds * 1000) / s.loopSimSecondsPerWallSecond;
    expect(s.ceiling.freshLoopMs).toBeLessThanOrEqual(s.timeline.freshMs[5]);
    expect(s.ceiling.checksFree).toBeCloseTo(loopMs / (json.startUp.firstEvent.bestMs + s.ceiling.freshLoopMs), 2);
    expect(s.ceiling.checksAndStartUpFree).toBeCloseTo(loopMs / (json.startUp.node.bestMs + s.ceiling.freshLoopMs), 2);
    // CPU time beside wall time: a busy machine disturbs it less.
    for (const k of ['loopMs', 'inProcessMs', 'freshMs', 'freshRatioToLoop']) expect(s.cpu[k]).toBeGreaterThan(0);
    expect(s.freshProcess.cpuMs).toBeGreaterThanOrEqual(s.freshProcess.loopCpuMs);
    for (const k of ['node', 'help', 'validate', 'firstEvent']) expect(json.startUp[k].bestMs).toBeGreaterThan(0);
    expect(json.scenarios).toHaveLength(1);
    timed(json.scenarios[0].inProcess);
    // A timed run is the same pure function of its inputs as any other run.
    const summary = JSON.parse((await cli('run', small, '--json')).out);
    expect(s.traceHashes).toEqual([summary.models.raft.traceHash]);
    expect(json.scenarios[0].traceHashes).toEqual([summary.models.raft.traceHash]);
  }, 120_000);

  it('the warm-up timeline marks when the loop reaches each simulated time: one wall time per mark, in order, and the run is otherwise the same', () => {
    const marks = timelineMarks(6);
    expect(marks).toEqual([0.1, 0.2, 0.5, 1, 3, 6]);
    const at = timelineOf(small, marks);
    expect(at).toHaveLength(marks.length);
    for (let k = 1; k < at.length; k++) expect(at[k]!).toBeGreaterThanOrEqual(at[k - 1]!);
    expect(at[0]!).toBeGreaterThan(0);
  });

  it('--child --timeline reports the fresh process\'s timeline on stderr; a bad list is a usage error', async () => {
    const child = await cli('bench', 'run', '--child', small, '--timeline', '1,3,6');
    expect(child.code).toBe(0);
    const line = child.err.split('\n').find((l) => l.startsWith('raftsim-bench-run '));
    expect(JSON.parse(line!.slice('raftsim-bench-run '.length)).timeline).toHaveLength(3);
    const bad = await cli('bench', 'run', '--child', small, '--timeline', '1,x');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--timeline');
  });

  it('bad options are usage errors (exit 2)', async () => {
    expect((await cli('bench', 'run', '--repeat', '0')).code).toBe(2);
    expect((await cli('bench', 'run', '--duration', '1.5s')).code).toBe(2);
    expect((await cli('bench', 'run', join(dir, 'missing.yaml'))).code).toBe(2);
    expect((await cli('bench', 'run', '--help')).out).toContain('--no-scenarios');
  });
});

/** A random register history of `clients` clients over `keys` keys, every client one operation at a time (some never complete). */
function randomHistory(seed: number, clients: number, keys: number, ops: number, values: () => number | string): HistoryEvent[] {
  const rng = rngStream(seed, 'bench-run-test');
  const events: HistoryEvent[] = [];
  const open: (HistoryEvent | null)[] = Array.from({ length: clients }, () => null);
  // Per key, the values written so far: a read returns one of them (often the latest), rarely one never written.
  const writtenTo = new Map<string, (number | string)[]>();
  const readValue = (key: string): number | string | null => {
    const w = writtenTo.get(key) ?? [];
    const draw = rng.next();
    if (w.length === 0 || draw < 0.1) return null;
    if (draw < 0.15) return values();
    return draw < 0.6 ? w[w.length - 1]! : w[Math.floor(rng.next() * w.length)]!;
  };
  let t = 0;
  for (let i = 0; i < ops * 2; i++) {
    t += Math.floor(rng.next() * 3);
    const c = Math.floor(rng.next() * clients);
    const process = c + 1;
    const pending = open[c];
    if (pending === null || pending === undefined) {
      const key = `k${Math.floor(rng.next() * keys)}`;
      const draw = rng.next();
      const e: HistoryEvent =
        draw < 0.45
          ? { t, process, type: 'invoke', f: 'read', key, value: null }
          : draw < 0.85
            ? { t, process, type: 'invoke', f: 'write', key, value: values() }
            : { t, process, type: 'invoke', f: 'cas', key, value: [rng.next() < 0.3 ? null : values(), values()] };
      events.push(e);
      open[c] = e;
      if (e.f !== 'read') writtenTo.set(key, [...(writtenTo.get(key) ?? []), e.f === 'cas' ? (e.value as [number | string, number | string])[1] : (e.value as number | string)]);
      continue;
    }
    open[c] = null;
    const draw = rng.next();
    const type = draw < 0.75 ? 'ok' : draw < 0.9 ? 'fail' : 'info';
    const value = pending.f === 'read' ? (type === 'ok' ? readValue(pending.key) : null) : pending.value;
    events.push({ t, process, type, f: pending.f, key: pending.key, value, ...(type === 'fail' && pending.f === 'cas' && rng.next() < 0.6 ? { error: 'mismatch' } : {}) });
  }
  return events;
}

describe('the checks after a run, made cheaper, compute what they computed', () => {
  it('the one-pass figures equal the figures of the history paired first (a history whose processes force that path)', () => {
    const totals = { stale: 0, dirty: 0, lost: 0 };
    for (let seed = 1; seed <= 60; seed++) {
      let next = 1;
      const history = randomHistory(seed, 1 + (seed % 7), 1 + (seed % 3), 400, () => next++);
      // The authoritative log: most written values, in a shuffled but fixed order.
      const rng = rngStream(seed, 'log');
      const written = history.filter((e) => e.type === 'invoke' && e.f !== 'read').map((e) => (e.f === 'cas' ? (e.value as [number, number])[1] : (e.value as number)));
      const log = written.filter(() => rng.next() < 0.9).map((value) => ({ key: 'k', value }));
      for (let i = log.length - 1; i > 0; i--) {
        if (rng.next() < 0.2) [log[i], log[i - 1]] = [log[i - 1]!, log[i]!];
      }
      const durationUs = history[Math.floor(history.length * 0.8)]!.t;
      const byColumns = clientFigures(HistoryLog.from(history), log, durationUs);
      // Processes beyond 65535 widen the column and take the paired path: the same figures.
      const byPairs = clientFigures(HistoryLog.from(history.map((e) => ({ ...e, process: e.process + 100_000 }))), log, durationUs);
      expect(byColumns).toEqual(byPairs);
      totals.stale += byColumns.staleReads;
      totals.dirty += byColumns.dirtyReads;
      totals.lost += byColumns.lostWrites;
    }
    // The histories exercise every figure.
    expect(totals.stale).toBeGreaterThan(0);
    expect(totals.dirty).toBeGreaterThan(0);
    expect(totals.lost).toBeGreaterThan(0);
  });

  it('every key\'s register history made at once equals each made alone', () => {
    for (let seed = 1; seed <= 40; seed++) {
      let next = 1;
      // Some seeds write strings too (kept aside by the log, interned by the key histories).
      const log = HistoryLog.from(randomHistory(seed, 1 + (seed % 5), 1 + (seed % 4), 300, () => (seed % 2 === 0 && next % 3 === 0 ? `s${next++}` : next++)));
      const each = KeyHistory.ofEach(log);
      expect(each).not.toBeNull();
      log.keyNames.forEach((_, id) => {
        const alone = KeyHistory.of(log, id);
        const all = each![id]!;
        expect(all.n).toBe(alone.n);
        for (const column of ['kind', 'callPos', 'returnPos', 'aTag', 'aNum', 'bTag', 'bNum'] as const) {
          expect(Array.from(all[column].subarray(0, all.n))).toEqual(Array.from(alone[column].subarray(0, alone.n)));
        }
        for (let i = 0; i < all.n; i++) {
          expect(all.observed(i)).toEqual(alone.observed(i));
          if (all.isWriteLike(i)) expect(all.written(i)).toEqual(alone.written(i));
        }
      });
    }
  });

  it('write positions by table (dense values) equal those by binary search (sparse values)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rng = rngStream(seed, 'positions');
      const dense = Array.from({ length: 200 }, () => ({ value: Math.floor(rng.next() * 150) - 20 }));
      // The same values spread out, so that no table is made: positions must not change.
      const sparse = dense.map((w) => ({ value: w.value * 1_000_003 }));
      const d = new WritePositions(dense);
      const s = new WritePositions(sparse);
      for (let v = -30; v < 140; v++) expect(d.positionOf(v)).toBe(s.positionOf(v * 1_000_003));
      expect(d.positionOf(0.5)).toBe(-1);
      expect(d.positionOf(-0)).toBe(d.positionOf(0));
      expect(d.positionOf(null)).toBe(-1);
    }
  });

  it('reads the standard workload file back as the benchmark writes it', () => {
    const scenario = loadScenario(small);
    expect(scenario.nodes).toHaveLength(5);
    expect(scenario.workload.clients).toBe(3);
  });
});
