import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { propertySeed } from './helpers/fc-seed.ts';
import { faultSchedule, nodeNames, raftOptions, scenarioWith } from './helpers/arbitraries.ts';

/**
 * Runs per node count: enough to find schedule bugs, few enough to keep
 * `npm test` short on 2 cores. `PROPERTY_RUNS=2000 npx vitest run test/raft-safety.property.test.ts`
 * for a longer hunt; a failure prints the seed and the shrunk schedule.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);

describe.each([3, 5, 7])('correct Raft on %i nodes under random fault schedules, with every option combination', (n) => {
  const nodes = nodeNames(n);
  it('never violates a safety property, never loses or stales an acknowledged write, and converges after settle', () => {
    fc.assert(
      fc.property(faultSchedule(nodes, 8_000_000), raftOptions(), fc.integer({ min: 1, max: 1_000_000 }), (faults, options, seed) => {
        const run = runScenario(scenarioWith(nodes, faults, seed, options)).runs[0]!;
        // Liveness is reported as a violation too: after settle a leader exists and every member applied the same log.
        expect(run.summary.violations).toEqual([]);
        expect(run.summary.lostWrites).toBe(0);
        expect(run.summary.dirtyReads).toBe(0);
        expect(run.summary.staleReads).toBe(0);
        // An unknown verdict (null: the search gave up) is not a pass.
        expect(run.summary.linearizable).toBe(true);
      }),
      { numRuns: RUNS, seed: propertySeed(n) },
    );
  });
});
