/**
 * A nemesis aimed at elections and failover, for property tests.
 *
 * Random fault times rarely land where Raft's subtle rules matter: about
 * half of the schedules of a plain random fault list never change leader.
 * This nemesis acts on the cluster as it is, the way Jepsen's nemeses do:
 * "crash the leader", "cut the leader into a minority", "pause the leader
 * past its lease", "move leadership", "strike the next leader the instant
 * it takes office", "crash a node the instant it grants a vote". A schedule
 * is plain data (fast-check draws and shrinks it); it is played on a
 * steppable run that watches for the moment each move waits for and
 * injects the faults there, so the run stays a pure function of
 * (schedule, seed) and a failing schedule replays exactly.
 *
 * A run is judged as `raftsim fuzz` judges a seed (src/fuzz/judge.ts): every
 * safety invariant, and every promise of the configuration *without* its
 * bug switches, plus no lost acknowledged writes; a promise the run could
 * not decide (the linearizability search gave up) counts as a failure too.
 */
import fc from 'fast-check';
import { SteppableRun } from '../../src/run/steppable.ts';
import { judgeSeed, type Failure } from '../../src/fuzz/judge.ts';
import { RAFT_BUGS, type RaftBug } from '../../src/protocols/raft/types.ts';
import type { ModelRun } from '../../src/run/types.ts';
import type { FaultAction, RaftModelSpec, Scenario } from '../../src/scenario/types.ts';
import type { RunEvent } from '../../src/run/events.ts';

const MS = 1000;
export const DURATION_MS = 5000;
export const SETTLE_MS = 3000;

/** One move of the nemesis; times are milliseconds into the run. */
export type Move =
  /** Crash whoever leads at `atMs`; restart it `downMs` later. */
  | { readonly kind: 'crash-leader'; readonly atMs: number; readonly downMs: number }
  /** Cut the leader, with `companions` other nodes (still a minority), off from the rest; heal `forMs` later. */
  | { readonly kind: 'minority-leader'; readonly atMs: number; readonly companions: number; readonly forMs: number }
  /** Pause the leader for `forMs` (long enough for the others to elect and its lease to run out), then resume it. */
  | { readonly kind: 'pause-leader'; readonly atMs: number; readonly forMs: number }
  /** Leadership transfer to node `to` (an index). */
  | { readonly kind: 'transfer'; readonly atMs: number; readonly to: number }
  /**
   * Wait from `atMs` for the next leader to take office, then `delayMs` later (0: before anything it sent can
   * arrive) crash it, or isolate it, for `downMs`: successive leaders each holding entries the others lack (Figure 8).
   */
  | { readonly kind: 'strike-election'; readonly atMs: number; readonly how: 'crash' | 'isolate'; readonly delayMs: number; readonly downMs: number }
  /**
   * For `forMs` from `atMs`, while the other moves play: a candidate cut off from one node (which will stand in
   * the same term), and each node that grants it a vote crashed the instant after and back `downUs` later, for the
   * second candidate to ask (see VoterWatch).
   */
  | { readonly kind: 'crash-voter'; readonly atMs: number; readonly forMs: number; readonly downUs: number; readonly cutMs: number }
  /** Restart every crashed node. */
  | { readonly kind: 'restart-all'; readonly atMs: number }
  /**
   * The hand-off: the leader is cut off with its clients for `awayMs` (its new entries cannot commit); the leader
   * elected in its place is cut off and crashed the instant it takes office (its first entries stay on it alone);
   * the first comes back, and whoever is elected next is cut off and crashed `delayMs` into its term (a follower it
   * was catching up half way there) while the second comes back `backMs` later: successive leaders each holding
   * entries the others lack, the situation of the Raft paper's Figure 8.
   */
  | { readonly kind: 'handoff'; readonly atMs: number; readonly awayMs: number; readonly holdMs: number; readonly delayMs: number; readonly backMs: number };

export type MoveKind = Move['kind'];
export const MOVE_KINDS: readonly MoveKind[] = ['crash-leader', 'minority-leader', 'pause-leader', 'transfer', 'strike-election', 'crash-voter', 'restart-all', 'handoff'];

/**
 * Near the end of the faults, the leader of the moment is cut off until the others elect another, which is
 * crashed `crashAfterMs` later (or not); settle leaves the first one deaf (it hears no one, everyone hears it).
 */
export interface Straggler {
  readonly atMs: number;
  readonly crashNext: boolean;
  readonly crashAfterMs: number;
}

