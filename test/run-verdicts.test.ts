import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { scenarioWith } from './helpers/arbitraries.ts';
import { cli } from './helpers/cli.ts';

const MS = 1000;

describe('verdicts that agree with the figures beside them', () => {
  it('every node crashed for 6 s: the verdict says the system was down, beside an rtoMs that counts the stretch', () => {
    const run = runScenario(loadScenario('scenarios/raft/all-down.yaml')).runs[0]!;
    expect(run.summary.rtoMs).toBeGreaterThanOrEqual(6000);
    expect(run.verdict).toMatch(/^down for 6\.0 s: every node was crashed or paused at once; otherwise /);
  });
});

describe('--until: every figure covers only what ran', () => {
  // no-quorum: no majority anywhere from 4 s to 10 s; cut at 7 s, no outage can be longer than 3 s (plus the request in flight at 4 s).
  const scenario = loadScenario('scenarios/no-quorum.yaml');

  it('rtoMs and the verdict stop at the cut, and the result says where it was cut', () => {
    const result = runScenario(scenario, { untilUs: 7000 * MS });
    const run = result.runs[0]!;
    expect(result.untilMs).toBe(7000);
    expect(run.stoppedEarly).toBe(true);
    expect(run.summary.rtoMs).toBeLessThanOrEqual(3100);
    const outage = /unavailable for (\d+\.\d) s/.exec(run.verdict);
    expect(outage, run.verdict).not.toBeNull();
    expect(Number(outage![1])).toBeLessThanOrEqual(3.1);
    // Convergence after settle was never reached: undecided, not kept and not broken.
    expect(run.summary.promisesUndecided).toEqual(['converges after settle']);
  });

  it('a run that reaches the end of settle is not cut', () => {
    expect(runScenario(scenario, { untilUs: 60_000 * MS }).untilMs).toBeUndefined();
  });

  it('the JSON says the run was cut, and a failing run’s replay line keeps --until', async () => {
    const json = await cli('run', 'scenarios/no-quorum.yaml', '--until', '7s', '--json');
    expect(JSON.parse(json.out).untilMs).toBe(7000);
    const failing = await cli('run', 'scenarios/bugs/forget-vote.yaml', '--until', '9s');
    expect(failing.code).toBe(1);
    expect(failing.out).toContain('replay: raftsim run scenarios/bugs/forget-vote.yaml --seed 1 --until 9s\n');
  });
});

describe('settle heals the network to no loss and no duplication', () => {
  it('a cluster that lost every message during the run still converges within settle', () => {
    const s = scenarioWith(['n1', 'n2', 'n3'], [], 1);
    const run = runScenario({ ...s, network: { ...s.network, drop: 1, duplicate: 0.5 } }).runs[0]!;
    expect(run.summary.ops.ok).toBe(0);
    expect(run.summary.violations).toEqual([]);
  });
});
