import { DEFAULT_MAX_ENTRIES_PER_MESSAGE, PrimaryReplicaProtocol } from '../../src/protocols/primary-replica/index.ts';
import type { PrimaryReplicaConfig } from '../../src/protocols/primary-replica/types.ts';
import { FakeContext } from './fake-context.ts';

const MS = 1000;

/** A primary/replica node's configuration: the scenario defaults (async, failover auto, no fencing, primary reads), with `overrides`. */
export function primaryReplicaConfig(overrides: Partial<PrimaryReplicaConfig> = {}): PrimaryReplicaConfig {
  return {
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
    maxEntriesPerMessage: DEFAULT_MAX_ENTRIES_PER_MESSAGE,
    shipIntervalUs: 50 * MS,
    shipRetryUs: 400 * MS,
    ...overrides,
  };
}

/** Node `self` of `n`, booted on a FakeContext with a fresh disk, for driving by hand. */
export function bootPrimaryReplica(self: number, n: number, config: PrimaryReplicaConfig) {
  const protocol = new PrimaryReplicaProtocol(config, n, null);
  const stable = protocol.createStable();
  const ctx = new FakeContext(self, n);
  const node = protocol.createNode(ctx, stable);
  node.start();
  return { node, ctx, stable, protocol };
}
