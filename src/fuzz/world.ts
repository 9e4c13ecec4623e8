/**
 * A fuzz world: everything one seed of `raftsim fuzz` runs, drawn from the
 * seed alone (swarm testing: each world also draws which kinds of fault are
 * switched on at all). A world is plain data — an explicit fault list with
 * concrete times — so that the shrinker can take pieces away and the result
 * is still a world; `worldYaml` writes it as an ordinary scenario file,
 * which is what is run, so a world and its file always replay alike.
 */
import { rngStream, type Rng } from '../core/random.ts';
import { inline, formatTime } from '../scenario/write.ts';
import { SteppableRun } from '../run/steppable.ts';
import { faultActionProblems, parseScenario } from '../scenario/load.ts';
import { InputError } from '../core/errors.ts';
import { actionDef, type FaultActionName } from '../scenario/fault-actions.ts';
import type { FaultSpec, Scenario } from '../scenario/types.ts';
import { DEFAULT_DURATION_MS, fuzzProfile, type FaultKind } from './kinds.ts';

/** A model option's value as written in YAML. */
export type OptionValue = string | number | boolean | readonly string[] | Readonly<Record<string, number | string>>;

export interface WorldNetwork {
  readonly latencyMinMs: number;
  readonly latencyMaxMs: number;
  readonly drop: number;
  readonly duplicate: number;
}

export interface WorldWorkload {
  readonly clients: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly keys: number;
  readonly reads: number;
  readonly cas: number;
}

/** One fault item: `at` (ms) and its action as a YAML mapping entry (`{ crash: n2 }`). */
export interface WorldFault {
  readonly atMs: number;
  readonly action: string;
  readonly value: unknown;
}

export interface World {
  readonly seed: number;
  readonly kind: string;
  readonly nodes: number;
  /** The safety phase: faults happen in [0, durationMs). */
  readonly durationMs: number;
  /** The liveness phase: every fault healed, the cluster must converge within it. */
  readonly settleMs: number;
  readonly network: WorldNetwork;
  /** Model options as written in YAML, pinned ones (`--options`) included. */
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly workload: WorldWorkload;
  /** The fault kinds this world switched on (swarm testing); for the report. */
  readonly switchedOn: readonly FaultKind[];
  readonly faults: readonly WorldFault[];
  /** Nodes the liveness phase leaves as the faults left them (scenario `stragglers`); none in most worlds. */
  readonly stragglers: readonly string[];
}

export interface WorldConfig {
  readonly kind: string;
  /** Options the user pinned (`--options`): never drawn, never shrunk away. */
  readonly pinned: Readonly<Record<string, OptionValue>>;
  /** The safety phase's length; default 5000. */
  readonly durationMs?: number;
  /** The liveness phase's length (the bound on convergence); default 3000. */
  readonly settleMs?: number;
}

export { DEFAULT_DURATION_MS };
export const DEFAULT_SETTLE_MS = 3000;

function between(r: Rng, lo: number, hi: number): number {
  return r.int(lo, hi);
}

/** A probability drawn in [0, max], to two decimals. */
function probability(r: Rng, max: number): number {
  return Math.round(r.next() * max * 100) / 100;
}

/**
 * The fewest nodes a world may have under the pinned options: a pinned
 * leaderless `replicas` (N) needs at least N nodes, so a world drawn smaller
 * gets the smallest of 5 and 7 (or N itself) that holds them — without it,
 * `--options replicas=5` was refused in every world of 3 nodes. A pinned
 * option that names nodes (a map such as `clockDrift`, `clockOffset` or
 * `cascade`, keys and node-valued entries alike, or the `members` list)
 * needs the highest of them in every world in the same way: `clockOffset=n5:-50ms`
 * makes worlds of 5 or 7 nodes.
 */
export function fewestNodes(pinned: Readonly<Record<string, OptionValue>>): number {
  const replicas = pinned['replicas'];
  let least = typeof replicas === 'number' ? replicas : 0;
  for (const value of Object.values(pinned)) {
    const names = Array.isArray(value) ? value : typeof value === 'object' ? [...Object.keys(value), ...Object.values(value)] : [];
    for (const name of names) {
      const m = typeof name === 'string' ? /^n([1-9]\d*)$/.exec(name) : null;
      if (m !== null) least = Math.max(least, Number(m[1]));
    }
  }
  if (least <= 3) return 3;
  return [5, 7].find((n) => n >= least) ?? least;
}

