import { createMachine, initialTransition, transition, type SnapshotFrom } from 'xstate';

/**
 * The legal role changes of a Raft node, as one statechart. The node consults
 * it only when its role changes (rare), never per message: a pure xstate
 * transition costs microseconds, a message delivery must cost far less.
 */
export const raftRoles = createMachine({
  id: 'raft-role',
  initial: 'follower',
  types: {} as {
    events:
      | { type: 'ELECTION_TIMEOUT'; preVote: boolean }
      | { type: 'PRE_VOTE_WON' }
      | { type: 'ELECTION_WON' }
      | { type: 'STEP_DOWN' };
  },
  states: {
    follower: {
      on: {
        ELECTION_TIMEOUT: [{ guard: ({ event }) => event.preVote, target: 'preCandidate' }, { target: 'candidate' }],
        STEP_DOWN: { target: 'follower', reenter: true },
      },
    },
    preCandidate: {
      on: {
        ELECTION_TIMEOUT: [{ guard: ({ event }) => event.preVote, target: 'preCandidate', reenter: true }, { target: 'candidate' }],
        PRE_VOTE_WON: { target: 'candidate' },
        STEP_DOWN: { target: 'follower' },
      },
    },
    candidate: {
      on: {
        // A candidate whose election timed out starts a new election (with PreVote, a new pre-vote round).
        ELECTION_TIMEOUT: [{ guard: ({ event }) => event.preVote, target: 'preCandidate' }, { target: 'candidate', reenter: true }],
        ELECTION_WON: { target: 'leader' },
        STEP_DOWN: { target: 'follower' },
      },
    },
    leader: {
      on: {
        STEP_DOWN: { target: 'follower' },
      },
    },
  },
});

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';
export type RoleEvent = Parameters<typeof transition<typeof raftRoles>>[2];
export type RoleSnapshot = SnapshotFrom<typeof raftRoles>;

export function initialRole(): RoleSnapshot {
  return initialTransition(raftRoles)[0];
}

/**
 * The role after `event`, or null when the statechart has no such
 * transition from the current role (an illegal role change: a bug).
 */
export function nextRole(snapshot: RoleSnapshot, event: RoleEvent): RoleSnapshot | null {
  const role = snapshot.value;
  if (!snapshot.can(event)) return null;
  const [next] = transition(raftRoles, snapshot, event);
  if (next.value === role && event.type !== 'ELECTION_TIMEOUT' && event.type !== 'STEP_DOWN') return null;
  return next;
}
