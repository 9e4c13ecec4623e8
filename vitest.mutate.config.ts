import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The tests `npm run mutate` runs against each mutant: every test that
 * checks behaviour directly — unit, rule, checker, figure and property
 * tests — and none of the golden transcripts, the terminal UI, the command
 * line or the benchmarks. A mutant killed only by a golden would count as
 * killed while nothing but a routinely rewritten transcript guards it, so
 * goldens are left out on purpose: the score is what the direct tests catch.
 * `npm run mutate` sets PROPERTY_RUNS=30 so that a surviving mutant costs
 * seconds, not minutes.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      exclude: [
        'test/scenarios-golden.test.ts',
        'test/lessons.test.ts',
        'test/learn-cli.test.ts',
        'test/tui*.test.ts',
        'test/tui*.test.tsx',
        'test/bench*.test.ts',
        'test/cli*.test.ts',
        'test/follow.test.ts',
        'test/fuzz*.test.ts',
        'test/readme.test.ts',
        'test/docs-limits.test.ts',
        'test/linearizability-cli.test.ts',
        'test/broken-promise-exit.test.ts',
        'test/export*.test.ts',
        // Minutes per surviving mutant; the bug switches it hunts are pinned by rule tests too.
        'test/election-failover-bugs.property.test.ts',
        // The determinism test starts processes; the sweep and the long scenario run for many seconds.
        'test/determinism.test.ts',
        'test/adversarial-sweep.test.ts',
        'test/long-scenario.test.ts',
      ],
    },
  }),
);
