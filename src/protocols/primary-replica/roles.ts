import { createMachine, initialTransition, transition, type SnapshotFrom } from 'xstate';

/**
 * The legal role changes of a primary/replica node, as one statechart. The
 * node consults it only when its role changes (rare), never per message.
 */
export const primaryReplicaRoles = createMachine({
  id: 'primary-replica-role',
  initial: 'replica',
  types: {} as {
    events:
      | { type: 'BOOT_AS_PRIMARY' }
      | { type: 'LOCK_LAPSED' }
      | { type: 'LOCK_WON' }
      | { type: 'GIVE_UP' }
      | { type: 'DEMOTE' };
  },
  states: {
    replica: {
      on: {
        // The first node at the first boot, or the fixed primary without failover.
        BOOT_AS_PRIMARY: { target: 'primary' },
        LOCK_LAPSED: { target: 'candidate' },
      },
    },
    candidate: {
      on: {
        LOCK_WON: { target: 'primary' },
        GIVE_UP: { target: 'replica' },
      },
    },
    primary: {
      on: {
        DEMOTE: { target: 'replica' },
      },
    },
  },
});

export type Role = 'replica' | 'candidate' | 'primary';
export type RoleEvent = Parameters<typeof transition<typeof primaryReplicaRoles>>[2];
export type RoleSnapshot = SnapshotFrom<typeof primaryReplicaRoles>;

export function initialRole(): RoleSnapshot {
  return initialTransition(primaryReplicaRoles)[0];
}

/** The role after `event`, or null when the statechart has no such transition (an illegal role change: a bug). */
export function nextRole(snapshot: RoleSnapshot, event: RoleEvent): RoleSnapshot | null {
  if (!snapshot.can(event)) return null;
  return transition(primaryReplicaRoles, snapshot, event)[0];
}
