import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { faultSchedule, nodeNames, scenarioWith } from './helpers/arbitraries.ts';

/** Runs per node count: enough to find schedule bugs, few enough to keep `npm test` short on 2 cores. */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

describe.each([3, 5])('Raft on %i nodes under random fault schedules', (n) => {
  const nodes = nodeNames(n);
  it('never violates a safety property and never loses an acknowledged write', () => {
    fc.assert(
      fc.property(faultSchedule(nodes, 8_000_000), fc.integer({ min: 1, max: 1_000_000 }), (faults, seed) => {
        const run = runScenario(scenarioWith(nodes, faults, seed)).runs[0]!;
        expect(run.summary.violations).toEqual([]);
        expect(run.summary.lostWrites).toBe(0);
        expect(run.summary.dirtyReads).toBe(0);
        expect(run.summary.staleReads).toBe(0);
      }),
      { numRuns: RUNS, seed: 20261127 + n },
    );
  });
});
