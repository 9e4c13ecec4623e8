/**
 * What the fuzzer draws for each model kind: which kinds of fault the kind
 * has (leadership transfer and membership changes are Raft's), and which of
 * its options a world may draw when the user has not pinned them. A new
 * model kind adds one entry here; a kind without one is fuzzed with the
 * faults every kind has and its options as pinned.
 */
import type { Rng } from '../core/random.ts';
import type { OptionValue } from './world.ts';

/** A world's safety phase unless --duration says otherwise (ms). */
export const DEFAULT_DURATION_MS = 5000;

/** A kind of fault a world can switch on (swarm testing). `loss`, `duplication` and `clock-drift` shape the world's network and clocks; the others are scheduled faults. */
export type FaultKind =
  | 'partition'
  | 'isolate'
  | 'one-way-cut'
  | 'crash'
  | 'pause'
  | 'network-change'
  | 'loss'
  | 'duplication'
  | 'clock-drift'
  | 'transfer'
  | 'membership'
  | 'crash-blips'
  | 'leader-churn'
  | 'election-strike'
  | 'handoff'
  | 'stragglers';

export interface DrawContext {
  readonly nodes: number;
  readonly pinned: Readonly<Record<string, OptionValue>>;
  /** The world switched clock drift on. */
  readonly drift: boolean;
  /** The world switched the hand-off nemesis on (successive leaders cut off as they take office). */
  readonly handoff: boolean;
  /** The safety phase's length (ms). */
  readonly durationMs: number;
}

export interface FuzzProfile {
  readonly faultKinds: readonly FaultKind[];
  /** The model options of one world: the pinned ones, and the rest drawn (or left to their defaults). */
  drawOptions(r: Rng, context: DrawContext): Record<string, OptionValue>;
}

const COMMON: readonly FaultKind[] = ['partition', 'isolate', 'one-way-cut', 'crash', 'pause', 'network-change', 'loss', 'duplication', 'crash-blips', 'leader-churn', 'election-strike', 'handoff'];

/** Every draw is made whether or not its option is pinned, so that pinning one option does not shift the others' draws. */
function drawn<T extends OptionValue>(pinned: Readonly<Record<string, OptionValue>>, key: string, value: T): OptionValue {
  return key in pinned ? pinned[key]! : value;
}

const RAFT: FuzzProfile = {
  faultKinds: [...COMMON, 'clock-drift', 'transfer', 'membership', 'stragglers'],
  drawOptions(r, { nodes, pinned, drift, handoff, durationMs }) {
    const out: Record<string, OptionValue> = {};
    const preVote = r.chance(0.5);
    const checkQuorum = r.chance(0.5);
    const reads = r.pick(['log', 'readIndex', 'lease'] as const);
    const snapshot = r.chance(0.25) ? r.int(5, 50) : 0;
    // Small batches make a lagging follower catch up over many round trips, entries of old terms first: the window Figure 8's rule is about.
    // (Under 16 a follower hundreds of entries behind misses the 3 s liveness bound; a hand-off world's
    // leaders hold only a few entries the others lack, so there it is 2 to 8 in the default 5 s.) What a
    // follower cut off for part of the safety phase lacks grows with the phase, and the liveness bound does
    // not: the batch grows with it, so that catching up takes as many round trips as in 5 s (with 2 entries
    // a message, a follower cut off for 8 of 30 s, 1,200 entries behind, catches up more slowly than the
    // clients write: slow, not wrong).
    const small = r.pick([2, 4, 8]) * Math.max(1, Math.ceil(durationMs / DEFAULT_DURATION_MS));
    const batch = handoff ? small : r.chance(0.35) ? r.pick([16, 32]) : 0;
    if (preVote) out['preVote'] = true;
    if (checkQuorum) out['checkQuorum'] = true;
    out['reads'] = reads;
    if (snapshot > 0) out['snapshotEvery'] = snapshot;
    if (batch > 0) out['maxEntriesPerMessage'] = batch;
    for (const [key, value] of Object.entries(pinned)) out[key] = value;
    // Clock drift within the configuration's stated bound (maxClockDrift, default 5%): drift beyond it is not a fault the configuration claims to survive.
    const bound = typeof pinned['maxClockDrift'] === 'number' ? pinned['maxClockDrift'] : 0.05;
    const drifts: Record<string, number> = {};
    for (let i = 0; i < nodes; i++) {
      const d = Math.trunc((r.next() * 2 - 1) * bound * 1000) / 1000;
      if (drift && d !== 0) drifts[`n${i + 1}`] = d;
    }
    if (!('clockDrift' in pinned) && Object.keys(drifts).length > 0) out['clockDrift'] = drifts;
    return out;
  },
};

const PRIMARY_REPLICA: FuzzProfile = {
  faultKinds: COMMON,
  drawOptions(r, { nodes, pinned }) {
    const out: Record<string, OptionValue> = { ...pinned };
    const syncMode = r.pick(['first', 'any'] as const);
    const standbys = r.int(1, Math.min(2, nodes - 1));
    const replication = pinned['replication'] ?? 'async';
    if (replication !== 'async') {
      out['syncMode'] = drawn(pinned, 'syncMode', syncMode);
      out['syncStandbys'] = drawn(pinned, 'syncStandbys', standbys);
    }
    return sortedLike(out, ['replication', 'syncStandbys', 'syncMode', 'semiSyncTimeout', 'waitPoint', 'failover', 'failoverTimeout', 'maxLagOnFailover', 'fencing', 'reads']);
  },
};

