import { describe, expect, it } from 'vitest';
import { formatDiagnostic, InputError } from '../src/core/errors.ts';
import { parseScenario } from '../src/scenario/load.ts';

const scenario = (interval: string) => `name: x\nduration: 2s\nnodes: 3\nmodels: [{kind: raft}]\nworkload:\n  interval: ${interval}\n`;

function diagnostics(text: string): string[] {
  try {
    parseScenario(text, 's.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return error.diagnostics.map(formatDiagnostic);
  }
}

describe('a workload interval must be more than 0 (a request that fails at once would be retried at the same instant forever: the run never ends)', () => {
  it.each(['0s', '0', '0ms'])('interval: %s is refused at its position, with what was expected', (interval) => {
    expect(diagnostics(scenario(interval))).toEqual([`s.yaml:6:13: ${/^\d+$/.test(interval) ? interval : `"${interval}"`} is out of range; expected a time greater than 0 and at most 24h (a day)`]);
  });

  it('the smallest interval, 1us, is accepted', () => {
    expect(parseScenario(scenario('1us'), 's.yaml').workload.intervalUs).toBe(1);
  });
});
