/**
 * Shrinking: a failing world made as small as it can be while it still
 * breaks the same promise (or invariant). Delta debugging over the explicit
 * fault list first (halves, quarters, ... single faults), then the rest of
 * the world, one simplification at a time, each kept only if the run still
 * fails the same way: fewer nodes, fewer clients, a shorter run, a cleaner
 * network, fewer drawn options, a simpler workload — repeated until a whole
 * round changes nothing (a fixpoint) or the budget runs out.
 *
 * Every step is a pure function of the world, so the result is the same on
 * every machine unless the wall-clock budget (`--shrink-time`) cut it short;
 * the result says which.
 */
import { runWorld, type CampaignConfig } from './seed.ts';
import { promisesOf, type PromiseKey } from '../run/promises.ts';
import { fewestNodes, loadedScenario, withoutBugs, type OptionValue, type World, type WorldFault } from './world.ts';

export interface ShrinkBudget {
  /** Stop trying once this many milliseconds of wall time have passed. */
  readonly timeMs: number;
  /** The wall clock (the CLI's `performance.now`): only ever bounds the effort, never decides a result. */
  readonly now: () => number;
}

export interface ShrinkResult {
  readonly world: World;
  /** Worlds run while shrinking. */
  readonly runs: number;
  /** True when a whole round changed nothing: no single step left makes it smaller. */
  readonly fixpoint: boolean;
  /** What was taken away, in order, for the report. */
  readonly steps: readonly string[];
}

/** True when `world` still fails with `key`. A world the simulator throws on counts only when the failure is that. */
export type StillFails = (world: World) => boolean;

/**
 * With bug switches pinned: the world must also keep the same promise (judged, not withdrawn)
 * with the switches removed, so that the shrunk file shows what the switch breaks and nothing
 * else. Without switches: `stillFailsWith` alone.
 */
export function stillFailsOnlyWithBugs(key: string, config: CampaignConfig): StillFails {
  const fails = stillFailsWith(key, config);
  const bugs = config.pinned['bugs'];
  if (!Array.isArray(bugs) || bugs.length === 0) return fails;
  return (world) => {
    if (!fails(world)) return false;
    try {
      const r = runWorld(withoutBugs(world), config).result;
      return !r.failures.some((f) => f.key === key) && !(r.withdrawn ?? []).includes(key);
    } catch {
      return false;
    }
  };
}

export function stillFailsWith(key: string, config: CampaignConfig): StillFails {
  return (world) => {
    try {
      return runWorld(world, config).result.failures.some((f) => f.key === key);
    } catch {
      // A simplification that made the world invalid (it does not load): not a smaller failing world.
      return false;
    }
  };
}

/**
 * Other seeds a smaller world is tried with before it counts as not failing:
 * a few while the world is large, many more once that reaches a fixpoint (a
 * fragile failure — two leaders of one term, say — needs its faults and a
 * seed that times the rest just so).
 */
const RESEEDS = 3;
const RESEEDS_AT_FIXPOINT = 24;

interface Attempt {
  readonly label: string;
  readonly world: World;
}