/** The world of `seed` under `config`: a pure function of the two. */
export function drawWorld(seed: number, config: WorldConfig): World {
  const profile = fuzzProfile(config.kind);
  const shape = rngStream(seed, 'fuzz/shape');
  const nodes = Math.max(shape.pick([3, 3, 3, 5, 5, 7]), fewestNodes(config.pinned));
  const durationMs = config.durationMs ?? DEFAULT_DURATION_MS;
  const settleMs = config.settleMs ?? DEFAULT_SETTLE_MS;

  // Swarm testing: each kind of fault is on or off for the whole world, at least one on.
  const swarm = rngStream(seed, 'fuzz/swarm');
  let switchedOn = profile.faultKinds.filter(() => swarm.chance(0.5));
  if (switchedOn.length === 0) switchedOn = [swarm.pick(profile.faultKinds)];
  const on = new Set(switchedOn);

  const net = rngStream(seed, 'fuzz/network');
  const latencyMinMs = between(net, 1, 10);
  const latencyMaxMs = latencyMinMs + between(net, 0, 20);
  const network: WorldNetwork = {
    latencyMinMs,
    latencyMaxMs,
    drop: on.has('loss') ? probability(net, 0.3) : 0,
    duplicate: on.has('duplication') ? probability(net, 0.2) : 0,
  };

  const options = profile.drawOptions(rngStream(seed, 'fuzz/options'), { nodes, pinned: config.pinned, drift: on.has('clock-drift'), handoff: on.has('handoff'), durationMs });

  const wl = rngStream(seed, 'fuzz/workload');
  const workload: WorldWorkload = {
    clients: between(wl, 1, Math.min(6, nodes + 1)),
    intervalMs: between(wl, 5, 50),
    timeoutMs: between(wl, 100, 500),
    keys: between(wl, 1, 3),
    reads: probability(wl, 0.7),
    cas: wl.chance(0.5) ? probability(wl, 0.2) : 0,
  };

  const faults = drawFaults(rngStream(seed, 'fuzz/faults'), switchedOn, nodes, durationMs, network);
  const world: World = { seed, kind: config.kind, nodes, durationMs, settleMs, network, options, workload, switchedOn, faults, stragglers: [] };
  const struck = on.has('election-strike') ? withElectionStrikes(world, rngStream(seed, 'fuzz/strikes')) : world;
  const handedOff = on.has('handoff') ? withHandoff(struck, rngStream(seed, 'fuzz/handoff')) : struck;
  // (Not with membership changes: the nodes settle heals need not be a majority of the last configuration.)
  return on.has('stragglers') && !on.has('membership') ? withStragglers(handedOff, rngStream(seed, 'fuzz/stragglers')) : handedOff;
}

/** A leader taking office in the log of a run: `n3 became leader of term 4`, `n2 took office as primary of epoch 2`. */
const TOOK_OFFICE = /^\S+ (?:became leader of term|took office as primary)/;

/**
 * Election strikes: a fault that lands the instant a new leader takes office,
 * before its first AppendEntries (or shipment) arrives anywhere — the moment
 * the subtle rules are about (a leader's entries on itself alone, a vote just
 * given). A world cannot know when elections happen, so it runs itself: the
 * run up to a time depends only on the faults before it, so the world is run
 * with the faults it has, the first leader to take office after the strike's
 * time is found, and the strike goes in 1 µs later. Each strike is a plain
 * fault of the file (`at: 2608325us`), and the world stays a pure function of
 * its seed.
 */
function withElectionStrikes(start: World, r: Rng): World {
  let world = start;
  const strikes = between(r, 1, 3);
  const plans = Array.from({ length: strikes }, () => ({
    afterMs: between(r, 200, Math.max(200, world.durationMs - 300)),
    action: r.pick(['isolate', 'crash', 'crash', 'cut'] as const),
    backMs: between(r, 20, 1200),
    to: `n${r.int(1, world.nodes)}`,
    // At the instant of office, or a few round trips into the new term (a lagging follower half caught up).
    delayMs: r.chance(0.5) ? 0 : between(r, 5, 150),
  })).sort((a, b) => a.afterMs - b.afterMs);
  for (const plan of plans) {
    const line = nextElection(world, plan.afterMs * 1000);
    if (line === null) continue;
    const atMs = strikeAt(line.atUs, plan.delayMs);
    if (atMs >= world.durationMs) continue;
    const added: WorldFault[] = [];
    if (plan.action === 'isolate') {
      added.push({ atMs, action: 'isolate', value: 'leader' }, { atMs: atMs + plan.backMs, action: 'heal', value: true });
    } else if (plan.action === 'crash') {
      added.push({ atMs, action: 'crash', value: 'leader' }, { atMs: atMs + plan.backMs, action: 'restart', value: 'all' });
    } else {
      added.push({ atMs, action: 'cut', value: { from: 'leader', to: plan.to } });
    }
    world = withFaults(world, added);
  }
  return world;
}

