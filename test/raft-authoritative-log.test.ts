import { describe, expect, it } from 'vitest';
import { raftTimingWarning } from '../src/run/promises.ts';
import { runScenario } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';

/**
 * The authoritative Raft log is what was committed. A commit index is
 * volatile and learnt late: when the run ends without a leader, every live
 * node's commitIndex can be behind what a leader committed (and answered its
 * client for) just before it crashed. Those entries are on a majority and in
 * every later leader's log (Leader Completeness): they are not lost.
 */
describe('the authoritative Raft log counts every entry a leader committed, also when no node knows it is committed', () => {
  const scenario = loadScenario('test/fixtures/scenarios/split-votes-7-slow.yaml');

  it('seed 67: the write a crashed leader committed and acknowledged is not counted lost although the run ends without a leader', () => {
    const run = runScenario(scenario, { seed: 67 }).runs[0]!;
    expect(run.authority).toMatch(/no leader at the end/);
    expect(run.authority).toMatch(/entries 84-85 that a leader committed/);
    expect(run.summary.lostWrites).toBe(0);
    expect(run.summary.violations.map((v) => v.invariant)).not.toContain('Promise: no lost writes');
  });

  it('with a round trip as long as the minimum election timeout, convergence is not promised: the report says why instead of judging it', () => {
    const run = runScenario(scenario, { seed: 67 }).runs[0]!;
    expect(run.summary.promises).not.toContain('converges after settle');
    expect(run.summary.safeZoneWarnings?.join(' ')).toMatch(/minimum election timeout \(100ms\) is not longer than a round trip/);
    expect(run.summary.violations).toEqual([]);
  });
});

describe("Raft's timing requirement (broadcast time ≪ election timeout, §5.6)", () => {
  it('convergence is withdrawn only when one round trip at the largest latency can outlast the minimum election timeout', () => {
    expect(raftTimingWarning({ electionTimeoutUsMin: 100_000, electionTimeoutUsMax: 200_000 }, { latencyUsMax: 50_000 })).not.toBeNull();
    expect(raftTimingWarning({ electionTimeoutUsMin: 100_000, electionTimeoutUsMax: 200_000 }, { latencyUsMax: 49_999 })).toBeNull();
    expect(raftTimingWarning({ electionTimeoutUsMin: 150_000, electionTimeoutUsMax: 300_000 }, { latencyUsMax: 15_000 })).toBeNull();
  });

  it('convergence is withdrawn when the election timeout is not randomised: equal timeouts split the vote every time (§5.2)', () => {
    expect(raftTimingWarning({ electionTimeoutUsMin: 150_000, electionTimeoutUsMax: 150_000 }, { latencyUsMax: 15_000 })).toMatch(/not randomised/);
    expect(raftTimingWarning({ electionTimeoutUsMin: 150_000, electionTimeoutUsMax: 151_000 }, { latencyUsMax: 15_000 })).toBeNull();
  });
});
