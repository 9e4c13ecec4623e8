import { mutationConfig } from './vitest.mutate-base.ts';

/**
 * The tests `npm run mutate:raft` runs against each mutant of the Raft node:
 * the rule tests (Figure 2 and the dissertation's extensions, one node driven
 * from hand-built states), the scripted bug scenarios and expect lines, and
 * the properties at 30 runs — the election and failover nemesis among them.
 */
export default mutationConfig(
  [
    'test/quorum.test.ts',
    'test/raft-rules.test.ts',
    'test/raft-paper-rules.test.ts',
    'test/raft-lease.test.ts',
    'test/raft-vote-reasons.test.ts',
    'test/raft-log.test.ts',
    'test/raft-authoritative-log.test.ts',
    'test/raft-membership-liveness.test.ts',
    'test/raft-scenarios.test.ts',
    'test/stragglers.test.ts',
    'test/raft-safety.property.test.ts',
    'test/raft-safety-pauses.property.test.ts',
    'test/election-failover.property.test.ts',
  ],
);
