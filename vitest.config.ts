import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Two cores: keep the pool small so CPU-heavy property tests do not starve each other.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    setupFiles: ['test/setup-fast-check.ts'],
  },
});
