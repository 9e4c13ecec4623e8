import { mutationConfig } from './vitest.mutate-base.ts';

/**
 * The tests `npm run mutate:checks` runs against each mutant of the safety
 * checkers, the figures and the quorum maths: their own unit and table tests
 * only, which take a second or two. A mutant these tests miss survives even
 * if a scenario test elsewhere would catch it — the score is a lower bound,
 * and it is the one that matters: a check is guarded by a test of the check.
 */
export default mutationConfig(
  [
    'test/quorum.test.ts',
    'test/raft-safety-invariants.test.ts',
    'test/raft-safety-checker.test.ts',
    'test/primary-replica-safety-invariants.test.ts',
    'test/figures-table.test.ts',
    'test/figures.test.ts',
    'test/history-log.test.ts',
    'test/promises.test.ts',
    'test/cap-verdict.test.ts',
  ],
);