/**
 * The first leader (or primary) to take office at or after `afterUs` in a run
 * of `world` (the world's faults after that time cannot change it); null when
 * none does before the end of the safety phase, or the run throws (the
 * campaign reports that).
 */
function nextElection(world: World, afterUs: number, orLast = false): { readonly atUs: number; readonly node: string } | null {
  const scenario = loadedScenario(world);
  const untilUs = Math.min(scenario.durationUs, afterUs + 3_000_000);
  if (afterUs >= untilUs) return null;
  // Stepped, without the checks a finished run makes: stopped as soon as someone takes office after `afterUs`.
  const run = new SteppableRun(scenario, scenario.models[0]!, { seed: scenario.seed, untilUs });
  const tookOfficeAfter = () => run.log.some((l) => l.atUs >= afterUs && TOOK_OFFICE.test(l.text));
  try {
    for (let t = Math.min(afterUs + PROBE_STEP_US, untilUs); ; t = Math.min(t + PROBE_STEP_US, untilUs)) {
      run.runUntil(t);
      if (t >= untilUs || tookOfficeAfter()) break;
    }
  } catch {
    return null;
  }
  const offices = run.log.filter((l) => TOOK_OFFICE.test(l.text));
  // orLast: the leader in office at `afterUs` (the last to take office before it), if any.
  const line = (orLast ? offices.filter((l) => l.atUs < afterUs).pop() : undefined) ?? offices.find((l) => l.atUs >= afterUs);
  return line === undefined ? null : { atUs: line.atUs, node: line.text.split(' ')[0]! };
}

/** The last world loaded without its faults, and its scenario: the worlds of one seed (probes, the run) differ only in their faults. */
let loaded: { readonly world: World; readonly scenario: Scenario } | null = null;

/**
 * The scenario of `world`, as `worldScenario` loads it from its file, made
 * faster: the file without faults is loaded once per world (the worlds one
 * seed probes and runs differ only in their faults), and the faults are
 * converted as the loader converts them. test/fuzz.test.ts checks that the
 * file, loaded, runs to the same traceHash.
 */
export function loadedScenario(world: World): Scenario {
  const p = loaded?.world;
  const same =
    p !== undefined &&
    p.seed === world.seed &&
    p.kind === world.kind &&
    p.nodes === world.nodes &&
    p.options === world.options &&
    p.workload === world.workload &&
    p.network === world.network &&
    p.durationMs === world.durationMs &&
    p.settleMs === world.settleMs &&
    p.stragglers === world.stragglers;
  const base = same ? loaded!.scenario : worldScenario({ ...world, faults: [] });
  loaded = { world, scenario: base };
  const faults: FaultSpec[] = world.faults.map((f, i) => {
    const def = actionDef(f.action as FaultActionName);
    const atUs = Math.round(f.atMs * 1000);
    // The loader's checks, so that a world that would not load does not run either.
    const problems = faultActionProblems(f.action as FaultActionName, f.value, base.nodes);
    if (atUs > base.durationUs) problems.push(`at ${atUs}us is after duration`);
    if (problems.length > 0) throw InputError.at(`fuzz-seed-${world.seed}.yaml`, 0, 0, `fault ${i + 1}: ${problems.join('; ')}`);
    return { ...def.toAction(def.schema.parse(f.value)), atUs, line: 0, col: 0 } as FaultSpec;
  });
  return { ...base, faults };
}

/** How far a probe runs between looks at its log. */
const PROBE_STEP_US = 50_000;

/** A strike `delayMs` after a leader took office at `officeUs`: 0 is the next microsecond, before anything it sent can arrive. */
function strikeAt(officeUs: number, delayMs: number): number {
  return delayMs === 0 ? (officeUs + 1) / 1000 : Math.round(officeUs / 1000) + delayMs;
}