export interface Schedule {
  readonly nodes: number;
  readonly seed: number;
  readonly options: Partial<RaftModelSpec>;
  readonly latencyMaxMs: number;
  readonly electionTimeoutMaxMs: number;
  /** Many clients with short timeouts pile entries up on a leader cut off with them (each client waits for its reply). */
  readonly clients: number;
  readonly clientTimeoutMs: number;
  readonly drop: number;
  readonly duplicate: number;
  readonly moves: readonly Move[];
  readonly straggler: Straggler | null;
}

const at = fc.integer({ min: 200, max: DURATION_MS - 300 });
/** For the moves that wait for an election: the first one too. */
const from0 = fc.oneof(fc.constant(0), at);

/** A move of one of `kinds`. */
export function moveArb(nodes: number, kinds: readonly MoveKind[] = MOVE_KINDS): fc.Arbitrary<Move> {
  const minority = Math.floor((nodes - 1) / 2) - 1;
  const all: Record<MoveKind, fc.Arbitrary<Move>> = {
    'crash-leader': fc.record({ kind: fc.constant('crash-leader' as const), atMs: at, downMs: fc.oneof(fc.integer({ min: 5, max: 150 }), fc.integer({ min: 150, max: 1500 })) }),
    'minority-leader': fc.record({ kind: fc.constant('minority-leader' as const), atMs: at, companions: fc.integer({ min: 0, max: Math.max(0, minority) }), forMs: fc.integer({ min: 100, max: 1500 }) }),
    'pause-leader': fc.record({ kind: fc.constant('pause-leader' as const), atMs: at, forMs: fc.integer({ min: 300, max: 1500 }) }),
    'transfer': fc.record({ kind: fc.constant('transfer' as const), atMs: at, to: fc.integer({ min: 0, max: nodes - 1 }) }),
    'strike-election': fc.record({
      kind: fc.constant('strike-election' as const),
      atMs: from0,
      how: fc.constantFrom('crash' as const, 'crash' as const, 'isolate' as const),
      delayMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 150 })),
      downMs: fc.integer({ min: 1, max: 1200 }),
    }),
    // Back before the candidate's RequestVote arrives (the network's latency is at least 1 ms), mostly.
    'crash-voter': fc.record({ kind: fc.constant('crash-voter' as const), atMs: from0, forMs: fc.integer({ min: 100, max: 3000 }), downUs: fc.oneof(fc.integer({ min: 1, max: 900 }), fc.integer({ min: 1, max: 40_000 })), cutMs: fc.integer({ min: 50, max: 1000 }) }),
    'restart-all': fc.record({ kind: fc.constant('restart-all' as const), atMs: at }),
    handoff: fc.record({
      kind: fc.constant('handoff' as const),
      atMs: fc.integer({ min: 300, max: 2000 }),
      awayMs: fc.integer({ min: 30, max: 600 }),
      holdMs: fc.integer({ min: 0, max: 1500 }),
      delayMs: fc.integer({ min: 5, max: 150 }),
      backMs: fc.integer({ min: 1, max: 60 }),
    }),
  };
  return fc.oneof(...kinds.map((k) => all[k]));
}

export function scheduleArb(options: fc.Arbitrary<Partial<RaftModelSpec>>, kinds: readonly MoveKind[] = MOVE_KINDS): fc.Arbitrary<Schedule> {
  return fc.constantFrom(3, 3, 3, 5, 5, 7).chain((nodes) =>
    fc.record({
      nodes: fc.constant(nodes),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      options,
      latencyMaxMs: fc.integer({ min: 2, max: 30 }),
      drop: fc.constantFrom(0, 0, 0.05, 0.15),
      duplicate: fc.constantFrom(0, 0.1),
      // Swarm testing: each schedule switches some kinds of move on, then draws a handful of those.
      moves: fc
        .subarray([...kinds], { minLength: 1, maxLength: Math.min(3, kinds.length) })
        .chain((kinds) => fc.array(moveArb(nodes, kinds), { minLength: 2, maxLength: 10 }))
        .map((ms) => [...ms].sort((a, b) => a.atMs - b.atMs)),
      // Sometimes a narrow range: more split votes, more candidates of one term.
      electionTimeoutMaxMs: fc.constantFrom(300, 300, 180, 160),
      clients: fc.integer({ min: 2, max: 8 }),
      clientTimeoutMs: fc.oneof(fc.integer({ min: 40, max: 100 }), fc.integer({ min: 200, max: 600 })),
      straggler: fc.option(
        fc.record({ atMs: fc.integer({ min: DURATION_MS - 1500, max: DURATION_MS - 600 }), crashNext: fc.boolean(), crashAfterMs: fc.integer({ min: 10, max: 300 }) }),
        { freq: 3 },
      ),
    }),
  );
}