export function shrinkWorld(start: World, pinned: Readonly<Record<string, OptionValue>>, fails: StillFails, budget: ShrinkBudget, options: { readonly keepSettle?: boolean } = {}): ShrinkResult {
  const began = budget.now();
  let runs = 0;
  const steps: string[] = [];
  let world = start;
  const outOfTime = () => budget.now() - began >= budget.timeMs;
  /**
   * Runs `candidate`; keeps it when it still fails. A run is chaotic: taking a fault away shifts
   * every later random draw (which messages are lost, when timers fire), so the same bug often
   * needs another seed to show in the smaller world. A candidate that does not fail with the
   * world's seed is tried with the next few seeds too; the file records the seed that failed.
   */
  let reseeds = RESEEDS;
  // A smaller world must promise what the found one promised: a step that takes a promise away (version
  // vectors back to last-write-wins while a clock is off: no lost writes is no longer promised) would shrink a
  // bug into a world that breaks the promise by design, and the file would teach the wrong lesson.
  const promisedAtStart = configurationPromises(start);
  const keepsPromises = (w: World): boolean => {
    const promised = configurationPromises(w);
    return promised !== null && [...(promisedAtStart ?? [])].every((k) => promised.has(k));
  };
  const tryWorld = (a: Attempt): boolean => {
    if (!keepsPromises(a.world)) return false;
    for (let k = 0; k <= reseeds; k++) {
      if (outOfTime()) return false;
      const candidate = k === 0 ? a.world : { ...a.world, seed: a.world.seed + k };
      runs++;
      if (!fails(candidate)) continue;
      world = candidate;
      steps.push(k === 0 ? a.label : `${a.label} (seed ${candidate.seed})`);
      return true;
    }
    return false;
  };

  let changed = true;
  while (changed && !outOfTime()) {
    changed = false;
    if (shrinkFaults()) changed = true;
    for (const attempt of simplifications(world, pinned, options.keepSettle === true)) {
      if (outOfTime()) break;
      // Each simplification is made from the world as it stands now.
      const candidate = attempt(world);
      if (candidate !== null && tryWorld(candidate)) changed = true;
    }
    // A fixpoint with a few seeds each: once more, each step tried with many.
    if (!changed && reseeds < RESEEDS_AT_FIXPOINT) {
      reseeds = RESEEDS_AT_FIXPOINT;
      changed = true;
    }
  }
  return { world, runs, fixpoint: !changed && !outOfTime(), steps };

  /** Delta debugging over the fault list: drop chunks, halving their size down to single faults. */
  function shrinkFaults(): boolean {
    let any = false;
    let size = Math.max(1, Math.floor(world.faults.length / 2));
    while (size >= 1 && !outOfTime()) {
      let i = 0;
      while (i < world.faults.length && !outOfTime()) {
        const faults = [...world.faults.slice(0, i), ...world.faults.slice(i + size)];
        const n = Math.min(size, world.faults.length - i);
        if (tryWorld({ label: `${n} fault${n === 1 ? '' : 's'} removed`, world: { ...world, faults } })) any = true;
        else i += size;
      }
      size = Math.floor(size / 2);
    }
    return any;
  }
}

/** What a world's configuration promises, bug switches aside (docs/promises.md); null when the world does not load. */
function configurationPromises(world: World): ReadonlySet<PromiseKey> | null {
  try {
    const scenario = loadedScenario(withoutBugs(world));
    return new Set(promisesOf(scenario.models[0]!, [], scenario.network).promised);
  } catch {
    return null;
  }
}

type Simplification = (world: World) => Attempt | null;