/** `options` with the keys in `order` first, in that order (the file reads like the docs' tables). */
function sortedLike(options: Record<string, OptionValue>, order: readonly string[]): Record<string, OptionValue> {
  const out: Record<string, OptionValue> = {};
  for (const key of order) if (key in options) out[key] = options[key]!;
  for (const [key, value] of Object.entries(options)) if (!(key in out)) out[key] = value;
  return out;
}

/**
 * Leaderless: no office, so none of the nemeses that chase a leader (leader
 * churn, election strikes, hand-off) nor Raft's transfer and membership; no
 * stragglers (a straggler replica holding a key's newest version keeps the
 * others from converging, which the model does not promise to avoid). Every
 * option is drawn: N, W and R from the consistency levels, read repair,
 * sloppy quorums with or without hinted handoff, and an anti-entropy period
 * the liveness phase has time for, and conflicts resolved by last-write-wins
 * or (three worlds in ten) by version vectors with siblings. Under
 * last-write-wins clocks agree, and a sloppy quorum keeps hinted handoff:
 * with a clock behind, or a fallback that never hands its writes back,
 * acknowledged writes are lost by design, and the fuzzer holds every
 * configuration to no lost writes. Pin them and `--allow` what they cost to
 * fuzz the rest. With siblings a clock may run ahead or behind and drift:
 * version vectors do not read clocks.
 */
const LEADERLESS: FuzzProfile = {
  faultKinds: ['partition', 'isolate', 'one-way-cut', 'crash', 'pause', 'network-change', 'loss', 'duplication', 'crash-blips'],
  drawOptions(r, { nodes, pinned }) {
    const replicas = Math.min(nodes, r.pick([1, 2, 3, 3, 3, 5]));
    const level = (): OptionValue => (r.chance(0.25) ? r.int(1, replicas) : r.pick(['one', 'quorum', 'all'] as const));
    const writeQuorum = level();
    const readQuorum = level();
    const readRepair = r.pick(['none', 'async', 'blocking'] as const);
    const sloppy = r.chance(0.3);
    const handoff = !r.chance(0.2);
    const antiEntropy = r.pick(['100ms', '250ms', '500ms', '500ms', '0'] as const);
    const out: Record<string, OptionValue> = {
      replicas: drawn(pinned, 'replicas', replicas),
      writeQuorum: drawn(pinned, 'writeQuorum', writeQuorum),
      readQuorum: drawn(pinned, 'readQuorum', readQuorum),
      readRepair: drawn(pinned, 'readRepair', readRepair),
    };
    // A sloppy quorum without hinted handoff strands writes on fallbacks by design (no lost writes is not
    // promised): neither is drawn where the other is, pinned or drawn — only pinning both makes one.
    const sloppyInWorld = 'sloppyQuorum' in pinned ? pinned['sloppyQuorum'] === true : sloppy && pinned['hintedHandoff'] !== false;
    if (sloppyInWorld) out['sloppyQuorum'] = drawn(pinned, 'sloppyQuorum', true);
    if (!handoff && !sloppyInWorld) out['hintedHandoff'] = drawn(pinned, 'hintedHandoff', false);
    out['antiEntropy'] = drawn(pinned, 'antiEntropy', antiEntropy);
    // Drawn last (the draws above stay as they were): version vectors with siblings, and with them clocks
    // that disagree — siblings promise no lost writes whatever the clocks, so the fuzzer holds them to it.
    const siblings = r.chance(0.3);
    const offsetNode = r.int(1, nodes);
    const offsetMs = r.pick([-100, -50, -20, 20, 50] as const);
    const driftNode = r.int(1, nodes);
    const driftRate = r.pick([-0.05, 0.02, 0.05] as const);
    const skew = r.chance(0.6);
    const drifting = r.chance(0.4);
    if (siblings || pinned['conflicts'] !== undefined) out['conflicts'] = drawn(pinned, 'conflicts', 'siblings');
    if (out['conflicts'] === 'siblings') {
      if (skew) out['clockOffset'] = drawn(pinned, 'clockOffset', { [`n${offsetNode}`]: offsetMs });
      if (drifting) out['clockDrift'] = drawn(pinned, 'clockDrift', { [`n${driftNode}`]: driftRate });
    }
    for (const [key, value] of Object.entries(pinned)) out[key] = value;
    // A drawn count above a pinned N would be refused: keep drawn counts within N.
    const n = typeof out['replicas'] === 'number' ? out['replicas'] : 3;
    for (const key of ['writeQuorum', 'readQuorum']) if (!(key in pinned) && typeof out[key] === 'number' && (out[key] as number) > n) out[key] = 'all';
    return sortedLike(out, ['replicas', 'writeQuorum', 'readQuorum', 'readRepair', 'sloppyQuorum', 'hintedHandoff', 'antiEntropy', 'conflicts', 'clockDrift', 'clockOffset']);
  },
};

const OTHER: FuzzProfile = {
  faultKinds: COMMON,
  drawOptions: (_r, { pinned }) => ({ ...pinned }),
};

const PROFILES: Readonly<Record<string, FuzzProfile>> = {
  raft: RAFT,
  'primary-replica': PRIMARY_REPLICA,
  leaderless: LEADERLESS,
};

export function fuzzProfile(kind: string): FuzzProfile {
  return PROFILES[kind] ?? OTHER;
}
