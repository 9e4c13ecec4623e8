import type { Us } from '../core/time.ts';
import type { NetworkParams } from '../sim/network.ts';
import type { WorkloadSpec } from '../workload/spec.ts';
import type { RegisteredSpec } from '../run/registry.ts';

// The simulator's and the workload's parameters are theirs; a scenario carries them.
export type { NetworkParams, WorkloadSpec };

/**
 * A validated scenario (docs/scenario-format.md), in the simulator's units: every time is
 * an integer number of microseconds. Produced by `loadScenario` in
 * `./load.ts`; everything downstream trusts it.
 */
export interface Scenario {
  /** The path the scenario was read from, for messages. */
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly durationUs: Us;
  readonly settleUs: Us;
  /**
   * Nodes settle does not repair: left crashed or paused if they are; one still up hears no one
   * (every link into it cut) while every node hears it. Convergence is judged among the others. A minority.
   */
  readonly stragglers: readonly string[];
  /** Node names in file order (`nodes: 5` gives n1..n5). */
  readonly nodes: readonly string[];
  readonly network: NetworkParams;
  readonly models: readonly ModelSpec[];
  readonly workload: WorkloadSpec;
  /** In file order; the simulator applies equal-time faults in this order. */
  readonly faults: readonly FaultSpec[];
  /** The narration, in time order (equal times in file order); each within duration + settle. */
  readonly notes: readonly ScenarioNote[];
  readonly expect: readonly Expectation[];
}

/** What a note states, checked against the run: the leader in office at its time, and figures at the end. */
export interface NoteFact {
  readonly model: string;
  readonly leader?: string;
  readonly term?: number;
  /** With leader: it was the first node to stand (become a candidate) in its term — its timer fired first. */
  readonly stoodFirst?: boolean;
  /** With leader: the nodes that granted it their votes in its term (itself not counted). */
  readonly votes?: readonly string[];
  /** With leader: when it took office, and the tolerance the written precision gives (half its last digit). */
  readonly since?: { readonly atUs: number; readonly toleranceUs: number; readonly written: string };
  /** Summary figures, compared as expect lines are (the `model` field is the fact's model). */
  readonly figures: readonly Expectation[];
}

/** A question asked at a note's time; the right choice is computed from the run. */
/** The choice of a `nextLeader` question that is right when no node takes office after the note (the one in office stays, or nobody wins). */
export const NOBODY = 'nobody';

export interface NoteQuestion {
  readonly text: string;
  readonly choices: readonly string[];
  readonly model: string;
  readonly answer: { readonly kind: 'nextLeader' } | { readonly kind: 'figure'; readonly field: string };
}

/** A line of narration (`notes:`): shown at `atUs`, once every event at or before it has run. */
export interface ScenarioNote {
  readonly atUs: Us;
  /** One line: the text as written, its whitespace runs (a folded or literal block's line breaks) made single spaces. */
  readonly text: string;
  readonly fact?: NoteFact;
  readonly question?: NoteQuestion;
  /** Where the note's list item starts, for messages. */
  readonly line: number;
  readonly col: number;
}

/** A model of any kind registered in run/registry.ts (each kind's spec is derived from its descriptor there). */
export type ModelSpec = RegisteredSpec;

export interface RaftModelSpec {
  readonly kind: 'raft';
  /** Unique among the scenario's models; defaults to the kind. */
  readonly name: string;
  /** Default 150ms..300ms. */
  readonly electionTimeoutUsMin: Us;
  readonly electionTimeoutUsMax: Us;
  /** Default 50ms. */
  readonly heartbeatUs: Us;
  /** Dissertation §9.6. Default false. */
  readonly preVote?: boolean;
  /** A leader steps down without a majority. Default false. */
  readonly checkQuorum?: boolean;
  /** How reads are served. Default `log`. */
  readonly reads?: 'log' | 'readIndex' | 'lease' | 'local';
  /** Deliberate deviations from the rules (see docs). Default none. */
  readonly bugs?: readonly ('commit-old-term' | 'forget-vote' | 'no-up-to-date-check' | 'reset-timer-on-any-rpc' | 'read-without-quorum')[];
  /** Compact the log every N applied entries; 0 = never. Default 0. */
  readonly snapshotEvery?: number;
  /** At most this many entries per AppendEntries. Default 64. */
  readonly maxEntriesPerMessage?: number;
  /** The initial voting members by name; default every node. Others join with `add`. */
  readonly members?: readonly string[];
  /** Per node name: 0.05 makes that node's clock and timers run 5% fast; -0.05 slow. Default none. */
  readonly clockDrift?: Readonly<Record<string, number>>;
  /** The largest clock drift lease reads are safe under: the lease is min election timeout × (1 - d)/(1 + d). Default 0.05. */
  readonly maxClockDrift?: number;
}

export interface PrimaryReplicaModelSpec {
  readonly kind: 'primary-replica';
  readonly name: string;
  readonly replication: 'async' | 'sync' | 'semi-sync';
  /** Default 1. */
  readonly syncStandbys: number;
  readonly syncMode: 'first' | 'any';
  /** Default 1s. */
  readonly semiSyncTimeoutUs: Us;
  readonly waitPoint: 'after-sync' | 'after-commit';
  readonly failover: 'none' | 'auto';
  /** Default 1s: the leader lock's TTL. */
  readonly failoverTimeoutUs: Us;
  /** null = unlimited. */
  readonly maxLagOnFailover: number | null;
  readonly fencing: 'none' | 'lease';
  readonly reads: 'primary' | 'any';
  /** Cascading replication: per replica name, the replica that feeds it. Default none. */
  readonly cascade?: Readonly<Record<string, string>>;
}

/**
 * A fault target as written: a node name, `leader` (the model's current
 * leader or primary when the fault fires), `random` (drawn from the faults
 * stream), or `all` (restart only).
 */
export type Target = string;

/** A partition group member: a node name, `leader`, `follower` or `rest`. */
export type GroupMember = string;

export type FaultAction =
  | { readonly action: 'partition'; readonly groups: readonly (readonly GroupMember[])[] }
  | { readonly action: 'isolate'; readonly target: Target }
  | { readonly action: 'cut'; readonly from: Target; readonly to: Target; readonly both: boolean }
  | { readonly action: 'heal' }
  | { readonly action: 'crash'; readonly target: Target }
  | { readonly action: 'restart'; readonly target: Target }
  | { readonly action: 'network'; readonly latencyUsMin?: Us; readonly latencyUsMax?: Us; readonly drop?: number; readonly duplicate?: number }
  | { readonly action: 'pause'; readonly target: Target }
  | { readonly action: 'resume'; readonly target: Target }
  | { readonly action: 'transfer'; readonly to: Target }
  | { readonly action: 'add'; readonly node: string }
  | { readonly action: 'remove'; readonly node: string };

export type FaultSpec = FaultAction & {
  readonly atUs: Us;
  /** Where the fault's list item starts, for messages. */
  readonly line: number;
  readonly col: number;
};

export type Comparison = '==' | '!=' | '>' | '>=' | '<' | '<=';

export interface Expectation {
  readonly model: string;
  /** A summary field name (docs/figures.md), e.g. `lostWrites`, `linearizable`, `violations`. */
  readonly field: string;
  readonly op: Comparison;
  /** Booleans compare with == / != only. */
  readonly value: number | boolean | null;
  /** As written in the file, for the report: `0`, `>0`, `true`. */
  readonly want: string;
  readonly line: number;
  readonly col: number;
}
