import { describe, expect, it } from 'vitest';
import { judgePromises, PROMISE_NAMES, promisesOf, type PromiseKey } from '../src/run/promises.ts';
import type { PrimaryReplicaModelSpec, RaftModelSpec } from '../src/scenario/types.ts';

const MS = 1000;
const raft = (options: Partial<RaftModelSpec> = {}): RaftModelSpec => ({
  kind: 'raft',
  name: 'raft',
  electionTimeoutUsMin: 150 * MS,
  electionTimeoutUsMax: 300 * MS,
  heartbeatUs: 50 * MS,
  ...options,
});
const pr = (options: Partial<PrimaryReplicaModelSpec> = {}): PrimaryReplicaModelSpec => ({
  kind: 'primary-replica',
  name: 'pr',
  replication: 'async',
  syncStandbys: 1,
  syncMode: 'first',
  semiSyncTimeoutUs: 1000 * MS,
  waitPoint: 'after-sync',
  failover: 'auto',
  failoverTimeoutUs: 1000 * MS,
  maxLagOnFailover: null,
  fencing: 'none',
  reads: 'primary',
  ...options,
});
const ALL: PromiseKey[] = ['linearizable', 'noLostWrites', 'noStaleReads', 'noDirtyReads', 'converges'];

describe('what each Raft configuration promises', () => {
  it.each(['log', 'readIndex', 'lease'] as const)('reads: %s with no bug switch promises everything', (reads) => {
    expect(promisesOf(raft({ reads })).promised).toEqual(ALL);
  });

  it('reads: local promises no lost writes, no dirty reads and convergence, but neither fresh reads nor linearizability', () => {
    expect(promisesOf(raft({ reads: 'local' })).promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
  });

  it('lease reads outside the safe zone (clock drift beyond maxClockDrift) withdraw the lease’s promises, with the warning as the reason', () => {
    const p = promisesOf(raft({ reads: 'lease' }), ['clockDrift of n1 and n5 exceeds maxClockDrift']);
    expect(p.promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
    expect(p.withdrawn).toEqual([
      { key: 'linearizable', reason: 'clockDrift of n1 and n5 exceeds maxClockDrift' },
      { key: 'noStaleReads', reason: 'clockDrift of n1 and n5 exceeds maxClockDrift' },
    ]);
    // Reads through the log or readIndex do not rest on clocks.
    expect(promisesOf(raft({ reads: 'readIndex' }), ['any warning']).promised).toEqual(ALL);
  });

  it('a bug switch keeps only what its rule leaves', () => {
    expect(promisesOf(raft({ bugs: ['read-without-quorum'] })).promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
    expect(promisesOf(raft({ bugs: ['reset-timer-on-any-rpc'] })).promised).toEqual(['linearizable', 'noLostWrites', 'noStaleReads', 'noDirtyReads']);
    for (const bug of ['commit-old-term', 'forget-vote', 'no-up-to-date-check'] as const) expect(promisesOf(raft({ bugs: [bug] })).promised).toEqual([]);
  });
});

describe('what each primary/replica configuration promises', () => {
  it('async and semi-sync promise only convergence', () => {
    for (const replication of ['async', 'semi-sync'] as const) {
      expect(promisesOf(pr({ replication, fencing: 'lease' })).promised).toEqual(['converges']);
    }
  });

  it('sync loses no acknowledged write; after-sync with primary reads adds no dirty reads; fencing or no failover adds fresh, linearizable reads', () => {
    expect(promisesOf(pr({ replication: 'sync', waitPoint: 'after-commit' })).promised).toEqual(['noLostWrites', 'converges']);
    expect(promisesOf(pr({ replication: 'sync', reads: 'any' })).promised).toEqual(['noLostWrites', 'converges']);
    expect(promisesOf(pr({ replication: 'sync' })).promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
    expect(promisesOf(pr({ replication: 'sync', fencing: 'lease' })).promised).toEqual(ALL);
    expect(promisesOf(pr({ replication: 'sync', failover: 'none' })).promised).toEqual(ALL);
    // A fenced primary that acknowledges after commit serves fresh reads, but a read can see an unconfirmed write that later vanishes.
    expect(promisesOf(pr({ replication: 'sync', waitPoint: 'after-commit', fencing: 'lease' })).promised).toEqual(['noLostWrites', 'noStaleReads', 'converges']);
  });

  it('with failover: none the one primary never discards its log: nothing acknowledged or read vanishes, whatever the replication; primary reads are linearizable', () => {
    for (const replication of ['async', 'semi-sync', 'sync'] as const) {
      for (const waitPoint of ['after-sync', 'after-commit'] as const) {
        expect(promisesOf(pr({ replication, waitPoint, failover: 'none' })).promised).toEqual(ALL);
        expect(promisesOf(pr({ replication, waitPoint, failover: 'none', reads: 'any' })).promised).toEqual(['noLostWrites', 'noDirtyReads', 'converges']);
      }
    }
  });
});

describe('judging a run by its promises', () => {
  const clean = { lostWrites: 0, staleReads: 0, dirtyReads: 0, linearizable: true } as const;

  it('a broken promise is a violation named "Promise: NAME", with the figure that broke it', () => {
    const judged = judgePromises(ALL, { ...clean, lostWrites: 3, linearizable: false }, null, 19_000);
    expect(judged.broken.map((v) => v.invariant)).toEqual(['Promise: linearizable history', 'Promise: no lost writes']);
    expect(judged.broken[1]).toEqual({ invariant: 'Promise: no lost writes', atMs: 19_000, detail: '3 acknowledged writes are not in the authoritative log (lostWrites)' });
  });

  it('a figure the configuration does not promise breaks nothing', () => {
    expect(judgePromises(['noLostWrites', 'converges'], { ...clean, staleReads: 40, linearizable: false }, null, 1).broken).toEqual([]);
  });

  it('linearizable: null is neither kept nor broken: undecided, with the checker’s note', () => {
    const judged = judgePromises(ALL, { ...clean, linearizable: null, linearizableNote: 'step budget exhausted' }, null, 1);
    expect(judged.broken).toEqual([]);
    expect(judged.undecided).toEqual([{ key: 'linearizable', reason: 'step budget exhausted' }]);
  });

  it('no convergence after settle breaks the convergence promise; a run cut before settle leaves it undecided', () => {
    expect(judgePromises(ALL, clean, 'no leader', 1).broken).toEqual([
      { invariant: `Promise: ${PROMISE_NAMES.converges}`, atMs: 1, detail: 'not converged after settle: no leader' },
    ]);
    expect(judgePromises(ALL, clean, undefined, 1).undecided.map((u) => u.key)).toEqual(['converges']);
  });
});
