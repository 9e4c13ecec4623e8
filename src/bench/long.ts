import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { runModel } from '../run/run.ts';
import { parseScenario } from '../scenario/load.ts';
import { longScenarioYaml } from './long-scenario.ts';

/**
 * `raftsim bench long`: the long-run scenario (bench/long-*.yaml, see
 * long-scenario.ts) for 1, 10 and 24 simulated hours, each in a process of
 * its own, so that its peak memory is its own. The budget is on the
 * process's resident memory (RSS), which is what the machine gives: a
 * watchdog thread reads it every 50 ms and kills the process that exceeds
 * the budget, and the process reports its peak (VmHWM) at the end. V8's heap
 * limit alone would not bound it: typed arrays (the history's columns), the
 * young generation and code live outside it. A benchmark may read the wall
 * clock and the process's memory; the simulation never does (the run is the
 * same pure function of the seed as `raftsim run` on the same file).
 */

export interface LongFigure {
  readonly minutes: number;
  /** Client operations invoked. */
  readonly ops: number;
  readonly events: number;
  readonly simSeconds: number;
  readonly checkSeconds: number;
  readonly wallSeconds: number;
  /** Peak resident set size of the process (MiB): VmHWM, or getrusage's maxrss where /proc is not available. */
  readonly peakRssMiB: number;
  /** Heap in use after a full collection, when the simulation ended, and after the checks (MiB). */
  readonly heapAfterSimMiB: number;
  /** Typed arrays' memory (outside V8's heap: the history's columns, the checker's per-index columns) when the simulation ended (MiB). */
  readonly arraysAfterSimMiB: number;
  /** What the run keeps per client operation when the simulation ends: heap and typed arrays after a full collection, over the operations (bytes). */
  readonly keptBytesPerOp: number;
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

/** The process's peak resident memory (MiB): VmHWM from /proc/self/status, else getrusage's maxrss (KiB). */
export function peakRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) / 1024;
  } catch {
    // not Linux: getrusage below
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** What the watchdog writes before it kills the process (the parent reports it). */
export const OVER_BUDGET = 'resident memory exceeded the budget';

/**
 * Kills this process when its resident memory exceeds `budgetMiB`: a thread
 * of its own reads VmRSS every 50 ms, whatever the main thread is doing (the
 * simulation is one synchronous loop). Without /proc it does nothing, and
 * the peak is only reported.
 */
export function startRssWatchdog(budgetMiB: number): void {
  try {
    readFileSync('/proc/self/status', 'utf8');
  } catch {
    return;
  }
  const code = `
    const { readFileSync, writeSync } = require('node:fs');
    const { workerData } = require('node:worker_threads');
    const tick = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      const m = /^VmRSS:\\s+(\\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
      const mib = m === null ? 0 : Number(m[1]) / 1024;
      if (mib > workerData.budget) {
        writeSync(2, workerData.message + ': ' + mib.toFixed(0) + ' MiB > ' + workerData.budget + ' MiB\\n');
        process.kill(process.pid, 'SIGKILL');
      }
      Atomics.wait(tick, 0, 0, 50);
    }`;
  new Worker(code, { eval: true, workerData: { budget: budgetMiB, message: OVER_BUDGET } }).unref();
}

/** V8's old-space limit for a memory budget: 70 %, the rest for what lives outside V8's heap (the history's typed arrays, the young generation, code). */
export function heapLimitFor(budgetMiB: number): number {
  return Math.max(64, Math.floor(budgetMiB * 0.7));
}

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
  let arraysAfterSim = 0;
  let events = 0;
  const run = runModel(scenario, scenario.models[0]!, scenario.seed, {
    onSimulation: (phase, sim) => {
      if (phase !== 'end') return;
      simEnded = performance.now();
      events = sim.eventsProcessed;
      heapAfterSim = heapMiB();
      arraysAfterSim = process.memoryUsage().arrayBuffers / MIB;
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
    peakRssMiB: peakRssMiB(),
    heapAfterSimMiB: heapAfterSim,
    arraysAfterSimMiB: arraysAfterSim,
    keptBytesPerOp: ops === 0 ? 0 : ((heapAfterSim + arraysAfterSim) * MIB) / ops,
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
 * `--child`) whose resident memory may not exceed `memoryMiB` (the watchdog
 * kills it) and whose V8 heap is limited to `heapMiB`: a run that needs more
 * dies, which is reported as such.
 */
export function measureLongInChild(minutes: number, memoryMiB: number, heapMiB: number): ChildOutcome {
  const script = process.argv[1]!;
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${heapMiB}`, '--expose-gc', script, 'bench', 'long', '--child', String(minutes), '--memory', String(memoryMiB)],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status === 0 && line.startsWith('{')) return { figure: JSON.parse(line) as LongFigure };
  const why = child.stderr.includes(OVER_BUDGET)
    ? `killed: resident memory exceeded ${memoryMiB} MiB`
    : /heap out of memory|Allocation failed/i.test(child.stderr)
      ? `heap exhausted (V8 heap limit ${heapMiB} MiB)`
      : `exit ${child.status ?? child.signal}: ${child.stderr.trim().split('\n').slice(-3).join(' / ')}`;
  return { figure: null, failure: why };
}
