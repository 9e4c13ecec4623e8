import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepScenario } from '../scripts/sweep.ts';
import { loadScenario } from '../src/scenario/load.ts';

/**
 * The adversarial scenarios of test/adversarial/ (7 nodes, duplication and
 * reordering, a fault every 200-300 ms, restarts inside leases, transfers cut
 * off mid-way, membership changes under faults, long pauses; synchronous
 * primary/replica under the same) state in their `expect` lines what each
 * configuration promises. `npm run sweep` runs them over 200 seeds each; this
 * test runs a few seeds of every one, so that a change that breaks a promise
 * under adversarial faults fails here first. A failure names the seed and
 * the replay command.
 */

const DIR = join(import.meta.dirname, 'adversarial');
const SEEDS = 4;

const PROMISE: Record<string, string> = {
  raft: 'correct Raft, with log, readIndex and lease reads (lease with CheckQuorum, with and without PreVote), keeps a linearizable history, loses no acknowledged write, serves no stale or dirty read and breaks no invariant',
  'primary-replica': 'synchronous replication with failover loses no acknowledged write and breaks no invariant; with lease fencing it also serves no stale or dirty read and keeps a linearizable history; a fixed primary serving the reads keeps all five whatever the replication',
  leaderless:
    'every leaderless configuration keeps what it promises: QUORUM/QUORUM with blocking read repair (the ABD register) a linearizable history, R + W > N no stale reads, hinted handoff and version vectors no lost writes, every one no dirty reads and convergence',
};

const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('adversarial scenarios: every configuration that promises safety keeps its promises', () => {
  it('there are adversarial scenarios for every model kind', () => {
    const kinds = new Set(files.flatMap((f) => loadScenario(join(DIR, f)).models.map((m) => m.kind)));
    expect([...kinds].sort()).toEqual(['leaderless', 'primary-replica', 'raft']);
  });

  for (const file of files) {
    const scenario = loadScenario(join('test', 'adversarial', file));
    const kinds = [...new Set(scenario.models.map((m) => m.kind))];
    it(`${scenario.name}: ${kinds.map((k) => PROMISE[k]).join('; ')} (seeds 1..${SEEDS})`, () => {
      // Every model carries expect lines: a scenario without them would pass vacuously.
      for (const model of scenario.models) expect(scenario.expect.some((e) => e.model === model.name), `${model.name} has expect lines`).toBe(true);
      const sweep = sweepScenario(scenario, { seeds: SEEDS, start: 1 });
      const failures = sweep.models.flatMap((m) =>
        m.failures.map((f) => `${m.model} seed ${f.seed}: ${f.reasons.join('; ')}\n  replay: raftsim run ${scenario.file} --seed ${f.seed} --model ${m.model}`),
      );
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});