/**
 * The hand-off nemesis: the leader is cut off with its clients (its new
 * entries cannot commit); the leader elected in its place is cut off and
 * crashed the instant it takes office (its first entries stay on it alone),
 * which lets the first one back; that one is cut off and crashed in turn a
 * few round trips into its term (a follower it was catching up half way
 * there), and the second comes back. Successive leaders each holding entries
 * the others lack: the situation the Raft paper's Figure 8 draws, with every
 * time drawn at random.
 */
function withHandoff(start: World, r: Rng): World {
  let world = start;
  const t0 = between(r, 300, Math.max(300, Math.floor(world.durationMs * 0.4)));
  const delayMs = between(r, 5, 150);
  const backMs = between(r, 1, 60);
  const healMs = between(r, 200, 1500);
  const add = (faults: WorldFault[]) => {
    world = withFaults(world, faults);
  };
  const isolatedMs = between(r, 30, 600);
  // A while into a leader's term, so that there is one to cut off.
  const first = nextElection(world, t0 * 1000, true);
  if (first === null) return world;
  const away = Math.max(t0, strikeAt(first.atUs, isolatedMs));
  add([{ atMs: away, action: 'isolate', value: 'leader' }]);
  const second = nextElection(world, Math.round(away * 1000));
  if (second === null) return world;
  const cut = strikeAt(second.atUs, 0);
  // The first leader stays away a while longer (its clients' entries pile up), then comes back.
  const holdMs = between(r, 0, 1500);
  add([
    second.node === first.node
      ? { atMs: cut, action: 'isolate', value: 'leader' }
      : { atMs: cut, action: 'partition', value: [[first.node], [second.node], ['rest']] },
    { atMs: cut, action: 'crash', value: 'leader' },
    { atMs: Math.ceil(cut) + holdMs, action: 'heal', value: true },
  ]);
  const third = nextElection(world, second.atUs + 1);
  if (third === null) return world;
  const again = strikeAt(third.atUs, delayMs);
  add([
    { atMs: again, action: 'isolate', value: 'leader' },
    { atMs: again, action: 'crash', value: 'leader' },
    { atMs: again + backMs, action: 'restart', value: second.node },
    { atMs: again + backMs + healMs, action: 'restart', value: 'all' },
  ]);
  return world;
}

/**
 * Stragglers: TigerBeetle's liveness mode, where the cluster must converge
 * with a minority still faulty. Near the end of the safety phase the leader
 * of the moment is crashed, or cut off until the others elect another, whose
 * new leader is then crashed a moment later; the liveness phase leaves the
 * first one down, or deaf (it hears no one, everyone hears it), so the
 * others elect once more while a deposed leader's stale heartbeats keep
 * arriving. Convergence is judged among the others.
 */
function withStragglers(start: World, r: Rng): World {
  let world = start;
  const t1 = world.durationMs - between(r, 700, 1500);
  const crashOnly = r.chance(0.3);
  const newLeaderCrash = r.chance(0.7);
  const healAfterMs = between(r, 20, 200);
  const crashAfterMs = between(r, 10, 200);
  if (t1 <= 0) return world;
  const add = (faults: WorldFault[]) => {
    world = withFaults(world, faults);
  };
  const leader = nextElection(world, t1 * 1000, true);
  if (leader === null) return world;
  world = { ...world, stragglers: [leader.node] };
  if (crashOnly) {
    add([{ atMs: t1, action: 'crash', value: leader.node }]);
    return world;
  }
  add([{ atMs: t1, action: 'isolate', value: leader.node }]);
  const next = nextElection(world, t1 * 1000 + 1);
  if (next === null) return world;
  if (newLeaderCrash && next.node !== leader.node) add([{ atMs: strikeAt(next.atUs, healAfterMs + crashAfterMs), action: 'crash', value: next.node }]);
  return world;
}

/** `world` with the faults of `extra` that fall in its safety phase, merged by time: an added fault goes after the faults of its instant. */
function withFaults(world: World, extra: readonly WorldFault[]): World {
  const merged = [...world.faults, ...extra.filter((f) => f.atMs < world.durationMs)].map((f, i) => ({ f, i }));
  return { ...world, faults: merged.sort((a, b) => a.f.atMs - b.f.atMs || a.i - b.i).map((e) => e.f) };
}

/** `world` without its bug switches (the same world, run as the correct configuration). */
export function withoutBugs(world: World): World {
  if (!('bugs' in world.options)) return world;
  const { bugs: _bugs, ...options } = world.options;
  return { ...world, options };
}

function nodeName(i: number): string {
  return `n${i + 1}`;
}

