import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { clientFigures, type EffectiveWrite } from '../src/check/figures.ts';
import { leaderlessPromises, quorumCount, type LeaderlessModelSpec } from '../src/run/leaderless-model.ts';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';
import type { HistoryEvent, Value } from '../src/workload/history.ts';
import { leaderlessSpec, partitionScenario } from './helpers/leaderless.ts';

const spec = leaderlessSpec;

describe('what each leaderless configuration promises', () => {
  test('consistency levels: one = 1, quorum = a majority of N, all = N, a count as written (at most N)', () => {
    expect([quorumCount('one', 3), quorumCount('quorum', 3), quorumCount('all', 3), quorumCount(2, 3), quorumCount(5, 3)]).toEqual([1, 2, 3, 2, 3]);
    expect(quorumCount('quorum', 4)).toBe(3);
  });

  test('strict QUORUM/QUORUM with blocking read repair and clocks in agreement promises all five', () => {
    expect(leaderlessPromises(spec()).promised).toEqual(['linearizable', 'noLostWrites', 'noStaleReads', 'noDirtyReads', 'converges']);
  });

  test('R + W > N without blocking read repair: no stale reads, but not linearizable', () => {
    for (const readRepair of ['none', 'async'] as const) expect(leaderlessPromises(spec({ readRepair, writeQuorum: 'all', readQuorum: 2 })).promised).toEqual(['noLostWrites', 'noStaleReads', 'noDirtyReads', 'converges']);
  });

  test('R + W > N with 2R <= N (W = all, R = one): no stale reads, not linearizable even with blocking repair', () => {
    expect(leaderlessPromises(spec({ writeQuorum: 'all', readQuorum: 'one' })).promised).not.toContain('linearizable');
    expect(leaderlessPromises(spec({ writeQuorum: 'all', readQuorum: 'one' })).promised).toContain('noStaleReads');
  });

  test('ONE/ONE promises nothing about staleness: convergence, no dirty reads and (clocks agreeing) no lost writes', () => {
    expect(leaderlessPromises(spec({ writeQuorum: 'one', readQuorum: 'one' })).promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
  });

  test('a clock behind or drifting withdraws no lost writes and linearizability from every configuration, but not no stale reads', () => {
    for (const clocks of [{ clockOffsetUs: { n3: -50_000 } }, { clockDrift: { n1: 0.01 } }]) {
      expect(leaderlessPromises(spec(clocks)).promised).toEqual(['noStaleReads', 'noDirtyReads', 'converges']);
      expect(leaderlessPromises(spec({ ...clocks, writeQuorum: 'one', readQuorum: 'one' })).promised).toEqual(['noDirtyReads', 'converges']);
    }
  });

  test('a sloppy quorum gives up no stale reads; without hinted handoff, no dirty reads and no lost writes too', () => {
    expect(leaderlessPromises(spec({ sloppyQuorum: true })).promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
    expect(leaderlessPromises(spec({ sloppyQuorum: true, hintedHandoff: false })).promised).toEqual(['converges']);
  });

  test('without anti-entropy convergence is not promised', () => {
    expect(leaderlessPromises(spec({ antiEntropyUs: 0 })).promised).not.toContain('converges');
  });
});

type Op = readonly [number, HistoryEvent['f'], HistoryEvent['value'], 'ok' | 'fail' | 'info', HistoryEvent['value'], number, number];
function history(...ops: Op[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const [process, f, input, type, output, t0, t1] of ops) {
    events.push({ t: t0, process, type: 'invoke', f, key: 'k', value: input });
    events.push({ t: t1, process, type, f, key: 'k', value: output });
  }
  return events.sort((a, b) => a.t - b.t);
}
const order = (...values: Value[]): EffectiveWrite[] => values.map((value) => ({ key: 'k', value }));

describe('lostWrites under last-write-wins', () => {
  test('an acknowledged write the order puts before a write acknowledged before it was invoked is lost', () => {
    // Write 1 acknowledged at 10; write 2 invoked at 20 (after) but stamped earlier: the order is 2, 1.
    const h = history([1, 'write', 1, 'ok', 1, 0, 10], [2, 'write', 2, 'ok', 2, 20, 30]);
    expect(clientFigures(h, order(2, 1), 1000).lostWrites).toBe(1);
    expect(clientFigures(h, order(1, 2), 1000).lostWrites).toBe(0);
  });

  test('a write ordered before an overlapping one is not lost: it may have taken effect first', () => {
    const h = history([1, 'write', 1, 'ok', 1, 0, 25], [2, 'write', 2, 'ok', 2, 20, 30]);
    expect(clientFigures(h, order(2, 1), 1000).lostWrites).toBe(0);
  });
});

/** The partition scenario of the promise properties, the seed and the side of n1's clients varied. */
function promiseScenario(seed: number, model: string, minority: readonly string[]): string {
  return partitionScenario({ name: 'leaderless-property', seed, model, minority });
}

describe('the promises hold under partitions and crashes', () => {
  const minority = fc.constantFrom(['n1'], ['n1', 'n2'], ['n2', 'n5'], ['n3', 'n4']);
  fcTest.prop([fc.integer({ min: 1, max: 1_000_000 }), minority], { numRuns: 6 })(
    'strict QUORUM/QUORUM, blocking read repair, clocks in agreement: linearizable, nothing lost, stale or dirty, converged',
    (seed, side) => {
      const run = runScenario(parseScenario(promiseScenario(seed, '{ kind: leaderless }', side), 'property.yaml')).runs[0]!;
      expect(run.summary.violations).toEqual([]);
      expect(run.summary.linearizable).toBe(true);
      expect(run.summary.converged).toBe(true);
    },
  );

  fcTest.prop([fc.integer({ min: 1, max: 1_000_000 }), minority], { numRuns: 6 })('sloppy ONE/ONE with hinted handoff: no lost writes, no dirty reads, converged', (seed, side) => {
    const run = runScenario(parseScenario(promiseScenario(seed, '{ kind: leaderless, writeQuorum: one, readQuorum: one, sloppyQuorum: true, readRepair: async }', side), 'property.yaml')).runs[0]!;
    expect(run.summary.violations).toEqual([]);
    expect(run.summary.lostWrites).toBe(0);
    expect(run.summary.converged).toBe(true);
  });
});
