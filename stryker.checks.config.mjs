// `npm run mutate:checks`: the safety checkers, the figures and the quorum
// maths against their own unit and table tests (minutes, not hours).
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  vitest: { configFile: 'vitest.mutate-checks.config.ts', related: false },
  // Unit tests take milliseconds: a mutant that loops forever is cut off soon.
  timeoutMS: 5000,
  timeoutFactor: 1.5,
  mutate: ['src/check/raft-safety.ts', 'src/check/primary-replica-safety.ts', 'src/check/figures.ts', 'src/protocols/raft/quorum.ts'],
  htmlReporter: { fileName: 'reports/mutation-checks/index.html' },
  jsonReporter: { fileName: 'reports/mutation-checks/mutation.json' },
};
