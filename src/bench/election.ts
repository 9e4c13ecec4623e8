import { Hash64 } from '../core/hash.ts';
import { rngStream } from '../core/random.ts';
import { US_PER_MS, US_PER_S, type Us } from '../core/time.ts';
import { DEFAULT_MAX_CLOCK_DRIFT, DEFAULT_MAX_ENTRIES_PER_MESSAGE, RaftProtocol, type RaftObserver } from '../protocols/raft/index.ts';
import { Simulator } from '../sim/simulator.ts';
import { Trace } from '../sim/trace.ts';
import { OLD_LEADER, TrialProtocol, type TrialCast } from './election-nodes.ts';
import { summarize, type Summary } from './stats.ts';

/**
 * Figure 16 of the extended Raft paper (§9.3): how long it takes to detect
 * and replace a crashed leader, for eleven ranges of election timeouts.
 *
 * The published set-up, as each trial builds it:
 * - five servers; the old leader (n1) and four survivors;
 * - a broadcast time of about 15 ms: see `PAPER_SETUP` for how that maps
 *   to one-way latency;
 * - heartbeats every half of the minimum election timeout;
 * - the leader sends a synchronized round of heartbeats, then crashes at a
 *   time drawn uniformly within its heartbeat interval;
 * - the servers' logs have different lengths, so that two of the four
 *   survivors cannot win an election (a candidate needs three votes and
 *   only the two longest logs can collect them);
 * - measured: simulated time from the crash until a survivor becomes
 *   leader.
 *
 * Every trial is its own simulation seeded from (seed, timeout range, trial
 * index), so a line's numbers are a pure function of those and do not
 * depend on which other lines run or in what order.
 */

export interface TimeoutRange {
  readonly minUs: Us;
  readonly maxUs: Us;
}

export type CrashTiming = 'uniform' | 'after-broadcast' | 'before-heartbeat';
export type LogShape = 'distinct' | 'equal';

export interface ElectionSetup {
  /** One-way message latency, uniform in [min, max]. */
  readonly latencyUsMin: Us;
  readonly latencyUsMax: Us;
  /** A disk write that holds back every message sent after persisted state changed (0: none; folded into latency). */
  readonly diskWriteUs: Us;
  /** When the leader dies after its synchronized broadcast. */
  readonly crash: CrashTiming;
  /** true: a candidate stepping down re-arms its election timer (this implementation); false: it keeps it (LogCabin). */
  readonly candidateStepDownResetsTimer: boolean;
  /** Survivors' timers fire up to this much late, uniformly (0: simulated timers are exact). */
  readonly timerJitterUs: Us;
  /** distinct: survivors' logs of 4, 3, 2, 1 entries (two cannot win); equal: all 4 (any can win). */
  readonly logs: LogShape;
  /** Heartbeat rounds before the synchronized one, so that every timer runs from a heartbeat rather than from boot. */
  readonly warmupBeats: number;
  /** A trial that has not elected a leader this long after the crash stops and is reported as censored. */
  readonly trialLimitUs: Us;
}

/**
 * The paper's set-up as we model it. Broadcast time — "the average time it
 * takes a server to send RPCs in parallel to every server in the cluster and
 * receive their responses" — was about 15 ms, a network round trip plus a
 * disk write. The simulator has no disk, so the disk write is folded into
 * the latency: one-way latency uniform in 5..10 ms gives a round trip of
 * 10..20 ms, 15 ms on average. `diskWriteUs` moves part of it into an explicit
 * write before persisted replies, to measure whether the split matters.
 */
export const PAPER_SETUP: ElectionSetup = {
  latencyUsMin: 5 * US_PER_MS,
  latencyUsMax: 10 * US_PER_MS,
  diskWriteUs: 0,
  crash: 'uniform',
  candidateStepDownResetsTimer: true,
  timerJitterUs: 0,
  logs: 'distinct',
  warmupBeats: 2,
  trialLimitUs: 100 * US_PER_S,
};

const NAMES = ['n1', 'n2', 'n3', 'n4', 'n5'];
const LOG_LENGTHS: Readonly<Record<LogShape, readonly number[]>> = {
  // The old leader and the two longest survivors hold index 3 and more: what was committed survives.
  distinct: [4, 4, 3, 2, 1],
  equal: [4, 4, 4, 4, 4],
};
/** The term of the old leader's reign. */
const TERM = 1;

const ms = (value: number): TimeoutRange => ({ minUs: value * US_PER_MS, maxUs: value * US_PER_MS });
const range = (a: number, b: number): TimeoutRange => ({ minUs: ms(a).minUs, maxUs: ms(b).maxUs });

