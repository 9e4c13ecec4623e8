import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { longScenarioYaml } from '../src/bench/long-scenario.ts';
import { runModel } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';

describe('the long-run scenario', () => {
  test.each([
    ['1h', 60],
    ['10h', 600],
    ['24h', 1440],
  ])('bench/long-%s.yaml is what the generator writes (a fault every 10 minutes, healed a minute later)', (name, minutes) => {
    expect(readFileSync(`bench/long-${name}.yaml`, 'utf8')).toBe(longScenarioYaml(minutes));
    const scenario = parseScenario(longScenarioYaml(minutes), name);
    expect(scenario.faults.length).toBe(2 * Math.ceil(minutes / 10 - 1));
  });

  test('memory per operation is bounded: the history keeps 19 bytes an event, and 10 simulated minutes get a verdict', () => {
    const scenario = parseScenario(longScenarioYaml(10), 'long-10m');
    const run = runModel(scenario, scenario.models[0]!, scenario.seed);
    const ops = run.summary.ops.ok + run.summary.ops.fail + run.summary.ops.info;
    expect(ops).toBeGreaterThan(100_000);
    // Whole chunks of 32768 events: at most one chunk more than needed.
    expect(run.historyLog.bytes).toBeLessThanOrEqual((run.historyLog.length + 32768) * 19);
    expect(run.summary.linearizable).toBe(true);
  }, 120_000);
});