/**
 * The fault schedule: a fault every `gap` ms on average (each world its own
 * rate), of the switched-on kinds; most are undone after a while (a crash
 * restarted, a partition healed), some are left for the next fault or for
 * the liveness phase to undo.
 */
function drawFaults(r: Rng, kinds: readonly FaultKind[], nodes: number, durationMs: number, base: WorldNetwork): WorldFault[] {
  const scheduled = kinds.filter((k) => k !== 'loss' && k !== 'duplication' && k !== 'clock-drift' && k !== 'election-strike' && k !== 'handoff' && k !== 'stragglers');
  const out: WorldFault[] = [];
  if (scheduled.length === 0) return out;
  const meanGapMs = between(r, 50, 800);
  const node = () => nodeName(r.int(0, nodes - 1));
  const target = () => (r.chance(0.4) ? 'leader' : node());
  const undoAfter = (at: number, action: string, value: unknown, p = 0.85) => {
    if (!r.chance(p)) return;
    // Half are blips (a node back before an election has run its course), half last.
    const t = at + (r.chance(0.5) ? between(r, 5, 150) : between(r, 150, 1500));
    if (t < durationMs) out.push({ atMs: t, action, value });
  };
  let t = between(r, 100, meanGapMs * 2);
  while (t < durationMs) {
    const kind = r.pick(scheduled);
    switch (kind) {
      case 'partition': {
        const groups = partitionGroups(r, nodes);
        out.push({ atMs: t, action: 'partition', value: groups });
        undoAfter(t, 'heal', true);
        break;
      }
      case 'isolate': {
        out.push({ atMs: t, action: 'isolate', value: target() });
        undoAfter(t, 'heal', true);
        break;
      }
      case 'one-way-cut': {
        const from = target();
        let to = node();
        if (to === from) to = nodeName((Number(to.slice(1)) % nodes));
        out.push({ atMs: t, action: 'cut', value: r.chance(0.2) ? { from, to, both: true } : { from, to } });
        undoAfter(t, 'heal', true);
        break;
      }
      case 'crash': {
        const victim = r.chance(0.4) ? 'leader' : node();
        out.push({ atMs: t, action: 'crash', value: victim });
        // A crashed leader is no longer the leader: the restart names the nodes, so `all`.
        undoAfter(t, 'restart', victim === 'leader' ? 'all' : victim, 0.9);
        break;
      }
      case 'pause': {
        const victim = r.chance(0.4) ? 'leader' : node();
        out.push({ atMs: t, action: 'pause', value: victim });
        undoAfter(t, 'resume', victim === 'leader' ? 'all' : victim, 0.9);
        break;
      }
      case 'network-change': {
        const lo = between(r, 1, 15);
        out.push({ atMs: t, action: 'network', value: { latency: `${lo}ms..${lo + between(r, 0, 15)}ms`, drop: probability(r, 0.3) } });
        undoAfter(t, 'network', { latency: `${base.latencyMinMs}ms..${base.latencyMaxMs}ms`, drop: base.drop });
        break;
      }
      case 'transfer':
        out.push({ atMs: t, action: 'transfer', value: { to: node() } });
        break;
      case 'crash-blips': {
        // A burst of nodes crashing and coming straight back (a flapping host, a crash loop): restarts land inside elections.
        let at = t;
        for (let i = between(r, 3, 10); i > 0 && at < durationMs; i--) {
          const victim = node();
          out.push({ atMs: at, action: 'crash', value: victim });
          const back = at + between(r, 1, 40);
          if (back < durationMs) out.push({ atMs: back, action: 'restart', value: victim });
          at = back + between(r, 5, 80);
        }
        break;
      }
      case 'leader-churn': {
        // Leader after leader taken away, each a moment after the last: isolated with its clients, or crashed and brought back.
        let at = t;
        for (let i = between(r, 2, 5); i > 0 && at < durationMs; i--) {
          out.push({ atMs: at, action: r.chance(0.5) ? 'isolate' : 'crash', value: 'leader' });
          at += between(r, 20, 600);
          if (at < durationMs && r.chance(0.7)) out.push({ atMs: at, action: 'restart', value: 'all' });
          if (at < durationMs && r.chance(0.5)) out.push({ atMs: at, action: 'heal', value: true });
          at += between(r, 5, 300);
        }
        break;
      }
      case 'membership': {
        const who = node();
        out.push({ atMs: t, action: 'remove', value: who });
        undoAfter(t, 'add', who, 0.8);
        break;
      }
      default:
        break;
    }
    t += between(r, Math.max(1, Math.round(meanGapMs / 3)), meanGapMs * 2);
  }
  // Equal times keep their drawing order (the sort is stable).
  return out.sort((a, b) => a.atMs - b.atMs);
}

