import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';

/** `raftsim bench long ... --json`, parsed. */
function benchLong(...args: string[]): { memoryBudgetMiB: number; heapLimitMiB: number; runs: Record<string, unknown>[] } {
  const out = spawnSync(process.execPath, ['bin/raftsim.js', 'bench', 'long', '--json', ...args], { encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  return JSON.parse(out.stdout.trim().split('\n').pop()!);
}

describe('raftsim bench long: the memory budget is on resident memory, and enforced', () => {
  test('a run whose resident memory exceeds --memory is killed and reported as such (a V8 heap limit alone bounds neither typed arrays nor code)', () => {
    const result = benchLong('--hours', '0.05', '--memory', '100');
    expect(result.memoryBudgetMiB).toBe(100);
    expect(result.heapLimitMiB).toBe(70);
    expect(result.runs[0]).toEqual({ hours: 0.05, failure: 'killed: resident memory exceeded 100 MiB' });
  }, 60_000);

  test('a run within the budget reports its peak resident memory, what it keeps per operation, and a verdict', () => {
    const result = benchLong('--hours', '0.05');
    expect(result.memoryBudgetMiB).toBe(2048);
    expect(result.heapLimitMiB).toBe(1433);
    const run = result.runs[0]!;
    expect(run.linearizable).toBe(true);
    expect(run.ops as number).toBeGreaterThan(30_000);
    expect(run.peakRssMiB as number).toBeGreaterThan(30);
    expect(run.peakRssMiB as number).toBeLessThanOrEqual(2048);
    // History, log entries, the checker's records: a few hundred bytes an operation at most (the process's fixed heap is amortised over few operations here).
    expect(run.keptBytesPerOp as number).toBeLessThan(1000);
  }, 60_000);
});