/** The top graph: randomness added to a 150 ms minimum. Its time axis is logarithmic. */
export const TOP_LINES: readonly TimeoutRange[] = [range(150, 150), range(150, 151), range(150, 155), range(150, 175), range(150, 200), range(150, 300)];
/** The bottom graph: the whole range scaled down. */
export const BOTTOM_LINES: readonly TimeoutRange[] = [range(12, 24), range(25, 50), range(50, 100), range(100, 200), range(150, 300)];

/** `150ms..155ms`. */
export function timeoutLabel(r: TimeoutRange): string {
  return `${r.minUs / US_PER_MS}ms..${r.maxUs / US_PER_MS}ms`;
}

export function sameRange(a: TimeoutRange, b: TimeoutRange): boolean {
  return a.minUs === b.minUs && a.maxUs === b.maxUs;
}

/** Which graph a line belongs to, as in the paper: a 150 ms minimum is the top graph's theme; 150..300 is in both. */
export function graphsOf(r: TimeoutRange): ('top' | 'bottom')[] {
  const graphs: ('top' | 'bottom')[] = [];
  if (r.minUs === 150 * US_PER_MS) graphs.push('top');
  if (r.minUs !== 150 * US_PER_MS || r.maxUs === 300 * US_PER_MS) graphs.push('bottom');
  return graphs;
}

export interface TrialResult {
  /** Crash to new leader, or to the trial limit when censored. */
  readonly downtimeUs: Us;
  /** Terms it took: 1 when the first election after the crash succeeded. */
  readonly terms: number;
  /** No leader within the trial limit. */
  readonly censored: boolean;
  /** A survivor became a candidate before the leader died (timeouts too close to the heartbeat period). */
  readonly premature: boolean;
}

/** The seed of one trial's simulation: a pure function of the run's seed, the line and the trial index. */
export function trialSeed(seed: number, r: TimeoutRange, trial: number): number {
  const h = new Hash64();
  h.addString(`figure16:${seed}:${r.minUs}:${r.maxUs}:${trial}`);
  return parseInt(h.hex().slice(0, 13), 16);
}

export function electionTrial(seed: number, r: TimeoutRange, trial: number, setup: ElectionSetup = PAPER_SETUP): TrialResult {
  const simSeed = trialSeed(seed, r, trial);
  const heartbeatUs = Math.floor(r.minUs / 2);
  const offsetUs =
    setup.crash === 'uniform' ? rngStream(simSeed, 'bench/crash').int(0, heartbeatUs - 1) : setup.crash === 'after-broadcast' ? 0 : heartbeatUs - 1;

  let crashAtUs = -1;
  let electedAtUs = -1;
  let electedTerm = TERM;
  let premature = false;
  /** A survivor in office, -1 when none (only possible before the crash when timeouts are too short). */
  let sitting = -1;
  const observer: RaftObserver = {
    roleChanged(node, role) {
      if (crashAtUs < 0 && node !== OLD_LEADER && role !== 'follower') premature = true;
      if (node === sitting && role !== 'leader') sitting = -1;
    },
    becameLeader(node, term) {
      sitting = node;
      if (crashAtUs >= 0 && electedAtUs < 0 && sim.nowUs - crashAtUs <= setup.trialLimitUs) {
        electedAtUs = sim.nowUs;
        electedTerm = term;
      }
    },
    appended() {},
    truncated() {},
    committed() {},
    applied() {},
  };
  const raft = new RaftProtocol(
    {
      electionTimeoutUsMin: r.minUs,
      electionTimeoutUsMax: r.maxUs,
      heartbeatUs,
      preVote: false,
      checkQuorum: false,
      reads: 'log',
      bugs: new Set(),
      snapshotEvery: 0,
      members: NAMES.map((_, i) => i),
      maxEntriesPerMessage: DEFAULT_MAX_ENTRIES_PER_MESSAGE,
      maxClockDrift: DEFAULT_MAX_CLOCK_DRIFT,
    },
    observer,
  );
  const cast: TrialCast = {
    logLengths: LOG_LENGTHS[setup.logs],
    term: TERM,
    heartbeatUs,
    warmupBeats: setup.warmupBeats,
    diskWriteUs: setup.diskWriteUs,
    candidateStepDownResetsTimer: setup.candidateStepDownResetsTimer,
    timerJitterUs: setup.timerJitterUs,
    jitterStream: (node) => {
      const rng = rngStream(simSeed, `bench/jitter/${NAMES[node]}`);
      return () => rng.next();
    },
    onSyncBroadcast: () =>
      sim.at(sim.nowUs + offsetUs, () => {
        sim.crash(OLD_LEADER);
        crashAtUs = sim.nowUs;
        if (sitting >= 0) {
          // A survivor already took office while the old leader lived: no downtime.
          electedAtUs = crashAtUs;
          electedTerm = (sim.nodes[sitting]!.view()).term;
        }
      }),
  };
  const protocol = new TrialProtocol(raft, cast);
  const sim: Simulator = new Simulator({
    nodeNames: NAMES,
    seed: simSeed,
    network: { latencyUsMin: setup.latencyUsMin, latencyUsMax: setup.latencyUsMax, drop: 0, duplicate: 0 },
    protocol,
    trace: new Trace(NAMES, (k) => protocol.messageName(k)),
  });
  sim.start();
  const limitUs = (setup.warmupBeats + 1) * heartbeatUs + setup.trialLimitUs;
  sim.run(limitUs, () => electedAtUs >= 0 || (crashAtUs >= 0 && sim.nowUs - crashAtUs > setup.trialLimitUs));
  const censored = electedAtUs < 0;
  return {
    // A censored trial took at least the limit.
    downtimeUs: censored ? setup.trialLimitUs : electedAtUs - crashAtUs,
    terms: censored ? (sim.nodes.reduce((t, n) => Math.max(t, n?.view().term ?? 0), TERM) - TERM) : electedTerm - TERM,
    censored,
    premature,
  };
}