/** Two or three groups: the nodes shuffled and cut into pieces, sometimes led by `leader`. */
function partitionGroups(r: Rng, nodes: number): string[][] {
  if (r.chance(0.4)) {
    // The leader with 0..n/2 named followers, the rest elsewhere: the shape that strands a leader.
    return r.chance(0.5) ? [['leader'], ['rest']] : [['leader', 'follower'], ['rest']];
  }
  const names = Array.from({ length: nodes }, (_, i) => nodeName(i));
  for (let i = names.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  const pieces = nodes >= 5 && r.chance(0.3) ? 3 : 2;
  const cuts = new Set<number>();
  while (cuts.size < pieces - 1) cuts.add(r.int(1, nodes - 1));
  const at = [0, ...[...cuts].sort((a, b) => a - b), nodes];
  return at.slice(1).map((end, i) => names.slice(at[i], end).sort(byNode));
}

function byNode(a: string, b: string): number {
  return Number(a.slice(1)) - Number(b.slice(1));
}

// ---------------------------------------------------------------- the world as a scenario file

export interface WorldText {
  /** The scenario's name. */
  readonly name?: string;
  /** Comment lines put at the top (without `#`). */
  readonly header?: readonly string[];
  /** The description (folded). */
  readonly description?: string;
  /** expect lines for the model: `{ violations: 0 }` as field → value. */
  readonly expect?: Readonly<Record<string, string | number | boolean>>;
}

/** The model's name in the scenario: its kind. */
export function modelName(world: World): string {
  return world.kind;
}

/** The world as a scenario file (docs/scenario-format.md), readable and ready to run. */
export function worldYaml(world: World, text: WorldText = {}): string {
  const lines: string[] = [];
  for (const h of text.header ?? []) lines.push(h === '' ? '#' : `# ${h}`);
  lines.push(`name: ${text.name ?? `fuzz-${world.kind}-seed-${world.seed}`}`);
  if (text.description !== undefined) {
    lines.push('description: >');
    for (const l of wrap(text.description, 74)) lines.push(`  ${l}`);
  }
  lines.push(`seed: ${world.seed}`);
  lines.push(`duration: ${formatTime(world.durationMs * 1000)}`);
  lines.push(`settle: ${formatTime(world.settleMs * 1000)}`);
  lines.push(`nodes: ${world.nodes}`);
  const n = world.network;
  lines.push('network:');
  lines.push(`  latency: ${n.latencyMinMs === n.latencyMaxMs ? `${n.latencyMinMs}ms` : `${n.latencyMinMs}ms..${n.latencyMaxMs}ms`}`);
  if (n.drop > 0) lines.push(`  drop: ${n.drop}`);
  if (n.duplicate > 0) lines.push(`  duplicate: ${n.duplicate}`);
  lines.push('models:');
  lines.push(`  - kind: ${world.kind}`);
  for (const [key, value] of Object.entries(world.options)) lines.push(`    ${key}: ${inline(value)}`);
  const w = world.workload;
  lines.push('workload:');
  lines.push(`  clients: ${w.clients}`);
  lines.push(`  interval: ${w.intervalMs}ms`);
  lines.push(`  timeout: ${w.timeoutMs}ms`);
  lines.push(`  keys: ${w.keys}`);
  lines.push(`  reads: ${w.reads}`);
  if (w.cas > 0) lines.push(`  cas: ${w.cas}`);
  if (world.stragglers.length > 0) lines.push(`stragglers: ${inline(world.stragglers)}`);
  if (world.faults.length > 0) {
    lines.push('faults:');
    for (const f of world.faults) {
      lines.push(`  - at: ${formatTime(Math.round(f.atMs * 1000))}`);
      lines.push(`    ${f.action}: ${inline(f.value)}`);
    }
  } else lines.push('faults: []');
  if (text.expect !== undefined && Object.keys(text.expect).length > 0) {
    lines.push('expect:');
    lines.push(`  ${modelName(world)}: ${inline(text.expect)}`);
  }
  return lines.join('\n') + '\n';
}

/** The world's scenario, loaded from its own file text: what is run is exactly what is written. */
export function worldScenario(world: World, file = `fuzz-seed-${world.seed}.yaml`): Scenario {
  return parseScenario(worldYaml(world), file);
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}
