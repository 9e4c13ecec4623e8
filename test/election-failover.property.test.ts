import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertySeed } from './helpers/fc-seed.ts';
import { describeFailure, play, raftOptionsArb, scheduleArb, type Played } from './helpers/nemesis.ts';

/**
 * Properties aimed at elections and failover (test/helpers/nemesis.ts): a
 * nemesis that crashes and restarts the leader, cuts it into a minority,
 * pauses it past its lease, transfers leadership, strikes each new leader
 * the instant it takes office, hands leadership off Figure 8's way, crashes
 * voters the instant they vote, and leaves a deposed leader deaf through
 * the liveness phase — swarm-style: each schedule switches a few kinds of
 * move on and draws a handful of them.
 *
 * test/election-failover-bugs.property.test.ts checks that the same
 * harness finds every bug switch. `PROPERTY_RUNS=2000 npx vitest run
 * test/election-failover.property.test.ts` hunts longer; `FC_SEED=N` hunts
 * elsewhere.
 */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 200);

describe('correct Raft under a nemesis aimed at elections and failover', () => {
  it('keeps every promise and every safety rule on every schedule, and decides every promise (an unknown verdict fails)', () => {
    const played: Played[] = [];
    fc.assert(
      fc.property(scheduleArb(raftOptionsArb()), (schedule) => {
        const p = play(schedule);
        played.push(p);
        expect(describeFailure(p)).toBe('');
      }),
      { numRuns: RUNS, seed: propertySeed(14) },
    );
    // The harness is aimed where it should be: most schedules change leader (a plain random fault list: about half).
    const changed = played.filter((p) => p.leaderTerms >= 2).length;
    expect(changed / played.length).toBeGreaterThanOrEqual(0.5);
  });
});
