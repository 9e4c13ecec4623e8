/**
 * The options of each model kind, one entry each: the schema of the value
 * (with its default) and its conversion to fields of the model's spec in
 * types.ts. A new option (preVote, checkQuorum, snapshotEvery, ...) is one
 * more entry here and one more field of the spec; the `satisfies` checks in
 * load.ts fail to compile until both agree.
 */
import { z } from 'zod';
import { list, name, NODES_MAX, oneOf, problem, time, timeRange, toUs, toUsRange, wholeNumber } from './fields.ts';

export interface OptionDef<S extends z.ZodType, Out extends object> {
  readonly schema: S;
  readonly convert: (value: z.output<S>) => Out;
}

export function option<S extends z.ZodType, Out extends object>(schema: S, convert: (value: z.output<S>) => Out): OptionDef<S, Out> {
  return { schema, convert };
}

// `any`: the entries of a table have different value types; each is checked by its own schema.
export type AnyOptionTable = Readonly<Record<string, OptionDef<any, object>>>;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The spec fields a table of options produces. */
export type OptionsOutput<T extends AnyOptionTable> = UnionToIntersection<{ [K in keyof T]: ReturnType<T[K]['convert']> }[keyof T]>;

/** The zod shape of a table of options, for a mapping schema. */
export function optionShape<T extends AnyOptionTable>(table: T): { readonly [K in keyof T]: T[K]['schema'] } {
  return Object.fromEntries(Object.entries(table).map(([key, def]) => [key, def.schema])) as { readonly [K in keyof T]: T[K]['schema'] };
}

/** Converts every option of a validated model mapping. */
export function convertOptions<T extends AnyOptionTable>(table: T, values: { readonly [K in keyof T]?: z.output<T[K]['schema']> }): OptionsOutput<T> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(table)) Object.assign(out, def.convert(values[key]));
  return out as OptionsOutput<T>;
}

export const RAFT_OPTIONS = {
  electionTimeout: option(
    timeRange('Each election timer is drawn uniformly from this range.', { positive: true }).default('150ms..300ms'),
    (value) => {
      const range = toUsRange(value);
      return { electionTimeoutUsMin: range.minUs, electionTimeoutUsMax: range.maxUs };
    },
  ),
  heartbeat: option(time('How often a leader sends heartbeats.', { positive: true }).default('50ms'), (value) => ({
    heartbeatUs: toUs(value),
  })),
  preVote: option(
    z.boolean({ error: problem('valid for preVote', 'true or false') }).default(false).meta({
      description: 'Dissertation §9.6: a node asks whether it would win before raising its term, so a rejoining node does not depose a healthy leader.',
    }),
    (preVote) => ({ preVote }),
  ),
  checkQuorum: option(
    z.boolean({ error: problem('valid for checkQuorum', 'true or false') }).default(false).meta({
      description: 'A leader steps down after an election timeout without hearing from a majority of the members.',
    }),
    (checkQuorum) => ({ checkQuorum }),
  ),
  reads: option(
    oneOf(
      'a read mode',
      ['log', 'readIndex', 'lease', 'local'],
      'log: reads go through the log; readIndex: the leader confirms leadership with a heartbeat round; lease: the leader serves reads within a lease (safe only while clocks keep to maxClockDrift); local: any node serves from its own state (stale).',
    ).default('log'),
    (reads) => ({ reads }),
  ),
  bugs: option(
    list(
      oneOf(
        'a bug switch',
        ['commit-old-term', 'forget-vote', 'no-up-to-date-check', 'reset-timer-on-any-rpc', 'read-without-quorum'],
        'A deliberate deviation from one rule of Raft, to watch what breaks.',
      ),
      'a list of bug switches',
      'a list such as [commit-old-term]',
    )
      .default([])
      .meta({ description: 'Deliberate deviations from the rules: commit-old-term, forget-vote, no-up-to-date-check, reset-timer-on-any-rpc, read-without-quorum.' }),
    (bugs) => ({ bugs }),
  ),
  snapshotEvery: option(
    wholeNumber('a snapshot interval', 0, 1_000_000, 'Compact the log every N applied entries (0: never); a follower far behind catches up by InstallSnapshot.').default(0),
    (snapshotEvery) => ({ snapshotEvery }),
  ),
  maxEntriesPerMessage: option(
    wholeNumber('an entry count', 1, 100_000, "At most this many entries in one AppendEntries (etcd's MaxSizePerMsg); a follower far behind catches up in batches, one per round trip.").default(64),
    (maxEntriesPerMessage) => ({ maxEntriesPerMessage }),
  ),
  members: option(
    list(name('a node name', 'A node name.'), 'a list of node names', 'a list of node names such as [n1, n2, n3]', {
      min: 1,
      description: 'The initial voting members; the other nodes start outside the cluster until a fault adds them. Default: every node.',
    }).optional(),
    (members): { members?: string[] } => (members === undefined ? {} : { members }),
  ),
  clockDrift: option(
    z
      .record(
        z.string(),
        z
          .number({ error: problem('a clock drift', 'a number from -0.9 to 10 (0.05: 5% fast)') })
          .min(-0.9, { error: problem('a clock drift', 'a number from -0.9 to 10 (0.05: 5% fast)') })
          .max(10, { error: problem('a clock drift', 'a number from -0.9 to 10 (0.05: 5% fast)') }),
        { error: problem('a clock drift map', 'a mapping of node name to drift, e.g. {n1: 0.05}') },
      )
      .optional()
      .meta({ description: 'Per node: 0.05 makes its clock and timers run 5% fast, -0.05 slow. E.g. {n1: 0.05}.' }),
    (clockDrift): { clockDrift?: Record<string, number> } => (clockDrift === undefined ? {} : { clockDrift }),
  ),
  maxClockDrift: option(
    z
      .number({ error: problem('a maximum clock drift', 'a number from 0 to 0.5 (0.05: every clock within 5% of real time)') })
      .min(0, { error: problem('a maximum clock drift', 'a number from 0 to 0.5 (0.05: every clock within 5% of real time)') })
      .max(0.5, { error: problem('a maximum clock drift', 'a number from 0 to 0.5 (0.05: every clock within 5% of real time)') })
      .default(0.05)
      .meta({
        description:
          'reads: lease is safe while every clock runs within this fraction of real time; the lease lasts the minimum election timeout × (1 - d)/(1 + d). A clockDrift beyond it is reported as outside the safe zone.',
      }),
    (maxClockDrift) => ({ maxClockDrift }),
  ),
} as const satisfies AnyOptionTable;

