import { availableParallelism } from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { clientFigures } from '../check/figures.ts';
import { runCampaign } from '../fuzz/campaign.ts';
import { judgeSeed } from '../fuzz/judge.ts';
import { runSeed, worldOf, type CampaignConfig, type SeedResult } from '../fuzz/seed.ts';
import { loadedScenario } from '../fuzz/world.ts';
import { checkLinearizable } from '../run/linearizable.ts';
import { runModel } from '../run/run.ts';
import { summarize, type Summary } from './stats.ts';

/**
 * `raftsim bench fuzz`: how many seeds a second `raftsim fuzz` runs on this
 * machine, and what one seed costs. The default world (`--model raft`, no
 * options pinned) is run as the command runs it — a campaign of `seeds`
 * seeds on one worker (this thread) and on K worker threads, wall time
 * from the start of the campaign to its last result, worker start-up
 * included — and then, in this thread, a sample of seeds is taken apart:
 * drawing the world, writing its YAML and loading it back (what the
 * fuzzer runs is the file it would write), building the engine, the
 * event loop, the checks after it (figures, linearizability, promises,
 * verdict) and the fuzzer's own judging. Only the wall clock is read, and
 * only to time: every seed's result is still a pure function of the seed.
 */

/** The issue's goal: seeds per second of the default world with 2 workers on a 2-core machine. */
export const FUZZ_GOAL_SEEDS_PER_SECOND = 50;
export const FUZZ_GOAL_WORKERS = 2;

/** The default world: what `raftsim fuzz` with no options runs. */
export const DEFAULT_FUZZ_CONFIG: CampaignConfig = { kind: 'raft', pinned: {}, allowed: [] };

export interface CampaignFigure {
  readonly workers: number;
  readonly seeds: number;
  readonly wallSeconds: number;
  readonly seedsPerSecond: number;
  /** Wall seconds from the start until the first seed's result came back (worker start-up and one seed). */
  readonly firstResultSeconds: number;
  /** CPU seconds the process used (every thread), user and system: on a shared machine, what the campaign got of the cores. */
  readonly cpuSeconds: number;
  readonly failed: number;
}

/** Where one seed's wall time goes, in milliseconds (means over the sample). */
export interface SeedCost {
  /** drawWorld: the world from the seed. */
  readonly drawMs: number;
  /** Writing the world's YAML: no longer part of a seed's run (only a failing seed's file is written); 0. */
  readonly yamlMs: number;
  /** loadedScenario: the world's file without faults loaded (once per seed), its faults converted and checked as the loader does. */
  readonly parseMs: number;
  /** runModel until the first event: the cluster, the clients and the fault script built. */
  readonly setupMs: number;
  /** The event loop, 'start' to 'end' (RunOptions.onSimulation). */
  readonly simulationMs: number;
  /** From the last event until runModel returns: figures, linearizability, promises, verdict. */
  readonly checksMs: number;
  /** Of checksMs, re-timed on the same history: the client figures (lost, stale, dirty reads, availability). */
  readonly figuresMs: number;
  /** Of checksMs, re-timed on the same history: the linearizability check. */
  readonly linearizabilityMs: number;
  /** judgeSeed: what the fuzzer holds the run to. */
  readonly judgeMs: number;
  /** Garbage-collection pauses of this thread, spread over the pieces above (counted in them, not beside them). */
  readonly gcMs: number;
  /** Everything above. */
  readonly totalMs: number;
}

export interface FuzzBenchReport {
  readonly start: number;
  readonly seeds: number;
  readonly cores: number;
  /** Where the worker threads load from: the bundle (dist/fuzz-worker.mjs) or the sources through tsx. */
  readonly workerEntry: 'bundle' | 'sources (tsx)';
  readonly campaigns: readonly CampaignFigure[];
  readonly sample: number;
  readonly cost: SeedCost;
  /** Total wall ms per seed over the sample. */
  readonly perSeedMs: Summary;
  /** Mean total wall ms per seed by the world's node count (3, 5, 7), with how many of the sample had it. */
  readonly byNodes: readonly { readonly nodes: number; readonly seeds: number; readonly meanMs: number }[];
  /** Mean events per seed over the sample (for the loop's cost per event). */
  readonly sampleEventsPerSeed: number;
  /** Means over the whole campaign's seeds. */
  readonly eventsPerSeed: number;
  readonly nodesPerWorld: number;
  readonly faultsPerWorld: number;
  readonly failedSeeds: number;
}

