import { defineConfig, type ViteUserConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The vitest config of a mutation run: the project's own, with only the
 * test files `include` names (and without those `exclude` names).
 *
 * Spread, not mergeConfig: mergeConfig concatenates arrays, so `include`
 * would add these files to the base config's `test/**\/*.test.ts` and every
 * mutant would run the whole suite (goldens, the terminal UI in tmux,
 * browsers).
 */
export function mutationConfig(include: readonly string[], exclude: readonly string[] = []): ViteUserConfig {
  return defineConfig({
    ...base,
    test: {
      ...base.test,
      include: [...include],
      // Under Stryker every line also counts its coverage and checks which mutant is on: a hook
      // that builds a long scenario run (primary-replica-outcomes) took over vitest's default 10 s
      // in the first run on a fresh clone, and one failure there stops the whole mutation run.
      // A mutant that loops forever is cut off by Stryker's own timeout, not by these.
      hookTimeout: 600_000,
      testTimeout: 600_000,
      ...(exclude.length > 0 ? { exclude: [...exclude] } : {}),
    },
  });
}