const maxLagErr = problem('a lag limit', 'a whole number of entries >= 0, or unlimited');

/** The primary/replica model's knobs (docs/cap.md), defaults first. */
export const PRIMARY_REPLICA_OPTIONS = {
  replication: option(
    oneOf('a replication mode', ['async', 'sync', 'semi-sync'], 'async: ack after the local write; sync: after syncStandbys replicas confirmed; semi-sync: sync that falls back to async after semiSyncTimeout.').default('async'),
    (replication) => ({ replication }),
  ),
  syncStandbys: option(
    wholeNumber('a standby count', 1, NODES_MAX - 1, 'How many replicas must confirm a write (sync, semi-sync): 1 to N-1.').default(1),
    (syncStandbys) => ({ syncStandbys }),
  ),
  syncMode: option(
    oneOf('a sync mode', ['first', 'any'], 'first: the first syncStandbys replicas in name order are the sync set; any: any syncStandbys acknowledgements.').default('first'),
    (syncMode) => ({ syncMode }),
  ),
  semiSyncTimeout: option(time('semi-sync: how long a commit waits for replicas before falling back to async.').default('1s'), (value) => ({
    semiSyncTimeoutUs: toUs(value),
  })),
  waitPoint: option(
    oneOf('a wait point', ['after-sync', 'after-commit'], 'after-sync: a write is invisible to others until acknowledged; after-commit: visible on the primary before replicas confirm.').default('after-sync'),
    (waitPoint) => ({ waitPoint }),
  ),
  failover: option(
    oneOf('a failover mode', ['none', 'auto'], 'none: a dead primary stays dead until it restarts; auto: a Patroni-like failover manager promotes a replica.').default('none'),
    (failover) => ({ failover }),
  ),
  failoverTimeout: option(time("The leader lock's TTL: how long without renewal before a replica may take over.", { positive: true }).default('1s'), (value) => ({
    failoverTimeoutUs: toUs(value),
  })),
  maxLagOnFailover: option(
    z
      .union([z.number({ error: maxLagErr }).int({ error: maxLagErr }).min(0, { error: maxLagErr }), z.null({ error: maxLagErr }), z.literal('unlimited', { error: maxLagErr })], {
        error: maxLagErr,
      })
      .default(null)
      .meta({ description: 'A replica further behind than this many entries may not be promoted; unlimited (or null) by default.' }),
    (value) => ({ maxLagOnFailover: value === 'unlimited' ? null : value }),
  ),
  fencing: option(
    oneOf('a fencing mode', ['none', 'lease'], 'none: a cut-off old primary keeps accepting writes (split brain); lease: it demotes itself when its lock lapses.').default('none'),
    (fencing) => ({ fencing }),
  ),
  reads: option(
    oneOf('a read mode', ['primary', 'any'], 'primary: reads go to the primary; any: a node serves reads from its own copy (may be stale).').default('primary'),
    (reads) => ({ reads }),
  ),
  cascade: option(
    z
      .record(z.string(), name('an upstream node', 'The replica that feeds this one.'), {
        error: problem('a cascade map', 'a mapping of replica to the replica that feeds it, e.g. {n3: n2}'),
      })
      .optional()
      .meta({
        description:
          "Cascading replication (replication: async): per replica, the replica that feeds it its WAL instead of the primary, e.g. {n3: n2, n4: n3} for a chain. Lag adds up along the chain; the primary feeds a replica itself while its upstream does not answer, and a replica whose upstream takes office is fed by it as primary.",
      }),
    (cascade): { cascade?: Record<string, string> } => (cascade === undefined ? {} : { cascade }),
  ),
} as const satisfies AnyOptionTable;
