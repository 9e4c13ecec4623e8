import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../src/scenario/load.ts';
import { runScenario } from '../src/run/run.ts';

function hashInNewProcess(file: string, seed: number): string {
  const run = spawnSync(process.execPath, ['bin/raftsim.js', 'run', file, '--json', '--seed', String(seed)], { encoding: 'utf8' });
  // The scenario's expect lines hold for its own seed; at another seed one may fail (exit 1). Only the run matters here.
  expect([0, 1], run.stderr).toContain(run.status);
  return JSON.parse(run.stdout).models.raft.traceHash;
}

describe('a run is a pure function of (scenario, seed, model)', () => {
  it('the same scenario and seed give the same traceHash in two separate processes', () => {
    const a = hashInNewProcess('scenarios/flaky-network.yaml', 11);
    const b = hashInNewProcess('scenarios/flaky-network.yaml', 11);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
    const inProcess = runScenario(loadScenario('scenarios/flaky-network.yaml'), { seed: 11 }).runs[0]!.summary.traceHash;
    expect(inProcess).toBe(a);
  });

  it('another seed gives another traceHash', () => {
    const scenario = loadScenario('scenarios/flaky-network.yaml');
    const hashes = new Set([1, 2, 3].map((seed) => runScenario(scenario, { seed }).runs[0]!.summary.traceHash));
    expect(hashes.size).toBe(3);
  });

  it('running twice in one process gives identical summaries (no state leaks between runs)', () => {
    const scenario = loadScenario('scenarios/leader-in-minority.yaml');
    const first = runScenario(scenario).runs[0]!.summary;
    const second = runScenario(scenario).runs[0]!.summary;
    expect(second).toEqual(first);
  });
});
