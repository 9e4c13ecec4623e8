// `npm run mutate:raft`: the Raft node against its rule tests, bug scenarios and properties.
import base from './stryker.config.mjs';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  vitest: { configFile: 'vitest.mutate-raft.config.ts', related: false },
  // A mutant that loops forever is cut off at 10 s plus twice the time its tests took unmutated:
  // the node's tests take a few seconds, and every timeout also costs a fresh test-runner process.
  timeoutMS: 10000,
  mutate: ['src/protocols/raft/node.ts', 'src/protocols/raft/log.ts', 'src/protocols/raft/writes.ts', 'src/protocols/raft/roles.ts'],
  htmlReporter: { fileName: 'reports/mutation-raft/index.html' },
  jsonReporter: { fileName: 'reports/mutation-raft/mutation.json' },
};