export interface FuzzBenchOptions {
  readonly start: number;
  readonly seeds: number;
  /** The worker counts to run the campaign with, in order (default [1, 2]). */
  readonly workers: readonly number[];
  /** Seeds taken apart in this thread (the first `sample` of the range). */
  readonly sample: number;
  readonly progress?: (what: string) => void;
}

async function timeCampaign(config: CampaignConfig, start: number, seeds: number, workers: number): Promise<{ figure: CampaignFigure; results: readonly SeedResult[] }> {
  const began = performance.now();
  const cpu = process.cpuUsage();
  let first = NaN;
  const outcome = await runCampaign(config, { start, count: seeds }, workers, {
    onProgress: (done) => {
      if (done === 1) first = performance.now();
    },
  });
  const wallSeconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  const failed = outcome.results.filter((r) => !r.ok).length;
  return {
    figure: { workers, seeds: outcome.results.length, wallSeconds, seedsPerSecond: outcome.results.length / wallSeconds, firstResultSeconds: (first - began) / 1000, cpuSeconds, failed },
    results: outcome.results,
  };
}

interface SeedTiming {
  readonly draw: number;
  readonly yaml: number;
  readonly parse: number;
  readonly setup: number;
  readonly simulation: number;
  readonly checks: number;
  readonly figures: number;
  readonly linearizability: number;
  readonly judge: number;
}

/**
 * One seed taken apart, the pieces of `runSeed` timed one by one. The
 * traceHash is returned so the caller can check that what was timed is
 * exactly what the fuzzer runs.
 */
