/**
 * The options of each model kind, one entry each: the schema of the value
 * (with its default) and its conversion to fields of the model's spec in
 * types.ts. A new option (preVote, checkQuorum, snapshotEvery, ...) is one
 * more entry here and one more field of the spec; the `satisfies` checks in
 * load.ts fail to compile until both agree.
 */
import { z } from 'zod';
import { NODES_MAX, oneOf, problem, time, timeRange, toUs, toUsRange, wholeNumber } from './fields.ts';

export interface OptionDef<S extends z.ZodType, Out extends object> {
  readonly schema: S;
  readonly convert: (value: z.output<S>) => Out;
}

function option<S extends z.ZodType, Out extends object>(schema: S, convert: (value: z.output<S>) => Out): OptionDef<S, Out> {
  return { schema, convert };
}

// `any`: the entries of a table have different value types; each is checked by its own schema.
type AnyOptionTable = Readonly<Record<string, OptionDef<any, object>>>;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The spec fields a table of options produces. */
export type OptionsOutput<T extends AnyOptionTable> = UnionToIntersection<{ [K in keyof T]: ReturnType<T[K]['convert']> }[keyof T]>;

/** The zod shape of a table of options, for a mapping schema. */
export function optionShape<T extends AnyOptionTable>(table: T): { readonly [K in keyof T]: T[K]['schema'] } {
  return Object.fromEntries(Object.entries(table).map(([key, def]) => [key, def.schema])) as { readonly [K in keyof T]: T[K]['schema'] };
}

/** Converts every option of a validated model mapping. */
export function convertOptions<T extends AnyOptionTable>(table: T, values: { readonly [K in keyof T]: z.output<T[K]['schema']> }): OptionsOutput<T> {
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
} as const satisfies AnyOptionTable;

const maxLagErr = problem('a lag limit', 'a whole number of entries >= 0, or unlimited');

/** The knobs of replication-model.md, defaults first. */
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
} as const satisfies AnyOptionTable;