export interface LineResult {
  readonly range: TimeoutRange;
  readonly label: string;
  readonly trials: number;
  /** Downtime of every trial, ascending. */
  readonly downtimesUs: Float64Array;
  readonly summary: Summary;
  readonly censored: number;
  readonly premature: number;
  /** Mean number of terms per trial (1 = no split vote). */
  readonly meanTerms: number;
}

export function electionLine(seed: number, r: TimeoutRange, trials: number, setup: ElectionSetup = PAPER_SETUP): LineResult {
  const downtimes = new Float64Array(trials);
  let censored = 0;
  let premature = 0;
  let terms = 0;
  for (let i = 0; i < trials; i++) {
    const t = electionTrial(seed, r, i, setup);
    downtimes[i] = t.downtimeUs;
    if (t.censored) censored++;
    if (t.premature) premature++;
    terms += t.terms;
  }
  downtimes.sort();
  return {
    range: r,
    label: timeoutLabel(r),
    trials,
    downtimesUs: downtimes,
    summary: summarize(downtimes),
    censored,
    premature,
    meanTerms: trials === 0 ? 0 : terms / trials,
  };
}

/** Lines without randomness run at most this many trials, as in the paper: every trial runs to the limit, so more add time and nothing else. */
export const NO_RANDOMNESS_TRIALS_MAX = 100;

export function trialsFor(r: TimeoutRange, trials: number): number {
  return r.minUs === r.maxUs ? Math.min(trials, NO_RANDOMNESS_TRIALS_MAX) : trials;
}

export interface Figure16 {
  readonly seed: number;
  readonly setup: ElectionSetup;
  /** One result per distinct timeout range, in the order first asked for. */
  readonly results: readonly LineResult[];
  /** The graphs' lines in order: a range drawn in both graphs (150..300) appears in both, with the same result. */
  readonly lines: readonly { readonly graph: 'top' | 'bottom'; readonly result: LineResult }[];
}

/** Runs every distinct range once and lays the results out as the paper's two graphs. */
export function figure16(
  seed: number,
  ranges: readonly TimeoutRange[],
  trials: number,
  setup: ElectionSetup = PAPER_SETUP,
  progress: (done: number, total: number, label: string) => void = () => {},
): Figure16 {
  const distinct: TimeoutRange[] = [];
  for (const r of ranges) if (!distinct.some((d) => sameRange(d, r))) distinct.push(r);
  const results = distinct.map((r, i) => {
    progress(i, distinct.length, timeoutLabel(r));
    return electionLine(seed, r, trialsFor(r, trials), setup);
  });
  progress(distinct.length, distinct.length, '');
  const resultOf = (r: TimeoutRange) => results[distinct.findIndex((d) => sameRange(d, r))]!;
  const lines: { graph: 'top' | 'bottom'; result: LineResult }[] = [];
  for (const graph of ['top', 'bottom'] as const) {
    const members = distinct.filter((r) => graphsOf(r).includes(graph));
    members.sort((a, b) => a.minUs - b.minUs || a.maxUs - b.maxUs);
    for (const r of members) lines.push({ graph, result: resultOf(r) });
  }
  return { seed, setup, results, lines };
}