function timeSeed(seed: number, config: CampaignConfig): { timing: SeedTiming; traceHash: string; nodes: number } {
  const t0 = performance.now();
  const world = worldOf(seed, config);
  const t1 = performance.now();
  // As runWorld loads it: the world's file without faults loaded once per seed (the probes may have
  // done it already), the faults converted as the loader converts them. The YAML is written only
  // for a failing seed's shrunk file.
  const t2 = performance.now();
  const scenario = loadedScenario(world);
  const t3 = performance.now();
  const spec = scenario.models[0]!;
  let started = NaN;
  let ended = NaN;
  const run = runModel(scenario, spec, scenario.seed, {
    onSimulation: (phase) => {
      if (phase === 'start') started = performance.now();
      else ended = performance.now();
    },
  });
  const t4 = performance.now();
  judgeSeed(scenario, spec, run, new Set(config.allowed));
  const t5 = performance.now();
  // The checks' two big parts, re-run on the history the run left (their results are not used: only their time).
  const horizonUs = scenario.durationUs;
  const f0 = performance.now();
  clientFigures(run.historyLog, run.authoritative, horizonUs);
  const f1 = performance.now();
  checkLinearizable(run.historyLog, run.authoritative);
  const f2 = performance.now();
  return {
    timing: {
      draw: t1 - t0,
      yaml: t2 - t1,
      parse: t3 - t2,
      setup: started - t3,
      simulation: ended - started,
      checks: t4 - ended,
      figures: f1 - f0,
      linearizability: f2 - f1,
      judge: t5 - t4,
    },
    traceHash: run.summary.traceHash,
    nodes: world.nodes,
  };
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export async function fuzzBench(options: FuzzBenchOptions): Promise<FuzzBenchReport> {
  const config = DEFAULT_FUZZ_CONFIG;
  const progress = options.progress ?? (() => {});
  const campaigns: CampaignFigure[] = [];
  let results: readonly SeedResult[] = [];
  for (const workers of options.workers) {
    progress(`${options.seeds} seeds on ${workers} worker${workers === 1 ? '' : 's'}`);
    const timed = await timeCampaign(config, options.start, options.seeds, workers);
    campaigns.push(timed.figure);
    if (results.length === 0) results = timed.results;
    else if (timed.results.some((r, i) => r.traceHash !== results[i]?.traceHash)) {
      throw new Error(`bench fuzz: ${workers} workers gave other results than ${options.workers[0]} worker(s): a seed is not a pure function of its number`);
    }
  }

  progress(`taking ${options.sample} seeds apart`);
  const sample = Math.min(options.sample, options.seeds);
  // Warm up this thread's JIT on the same pieces first, so the breakdown is of steady state, as in a long campaign.
  for (let i = 0; i < Math.min(20, sample); i++) timeSeed(options.start + i, config);
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  // Entries of collections before this point may still be queued: let them arrive first, uncounted.
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc.observe({ entryTypes: ['gc'] });
  const timings: SeedTiming[] = [];
  const nodesOf: number[] = [];
  for (let i = 0; i < sample; i++) {
    const seed = options.start + i;
    const { timing, traceHash, nodes } = timeSeed(seed, config);
    nodesOf.push(nodes);
    const expected = results[i]?.traceHash ?? runSeed(seed, config).traceHash;
    if (traceHash !== expected) throw new Error(`bench fuzz: seed ${seed} taken apart ran otherwise than in the campaign (${traceHash} vs ${expected})`);
    timings.push(timing);
  }
  // GC entries are delivered after the fact.
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc.disconnect();
  const m = (key: keyof SeedTiming) => mean(timings.map((t) => t[key]));
  const totals = timings.map((t) => t.draw + t.yaml + t.parse + t.setup + t.simulation + t.checks + t.judge);
  const cost: SeedCost = {
    drawMs: m('draw'),
    yamlMs: m('yaml'),
    parseMs: m('parse'),
    setupMs: m('setup'),
    simulationMs: m('simulation'),
    checksMs: m('checks'),
    figuresMs: m('figures'),
    linearizabilityMs: m('linearizability'),
    judgeMs: m('judge'),
    gcMs: gcMs / sample,
    totalMs: mean(totals),
  };
  return {
    start: options.start,
    seeds: options.seeds,
    cores: availableParallelism(),
    workerEntry: import.meta.url.endsWith('.ts') ? 'sources (tsx)' : 'bundle',
    campaigns,
    sample,
    cost,
    perSeedMs: summarize([...totals].sort((a, b) => a - b)),
    byNodes: [...new Set(nodesOf)]
      .sort((a, b) => a - b)
      .map((nodes) => {
        const mine = totals.filter((_, i) => nodesOf[i] === nodes);
        return { nodes, seeds: mine.length, meanMs: mean(mine) };
      }),
    sampleEventsPerSeed: mean(results.slice(0, sample).map((r) => r.events)),
    eventsPerSeed: mean(results.map((r) => r.events)),
    nodesPerWorld: mean(results.map((r) => r.nodes)),
    faultsPerWorld: mean(results.map((r) => r.faults)),
    failedSeeds: results.filter((r) => !r.ok).length,
  };
}

/** The campaign the goal is judged on: the one with FUZZ_GOAL_WORKERS workers, if run. */
export function goalCampaign(report: FuzzBenchReport): CampaignFigure | undefined {
  return report.campaigns.find((c) => c.workers === FUZZ_GOAL_WORKERS);
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function fuzzJson(report: FuzzBenchReport): unknown {
  const goal = goalCampaign(report);
  return {
    model: 'raft',
    start: report.start,
    seeds: report.seeds,
    cores: report.cores,
    workerEntry: report.workerEntry,
    campaigns: report.campaigns.map((c) => ({
      workers: c.workers,
      seeds: c.seeds,
      wallSeconds: r3(c.wallSeconds),
      seedsPerSecond: r1(c.seedsPerSecond),
      firstResultSeconds: r3(c.firstResultSeconds),
      cpuSeconds: r3(c.cpuSeconds),
      cpuMsPerSeed: r3((c.cpuSeconds * 1000) / c.seeds),
      failed: c.failed,
    })),
    goal: { seedsPerSecond: FUZZ_GOAL_SEEDS_PER_SECOND, workers: FUZZ_GOAL_WORKERS, met: goal === undefined ? null : goal.seedsPerSecond >= FUZZ_GOAL_SEEDS_PER_SECOND },
    sample: report.sample,
    perSeedMs: Object.fromEntries(Object.entries(report.cost).map(([k, v]) => [k.replace(/Ms$/, ''), r3(v)])),
    perSeedTotalMs: { median: r3(report.perSeedMs.median), p90: r3(report.perSeedMs.p90), max: r3(report.perSeedMs.max) },
    byNodes: report.byNodes.map((b) => ({ nodes: b.nodes, seeds: b.seeds, meanMs: r3(b.meanMs) })),
    eventsPerSeed: Math.round(report.eventsPerSeed),
    nodesPerWorld: Math.round(report.nodesPerWorld * 100) / 100,
    faultsPerWorld: r1(report.faultsPerWorld),
    failedSeeds: report.failedSeeds,
  };
}

export function fuzzText(report: FuzzBenchReport): string {
  const out: string[] = [];
  const last = report.start + report.seeds - 1;
  out.push(`Default fuzz world (--model raft, no options), seeds ${report.start}..${last}; ${report.cores} cores; worker threads load from the ${report.workerEntry}`);
  out.push(
    `per world on average: ${report.nodesPerWorld.toFixed(2)} nodes, ${report.faultsPerWorld.toFixed(1)} faults, ${Math.round(report.eventsPerSeed).toLocaleString('en-US')} events; ${report.failedSeeds} failing seed${report.failedSeeds === 1 ? '' : 's'}`,
  );
  out.push('');
  for (const c of report.campaigns) {
    out.push(
      `${String(c.workers).padStart(2)} worker${c.workers === 1 ? ' ' : 's'}: ${c.seeds} seeds in ${c.wallSeconds.toFixed(2)} s = ${c.seedsPerSecond.toFixed(1)} seeds/s (first result after ${(c.firstResultSeconds * 1000).toFixed(0)} ms); CPU ${c.cpuSeconds.toFixed(2)} s = ${((c.cpuSeconds * 1000) / c.seeds).toFixed(2)} ms per seed, ${((c.cpuSeconds / c.wallSeconds / c.workers) * 100).toFixed(0)}% of ${c.workers} core${c.workers === 1 ? '' : 's'}`,
    );
  }
  const goal = goalCampaign(report);
  out.push(
    goal === undefined
      ? `goal, >= ${FUZZ_GOAL_SEEDS_PER_SECOND} seeds/s with ${FUZZ_GOAL_WORKERS} workers: not measured (no --workers ${FUZZ_GOAL_WORKERS} run)`
      : `goal, >= ${FUZZ_GOAL_SEEDS_PER_SECOND} seeds/s with ${FUZZ_GOAL_WORKERS} workers: ${goal.seedsPerSecond >= FUZZ_GOAL_SEEDS_PER_SECOND ? 'met' : 'NOT met'} (${goal.seedsPerSecond.toFixed(1)})`,
  );
  const one = report.campaigns.find((c) => c.workers === 1);
  if (one !== undefined && goal !== undefined) out.push(`speed-up of ${FUZZ_GOAL_WORKERS} workers over 1: x${(goal.seedsPerSecond / one.seedsPerSecond).toFixed(2)}`);
  out.push('');
  const c = report.cost;
  const share = (ms: number) => `${((ms / c.totalMs) * 100).toFixed(1)}%`.padStart(6);
  const row = (label: string, ms: number) => `  ${label.padEnd(44)} ${ms.toFixed(3).padStart(8)} ms ${share(ms)}`;
  out.push(`what one seed costs (in this thread, mean of ${report.sample} seeds after a warm-up):`);
  out.push(row('draw the world', c.drawMs));
  out.push(row('load the world (faults converted)', c.parseMs));
  out.push(row('build the cluster, clients, fault script', c.setupMs));
  out.push(row('simulation (the event loop)', c.simulationMs));
  out.push(row('checks after it', c.checksMs));
  out.push(`    ${'of which client figures (re-timed)'.padEnd(42)} ${c.figuresMs.toFixed(3).padStart(8)} ms`);
  out.push(`    ${'of which linearizability (re-timed)'.padEnd(42)} ${c.linearizabilityMs.toFixed(3).padStart(8)} ms`);
  out.push(row("the fuzzer's judging", c.judgeMs));
  out.push(row('total', c.totalMs));
  out.push(`  ${'of the total, garbage-collection pauses'.padEnd(44)} ${c.gcMs.toFixed(3).padStart(8)} ms ${share(c.gcMs)}`);
  const p = report.perSeedMs;
  out.push(`  by world size: ${report.byNodes.map((b) => `${b.nodes} nodes ${b.meanMs.toFixed(2)} ms (${b.seeds} seeds)`).join(', ')}`);
  out.push(`  per seed: median ${p.median.toFixed(2)} ms, p90 ${p.p90.toFixed(2)} ms, max ${p.max.toFixed(2)} ms; ${((c.simulationMs * 1e3) / report.sampleEventsPerSeed).toFixed(2)} us per event in the loop`);
  return out.join('\n') + '\n';
}