/** Every combination of Raft's correct options, with small batches sometimes (a lagging follower catches up entry by entry). */
export function raftOptionsArb(bugs: readonly RaftBug[] = []): fc.Arbitrary<Partial<RaftModelSpec>> {
  return fc
    .record({
      preVote: fc.boolean(),
      checkQuorum: fc.boolean(),
      reads: fc.constantFrom('log' as const, 'readIndex' as const, 'lease' as const),
      snapshotEvery: fc.constantFrom(0, 0, 20),
      maxEntriesPerMessage: fc.constantFrom(2, 4, 8, 64),
    })
    .map((o) => (bugs.length > 0 ? { ...o, bugs } : o));
}

export function scheduleScenario(s: Schedule, stragglers: readonly string[] = []): Scenario {
  const nodes = Array.from({ length: s.nodes }, (_, i) => `n${i + 1}`);
  return {
    file: 'nemesis.yaml',
    name: 'nemesis',
    description: '',
    seed: s.seed,
    durationUs: DURATION_MS * MS,
    settleUs: SETTLE_MS * MS,
    stragglers,
    nodes,
    network: { latencyUsMin: 1 * MS, latencyUsMax: s.latencyMaxMs * MS, drop: s.drop, duplicate: s.duplicate },
    models: [{ kind: 'raft', name: 'raft', electionTimeoutUsMin: 150 * MS, electionTimeoutUsMax: s.electionTimeoutMaxMs * MS, heartbeatUs: 50 * MS, ...s.options } as RaftModelSpec],
    workload: { clients: s.clients, intervalUs: 10 * MS, timeoutUs: s.clientTimeoutMs * MS, keys: 3, reads: 0.3, cas: 0.1 },
    faults: [],
    notes: [],
    expect: [],
  };
}

export interface Played {
  readonly run: ModelRun;
  readonly scenario: Scenario;
  /** Distinct (leader, term) pairs that took office. */
  readonly leaderTerms: number;
  readonly failures: readonly Failure[];
  readonly undecided: readonly string[];
}

/** A pending undo (restart, heal, resume) of a move, at a time. */
interface Undo {
  readonly atUs: number;
  readonly action: FaultAction;
}

const isLeaderRole = (e: RunEvent): boolean => e.type === 'role' && e.role === 'leader';

/**
 * The crash-voter move, watching in the background while other moves play. When a candidate stands, its link to
 * the node after it (in name order) is cut, one way: that node hears nothing of the candidate's term, so it will
 * stand in the same term itself. Every node that grants the first candidate its vote crashes the instant after,
 * and is back `downUs` later — before the second candidate asks it. What it persisted is all that keeps it from
 * voting twice in one term. (A crash loses the messages on their way to the node: the cut is what makes a
 * second candidate of the term ask it later.) The cut heals `cutMs` after.
 */
class VoterWatch {
  victim: string | null = null;
  /** A cut to make: the candidate, and the node it must not reach. */
  cut: { readonly from: string; readonly to: string } | null = null;
  private candidate: string | null = null;
  private term = -1;

  constructor(
    readonly fromUs: number,
    readonly untilUs: number,
    readonly downUs: number,
    readonly cutMs: number,
    private readonly names: readonly string[],
  ) {}

  see(e: RunEvent): void {
    if (e.atUs < this.fromUs || e.atUs >= this.untilUs) return;
    if (e.type === 'role' && e.role === 'candidate' && e.term > this.term) {
      this.candidate = e.node;
      this.term = e.term;
      const i = this.names.indexOf(e.node);
      this.cut = { from: e.node, to: this.names[(i + 1) % this.names.length]! };
    } else if (e.type === 'vote' && e.granted && !e.preVote && e.candidate === this.candidate && e.term === this.term) {
      this.victim = e.voter;
    }
  }

  get wantsToAct(): boolean {
    return this.victim !== null || this.cut !== null;
  }
}

const NEVER = (): boolean => false;

