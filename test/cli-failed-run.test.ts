import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// A run that throws half-way (a bug of ours, or the machine running out of memory) after the output files were opened.
vi.mock('../src/run/run.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/run/run.ts')>();
  return {
    ...original,
    runScenario: (...args: Parameters<typeof original.runScenario>) => {
      const writer = args[1]?.traceWriter?.('raft');
      writer?.write('{"t":0,"type":"half"}');
      throw new Error('the run failed');
    },
  };
});

const { cli } = await import('./helpers/cli.ts');

describe('a run that fails leaves no temporary file', () => {
  it('removes the temporary trace and history files and writes no output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftsim-fail-'));
    await expect(cli('run', 'scenarios/leader-crash.yaml', '--trace', join(dir, 't.jsonl'), '--history', join(dir, 'h.jsonl'))).rejects.toThrow('the run failed');
    expect(readdirSync(dir)).toEqual([]);
  });
});
