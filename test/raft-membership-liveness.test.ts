import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';

/**
 * A server removed while cut off never receives its removal entry, believes
 * it is still a member, and stands for election with ever higher terms
 * (dissertation §4.2.3). The rule that a server within a minimum election
 * timeout of hearing from a current leader ignores RequestVote keeps it from
 * deposing leaders — for every combination of preVote and checkQuorum.
 */
describe('a removed server cannot keep the cluster from a stable leader (§4.2.3)', () => {
  const scenario = loadScenario('scenarios/raft/removed-server.yaml');

  for (const preVote of [false, true]) {
    for (const checkQuorum of [false, true]) {
      it(`preVote ${preVote}, checkQuorum ${checkQuorum}: after the heal the leader keeps office and every member applies the same log, over the seeds of 1-10 in which n5 is a follower`, () => {
        const models = scenario.models.map((m) => (m.kind === 'raft' ? { ...m, preVote, checkQuorum } : m));
        let told = 0;
        for (let seed = 1; seed <= 10; seed++) {
          const [run] = runScenario({ ...scenario, models }, { seed }).runs;
          // The story needs n5 to be a follower when it is cut off (in some seeds it leads term 1 itself).
          if (run!.log.some((l) => l.text.startsWith('n5 became leader'))) continue;
          told++;
          const afterHeal = run!.log.filter((l) => l.atUs > 2_000_000 && /became leader|stepped down/.test(l.text));
          expect({ seed, afterHeal: afterHeal.map((l) => l.text) }).toEqual({ seed, afterHeal: [] });
          expect({ seed, violations: run!.summary.violations }).toEqual({ seed, violations: [] });
        }
        expect(told).toBeGreaterThanOrEqual(5);
      });
    }
  }
});
