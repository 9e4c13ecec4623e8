import { mutationConfig } from './vitest.mutate-base.ts';

/**
 * The tests `npm run mutate` runs against each mutant: the direct tests of
 * the rules, the checkers, the figures and the linearizability checker, and
 * the properties — none of the golden transcripts, the terminal UI, the
 * command line, the exports, the benchmarks or the fuzzer. A mutant killed
 * only by a golden would count as killed while nothing but a routinely
 * rewritten transcript guards it, so goldens are left out on purpose: the
 * score is what the direct tests catch. Tests that run whole scenarios for
 * other reasons (the stepping engine, notes, lessons) are left out too: a
 * surviving mutant runs every test that covers it, and on 2 cores they would
 * make a run last many hours. `npm run mutate` sets PROPERTY_RUNS=30.
 */
export default mutationConfig(
  [
    // Rules, driven on one node.
    'test/quorum.test.ts',
    'test/kv.test.ts',
    'test/raft-rules.test.ts',
    'test/raft-paper-rules.test.ts',
    'test/raft-lease.test.ts',
    'test/raft-vote-reasons.test.ts',
    'test/raft-log.test.ts',
    'test/primary-replica-units.test.ts',
    'test/primary-replica-shipping.test.ts',
    'test/leaderless-rules.test.ts',
    // Checkers built to fail, and the figures.
    'test/raft-safety-invariants.test.ts',
    'test/raft-safety-checker.test.ts',
    'test/raft-authoritative-log.test.ts',
    'test/primary-replica-safety-invariants.test.ts',
    'test/figures-table.test.ts',
    'test/figures.test.ts',
    'test/history-log.test.ts',
    'test/promises.test.ts',
    'test/run-verdicts.test.ts',
    'test/cap-verdict.test.ts',
    'test/linearizability-*.test.ts',
    // Scenario stories with expect lines, and the properties.
    'test/raft-scenarios.test.ts',
    'test/primary-replica-outcomes.test.ts',
    'test/primary-replica-promises.test.ts',
    'test/primary-replica-fail-means-no-effect.test.ts',
    'test/primary-replica-inherited-entries.test.ts',
    'test/primary-replica-failover-liveness.test.ts',
    'test/raft-safety.property.test.ts',
    'test/raft-safety-pauses.property.test.ts',
    'test/election-failover.property.test.ts',
    'test/primary-replica-properties.test.ts',
    'test/leaderless-promises.test.ts',
  ],
  ['test/linearizability-cli.test.ts'],
);
