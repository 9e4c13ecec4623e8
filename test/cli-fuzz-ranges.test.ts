import { describe, expect, it } from 'vitest';
import { worldOf } from '../src/fuzz/seed.ts';
import { worldScenario } from '../src/fuzz/world.ts';
import { MODEL_KINDS } from '../src/scenario/schema.ts';
import { cli } from './helpers/cli.ts';

describe('fuzz: a flag value out of its range is a usage error about that flag, before any seed runs', () => {
  it.each([
    [['--duration', '25h'], 'raftsim: --duration: "25h" is not valid; expected a time from 200ms to 1h in whole milliseconds, e.g. 5s or 800ms\n'],
    [['--settle', '61m'], 'raftsim: --settle: "61m" is not valid; expected a time from 100ms to 1h in whole milliseconds, e.g. 5s or 800ms\n'],
    // The last seed, 2^53, cannot be told from 2^53 - 1 in floating point: the sum must not be formed.
    [['--start', String(Number.MAX_SAFE_INTEGER), '--seeds', '2'], `raftsim: --start ${Number.MAX_SAFE_INTEGER} --seeds 2: the last seed would pass ${Number.MAX_SAFE_INTEGER}; expected a smaller --start or --seeds\n`],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await cli('fuzz', ...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(message);
  });

  it('the longest phases allowed make worlds that load (seed 1 of each kind)', () => {
    for (const kind of MODEL_KINDS) {
      expect(() => worldScenario(worldOf(1, { kind, pinned: {}, allowed: [], durationMs: 3_600_000, settleMs: 3_600_000 }), '--options')).not.toThrow();
    }
  }, 60_000);
});
