// Mutation testing: `npm run mutate` (all four folders) or
// `npm run mutate -- --mutate src/protocols/raft/node.ts` (one file).
// Not part of `npm test` or CI: it runs the direct tests once per mutant.
// The HTML report is written to reports/mutation/ (git-ignored).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: ['src/protocols/**/*.ts', 'src/check/**/*.ts', 'src/sim/**/*.ts', 'src/workload/**/*.ts'],
  // Mutants in module-level constants run every test; they are few and mostly tables.
  ignoreStatic: true,
  // The text of violation details and error messages: read by people and pinned by the goldens, not behaviour.
  mutator: { excludedMutations: ['StringLiteral'] },
  concurrency: 2,
  timeoutMS: 30000,
  // The first run measures coverage per test over the whole direct suite: minutes on 2 cores.
  dryRunTimeoutMinutes: 60,
  timeoutFactor: 2,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 85, low: 70, break: null },
  incremental: false,
};