/** Plays `schedule` (a pure function of it) and judges the run. */
export function play(schedule: Schedule): Played {
  let scenario = scheduleScenario(schedule);
  let run = new SteppableRun(scenario, scenario.models[0]!);
  const names = scenario.nodes;
  const durationUs = scenario.durationUs;
  let undos: Undo[] = [];
  const leaders = new Set<string>();
  const watches: VoterWatch[] = [];
  let replaying = false;
  const listen = (e: RunEvent) => {
    if (replaying) return;
    if (e.type === 'role' && e.role === 'leader') leaders.add(`${e.node}@${e.term}`);
    for (const w of watches) w.see(e);
  };
  let unsubscribe = run.subscribe(listen);

  const inject = (action: FaultAction, atUs: number): void => {
    const t = Math.max(atUs, run.earliestInjectionUs);
    if (t >= durationUs) return;
    runUndosUntil(t);
    run.inject(action, Math.max(t, run.earliestInjectionUs));
  };
  /** Injects the undos due at or before `t` (in time order). */
  const runUndosUntil = (t: number): void => {
    undos.sort((a, b) => a.atUs - b.atUs);
    while (undos.length > 0 && undos[0]!.atUs <= t) {
      const u = undos.shift()!;
      const when = Math.max(u.atUs, run.earliestInjectionUs);
      if (when < durationUs) run.inject(u.action, when);
    }
  };
  const later = (atUs: number, action: FaultAction): void => {
    undos.push({ atUs, action });
  };
  const leaderNow = (): string | null => {
    const i = run.simulator.leader();
    return i < 0 ? null : names[i]!;
  };
  /** What the background watches asked for, now: the cuts they make and the voters they crash (each back after its watch's downtime). */
  const strikeVoters = (): void => {
    for (const w of watches) {
      const nowUs = run.earliestInjectionUs;
      if (w.cut !== null) {
        const { from, to } = w.cut;
        w.cut = null;
        if (nowUs < durationUs) {
          inject({ action: 'cut', from, to, both: false }, nowUs);
          later(nowUs + w.cutMs * MS, { action: 'heal' });
        }
      }
      if (w.victim !== null) {
        const victim = w.victim;
        w.victim = null;
        if (nowUs < durationUs) {
          inject({ action: 'crash', target: victim }, run.earliestInjectionUs);
          later(nowUs + w.downUs, { action: 'restart', target: victim });
        }
      }
    }
  };
  /**
   * Runs to `t` — the undos due on the way injected, the voters the watches pick crashed — or until `until` fires
   * on the way; the event that fired, or null.
   */
  const waitFor = (t: number, until: (e: RunEvent) => boolean): RunEvent | null => {
    let seen: RunEvent | null = null;
    const stop = (e: RunEvent) => {
      if (seen === null && until(e)) seen = e;
      return seen !== null || watches.some((w) => w.wantsToAct);
    };
    for (;;) {
      undos.sort((a, b) => a.atUs - b.atUs);
      const next = Math.min(t, undos[0]?.atUs ?? Infinity);
      if (next > run.nowUs) run.runUntil(next, { stopWhen: stop });
      strikeVoters();
      if (seen !== null) return seen;
      if (run.nowUs < next) continue;
      if (next >= t) return null;
      runUndosUntil(next);
    }
  };

  const st = schedule.straggler;
  // The straggler is the nemesis's last act: moves after it are not played.
  const moves = st === null ? schedule.moves : schedule.moves.filter((m) => m.atMs < st.atMs);
  for (const move of moves) {
    const atUs = move.atMs * MS;
    if (atUs < run.nowUs) continue;
    if (atUs >= durationUs) break;
    waitFor(atUs, NEVER);
    runUndosUntil(atUs);
    switch (move.kind) {
      case 'crash-leader': {
        const l = leaderNow();
        if (l === null) break;
        inject({ action: 'crash', target: l }, atUs);
        later(atUs + move.downMs * MS, { action: 'restart', target: l });
        break;
      }
      case 'minority-leader': {
        const l = leaderNow();
        if (l === null) break;
        const others = names.filter((n) => n !== l);
        const start = move.atMs % others.length;
        const companions = Array.from({ length: move.companions }, (_, i) => others[(start + i) % others.length]!);
        const rest = others.filter((n) => !companions.includes(n));
        inject({ action: 'partition', groups: [[l, ...companions], rest] }, atUs);
        later(atUs + move.forMs * MS, { action: 'heal' });
        break;
      }
      case 'pause-leader': {
        const l = leaderNow();
        if (l === null) break;
        inject({ action: 'pause', target: l }, atUs);
        later(atUs + move.forMs * MS, { action: 'resume', target: l });
        break;
      }
      case 'transfer':
        inject({ action: 'transfer', to: names[move.to]! }, atUs);
        break;
      case 'restart-all':
        inject({ action: 'restart', target: 'all' }, atUs);
        break;
      case 'strike-election': {
        const e = waitFor(Math.min(durationUs, atUs + 3000 * MS), isLeaderRole);
        if (e === null || e.type !== 'role') break;
        const strikeUs = e.atUs + (move.delayMs === 0 ? 1 : move.delayMs * MS);
        if (move.delayMs > 0) waitFor(strikeUs, NEVER);
        if (move.how === 'crash') {
          inject({ action: 'crash', target: e.node }, strikeUs);
          later(strikeUs + move.downMs * MS, { action: 'restart', target: e.node });
        } else {
          inject({ action: 'isolate', target: e.node }, strikeUs);
          later(strikeUs + move.downMs * MS, { action: 'heal' });
        }
        break;
      }
      case 'handoff': {
        const first = leaderNow();
        if (first === null) break;
        const awayUs = atUs + move.awayMs * MS;
        waitFor(awayUs, NEVER);
        const l1 = leaderNow() ?? first;
        inject({ action: 'isolate', target: l1 }, awayUs);
        const second = waitFor(Math.min(durationUs, awayUs + 3000 * MS), isLeaderRole);
        if (second === null || second.type !== 'role') break;
        const cutUs = second.atUs + 1;
        inject(second.node === l1 ? { action: 'isolate', target: l1 } : { action: 'partition', groups: [[l1], [second.node], names.filter((n) => n !== l1 && n !== second.node)] }, cutUs);
        inject({ action: 'crash', target: second.node }, cutUs);
        later(cutUs + move.holdMs * MS, { action: 'heal' });
        const third = waitFor(Math.min(durationUs, cutUs + 3000 * MS), (e) => isLeaderRole(e) && e.type === 'role' && e.atUs > cutUs);
        if (third === null || third.type !== 'role') break;
        const againUs = third.atUs + move.delayMs * MS;
        waitFor(againUs, NEVER);
        inject({ action: 'isolate', target: third.node }, againUs);
        inject({ action: 'crash', target: third.node }, againUs);
        later(againUs + move.backMs * MS, { action: 'restart', target: second.node });
        later(againUs + move.backMs * MS + 1000 * MS, { action: 'restart', target: 'all' });
        later(againUs + move.backMs * MS + 1000 * MS, { action: 'heal' });
        break;
      }
      case 'crash-voter':
        watches.push(new VoterWatch(atUs, Math.min(durationUs, atUs + move.forMs * MS), move.downUs, move.cutMs, names));
        break;
    }
  }

  if (st !== null && st.atMs * MS > run.nowUs) {
    const atUs = st.atMs * MS;
    waitFor(atUs, NEVER);
    runUndosUntil(atUs);
    const first = leaderNow();
    if (first !== null) {
      // Settle must leave it deaf: the scenario says so before the run starts, so the run is played again, with the
      // faults injected so far as its script, to this point (the same run: stragglers matter from settle on).
      const injected = run.injected;
      unsubscribe();
      scenario = scheduleScenario(schedule, [first]);
      run = new SteppableRun(scenario, scenario.models[0]!, { injected });
      unsubscribe = run.subscribe(listen);
      replaying = true;
      run.runUntil(atUs);
      replaying = false;
      undos = undos.filter((u) => u.action.action !== 'heal' && !('target' in u.action && u.action.target === first));
      inject({ action: 'isolate', target: first }, atUs);
      const next = waitFor(durationUs, (e) => isLeaderRole(e) && e.type === 'role' && e.node !== first);
      if (next !== null && next.type === 'role' && st.crashNext) {
        const t = next.atUs + st.crashAfterMs * MS;
        waitFor(t, NEVER);
        inject({ action: 'crash', target: next.node }, t);
      }
    }
  }
  waitFor(durationUs, NEVER);
  const finished = run.finish();
  unsubscribe();
  const verdict = judgeSeed(scenario, scenario.models[0]!, finished, new Set());
  return { run: finished, scenario, leaderTerms: leaders.size, failures: verdict.failures, undecided: verdict.undecided };
}

/** A one-line account of a failing schedule, for assertion messages. */
export function describeFailure(p: Played): string {
  const what = [...p.failures.map((f) => `${f.what} at ${f.atMs} ms: ${f.detail}`), ...p.undecided.map((u) => `undecided: ${u}`)];
  return what.join('; ');
}

export { RAFT_BUGS };
