/**
 * One seed of a campaign: draw its world, run it, judge it. A pure function
 * of (seed, configuration): the same result in any process or worker.
 */
import type { PromiseKey } from '../run/promises.ts';
import { runModel } from '../run/run.ts';
import type { Scenario } from '../scenario/types.ts';
import { fuzzPromises, judgeSeed, type Failure } from './judge.ts';
import { drawWorld, loadedScenario, type OptionValue, type World } from './world.ts';

export interface CampaignConfig {
  readonly kind: string;
  readonly pinned: Readonly<Record<string, OptionValue>>;
  readonly allowed: readonly PromiseKey[];
  readonly durationMs?: number;
  readonly settleMs?: number;
}

/** One line of `--jsonl`: everything about a seed that a merge, a report or a rerun needs. Deterministic: no wall-clock figure. */
export interface SeedResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly nodes: number;
  readonly faults: number;
  readonly switchedOn: readonly string[];
  /**
   * What this seed was held to, as `promise:KEY`: its world's configuration's promises (bug switches ignored),
   * less those withdrawn for the run and those allowed; safety invariants besides. Absent in files of older builds.
   */
  readonly promised?: readonly string[];
  readonly failures: readonly Failure[];
  readonly undecided: readonly string[];
  /** Promises withdrawn for this run (the model ran outside what they rest on), as `promise:KEY`; omitted when none. */
  readonly withdrawn?: readonly string[];
  readonly events: number;
  readonly traceHash: string;
}

export interface JudgedWorld {
  readonly world: World;
  readonly scenario: Scenario;
  readonly result: SeedResult;
}

/** Runs `world` and judges it. */
export function runWorld(world: World, config: CampaignConfig): JudgedWorld {
  // A world that does not load is the fuzzer's own bug (or a shrinking step's): it throws the InputError.
  const scenario = loadedScenario(world);
  const spec = scenario.models[0]!;
  const base = { seed: world.seed, nodes: world.nodes, faults: world.faults.length, switchedOn: world.switchedOn };
  let run;
  try {
    run = runModel(scenario, spec, scenario.seed, {});
  } catch (error) {
    // The simulator or a model threw: a bug in raftsim itself, reported like any failure so that it is shrunk and replayed.
    const detail = error instanceof Error ? (error.stack ?? error.message).split('\n').slice(0, 3).map((l) => l.trim()).join(' | ') : String(error);
    const failure: Failure = { key: 'threw', what: 'the simulator threw', phase: 'safety', atMs: 0, detail, expect: ['violations', 0] };
    const promised = fuzzPromises(spec, scenario, null, new Set(config.allowed)).map((k) => `promise:${k}`);
    return { world, scenario, result: { ...base, ok: false, promised, failures: [failure], undecided: [], events: 0, traceHash: '' } };
  }
  const verdict = judgeSeed(scenario, spec, run, new Set(config.allowed));
  return {
    world,
    scenario,
    result: {
      ...base,
      ok: verdict.failures.length === 0,
      promised: verdict.promised.map((k) => `promise:${k}`),
      failures: verdict.failures,
      undecided: verdict.undecided,
      ...(run.promises.withdrawn.length > 0 ? { withdrawn: run.promises.withdrawn.map((w) => `promise:${w.key}`) } : {}),
      events: run.summary.events,
      traceHash: run.summary.traceHash,
    },
  };
}

export function worldOf(seed: number, config: CampaignConfig): World {
  return drawWorld(seed, {
    kind: config.kind,
    pinned: config.pinned,
    ...(config.durationMs !== undefined ? { durationMs: config.durationMs } : {}),
    ...(config.settleMs !== undefined ? { settleMs: config.settleMs } : {}),
  });
}

export function runSeed(seed: number, config: CampaignConfig): SeedResult {
  return runWorld(worldOf(seed, config), config).result;
}