/** The simplifications other than removing faults, smallest world first within each. */
function simplifications(world: World, pinned: Readonly<Record<string, OptionValue>>, keepSettle: boolean): Simplification[] {
  const out: Simplification[] = [];
  // Fewer nodes: 7 → 5 → 3, faults naming a node that is gone dropped.
  out.push((w) => (w.nodes > 3 && w.nodes - 2 >= fewestNodes(pinned) ? withNodes(w, w.nodes - 2) : null));
  // A shorter run: just past the last fault, then halves of what is left.
  out.push((w) => {
    const last = w.faults.length === 0 ? 0 : w.faults[w.faults.length - 1]!.atMs;
    const to = Math.max(last + 1, 200);
    const target = Math.ceil(Math.max(to, Math.floor((to + w.durationMs) / 2)) / 100) * 100;
    return target < w.durationMs ? { label: `duration ${w.durationMs} → ${target} ms`, world: { ...w, durationMs: target } } : null;
  });
  // (Not for a failure to converge: settle is the bound it is judged by.)
  if (!keepSettle) out.push((w) => (w.settleMs > 1000 ? { label: `settle ${w.settleMs} → ${Math.max(1000, Math.floor(w.settleMs / 2))} ms`, world: { ...w, settleMs: Math.max(1000, Math.floor(w.settleMs / 2)) } } : null));
  // No stragglers: the liveness phase heals everything.
  out.push((w) => (w.stragglers.length > 0 ? { label: 'no stragglers', world: { ...w, stragglers: [] } } : null));
  // Fewer clients, a simpler workload.
  out.push((w) => (w.workload.clients > 1 ? { label: `clients ${w.workload.clients} → ${w.workload.clients - 1}`, world: { ...w, workload: { ...w.workload, clients: w.workload.clients - 1 } } } : null));
  out.push((w) => (w.workload.cas > 0 ? { label: 'no cas', world: { ...w, workload: { ...w.workload, cas: 0 } } } : null));
  out.push((w) => (w.workload.keys > 1 ? { label: `keys ${w.workload.keys} → 1`, world: { ...w, workload: { ...w.workload, keys: 1 } } } : null));
  // A cleaner network.
  out.push((w) => (w.network.duplicate > 0 ? { label: 'no duplication', world: { ...w, network: { ...w.network, duplicate: 0 } } } : null));
  out.push((w) => (w.network.drop > 0 ? { label: 'no loss', world: { ...w, network: { ...w.network, drop: 0 } } } : null));
  out.push((w) =>
    w.network.latencyMaxMs > w.network.latencyMinMs ? { label: 'one latency', world: { ...w, network: { ...w.network, latencyMaxMs: w.network.latencyMinMs } } } : null,
  );
  // Fewer options: each drawn option back to its default; clock drift node by node.
  for (const key of Object.keys(world.options)) {
    if (key in pinned) continue;
    out.push((w) => {
      if (!(key in w.options)) return null;
      const { [key]: _dropped, ...rest } = w.options;
      return { label: `option ${key} removed`, world: { ...w, options: rest } };
    });
  }
  const drift = world.options['clockDrift'];
  if (drift !== undefined && typeof drift === 'object' && !Array.isArray(drift) && !('clockDrift' in pinned)) {
    for (const node of Object.keys(drift)) {
      out.push((w) => {
        const d = w.options['clockDrift'] as Readonly<Record<string, number>> | undefined;
        if (d === undefined || !(node in d) || Object.keys(d).length === 1) return null;
        const { [node]: _dropped, ...rest } = d;
        return { label: `clock drift of ${node} removed`, world: { ...w, options: { ...w.options, clockDrift: rest } } };
      });
    }
  }
  // Faults made plainer: a fault time rounded to 100 ms when the order of faults stays the same.
  out.push((w) => {
    const rounded = w.faults.map((f) => ({ ...f, atMs: Math.round(f.atMs / 100) * 100 }));
    const same = rounded.every((f, i) => f.atMs === w.faults[i]!.atMs);
    const ordered = rounded.every((f, i) => i === 0 || rounded[i - 1]!.atMs <= f.atMs);
    return same || !ordered || rounded.some((f) => f.atMs >= w.durationMs) ? null : { label: 'fault times rounded to 100 ms', world: { ...w, faults: rounded } };
  });
  return out;
}

const NODE_NAME = /^n(\d+)$/;

/** `world` with `nodes` nodes: faults and clock drifts naming a node beyond them are dropped. */
function withNodes(world: World, nodes: number): Attempt | null {
  const exists = (name: string) => {
    const m = NODE_NAME.exec(name);
    return m === null || Number(m[1]) <= nodes;
  };
  const names = (value: unknown): string[] => {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.flatMap(names);
    if (value !== null && typeof value === 'object') return Object.values(value).flatMap(names);
    return [];
  };
  const faults: WorldFault[] = world.faults.filter((f) => f.action === 'network' || names(f.value).every(exists));
  // A partition must still place every node: one without `rest` that named the dropped nodes is gone; the others place the same nodes minus those.
  const options: Record<string, OptionValue> = { ...world.options };
  const drift = options['clockDrift'];
  if (drift !== undefined && typeof drift === 'object' && !Array.isArray(drift)) {
    const kept = Object.fromEntries(Object.entries(drift as Record<string, number>).filter(([k]) => exists(k)));
    if (Object.keys(kept).length > 0) options['clockDrift'] = kept;
    else delete options['clockDrift'];
  }
  const stragglers = world.stragglers.filter(exists);
  const members = options['members'];
  if (Array.isArray(members)) options['members'] = members.filter(exists);
  const clients = Math.min(world.workload.clients, nodes + 1);
  return { label: `nodes ${world.nodes} → ${nodes}`, world: { ...world, nodes, faults, options, stragglers, workload: { ...world.workload, clients } } };
}
