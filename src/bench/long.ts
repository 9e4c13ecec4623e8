import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { runModel } from '../run/run.ts';
import { parseScenario } from '../scenario/load.ts';
import { longScenarioYaml } from './long-scenario.ts';

/**
 * `raftsim bench long`: the long-run scenario (bench/long-*.yaml, see
 * long-scenario.ts) for 1, 10 and 24 simulated hours, each in a process of
 * its own with a bounded heap, so that its peak memory is its own. A
 * benchmark may read the wall clock and the process's memory; the
 * simulation never does (the run is the same pure function of the seed as
 * `raftsim run` on the same file).
 */

export interface LongFigure {
  readonly minutes: number;
  /** Client operations invoked. */
  readonly ops: number;
  readonly events: number;
  readonly simSeconds: number;
  readonly checkSeconds: number;
  readonly wallSeconds: number;
  /** Peak resident set size of the process (MiB). */
  readonly peakRssMiB: number;
  /** Heap in use after a full collection, when the simulation ended, and after the checks (MiB). */
  readonly heapAfterSimMiB: number;
  readonly heapAfterChecksMiB: number;
  /** The history's columns (bytes per operation): what the run keeps per client operation for the checks. */
  readonly historyBytesPerOp: number;
  readonly linearizable: boolean | null;
  readonly linearizableNote?: string;
  readonly lostWrites: number;
  readonly staleReads: number;
  readonly dirtyReads: number;
  readonly violations: number;
  readonly traceHash: string;
}

const MIB = 1024 * 1024;

function heapMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / MIB;
}

/** Runs the long scenario of `minutes` in this process and measures it. */
export function measureLong(minutes: number): LongFigure {
  const scenario = parseScenario(longScenarioYaml(minutes), `<long ${minutes}m>`);
  const started = performance.now();
  let simEnded = started;
  let heapAfterSim = 0;
  let events = 0;
  const run = runModel(scenario, scenario.models[0]!, scenario.seed, {
    onSimulation: (phase, sim) => {
      if (phase !== 'end') return;
      simEnded = performance.now();
      events = sim.eventsProcessed;
      heapAfterSim = heapMiB();
    },
  });
  const ended = performance.now();
  const s = run.summary;
  const ops = s.ops.ok + s.ops.fail + s.ops.info;
  return {
    minutes,
    ops,
    events,
    simSeconds: (simEnded - started) / 1000,
    checkSeconds: (ended - simEnded) / 1000,
    wallSeconds: (ended - started) / 1000,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    heapAfterSimMiB: heapAfterSim,
    heapAfterChecksMiB: heapMiB(),
    historyBytesPerOp: ops === 0 ? 0 : run.historyLog.bytes / ops,
    linearizable: s.linearizable,
    ...(s.linearizableNote !== undefined ? { linearizableNote: s.linearizableNote } : {}),
    lostWrites: s.lostWrites,
    staleReads: s.staleReads,
    dirtyReads: s.dirtyReads,
    violations: s.violations.length,
    traceHash: s.traceHash,
  };
}

export interface ChildOutcome {
  readonly figure: LongFigure | null;
  /** Why there is no figure: the child died (heap exhausted, killed). */
  readonly failure?: string;
}

/**
 * Runs `measureLong(minutes)` in a child process (this same command, with
 * `--child`), with the heap limited to `heapMiB`: a run that needs more dies
 * of heap exhaustion, which is reported as such.
 */
export function measureLongInChild(minutes: number, heapMiBLimit: number): ChildOutcome {
  const script = process.argv[1]!;
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${heapMiBLimit}`, '--expose-gc', script, 'bench', 'long', '--child', String(minutes)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status === 0 && line.startsWith('{')) return { figure: JSON.parse(line) as LongFigure };
  const why = /heap out of memory|Allocation failed/i.test(child.stderr) ? `heap exhausted (limit ${heapMiBLimit} MiB)` : `exit ${child.status ?? child.signal}: ${child.stderr.trim().split('\n').slice(-3).join(' / ')}`;
  return { figure: null, failure: why };
}
