import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { raftsimBin } from './bin.ts';
import { US_PER_S, type Us } from '../core/time.ts';
import { runScenario, type CheckStep, type RunOptions, type RunResult } from '../run/run.ts';
import { loadScenario } from '../scenario/load.ts';
import { table } from '../cli/format.ts';
import { summaryJson } from '../cli/summary-json.ts';

/**
 * `raftsim bench run`: whole runs timed end to end, as a user runs them
 * (`raftsim run FILE --json`, from process start to the JSON summary), in
 * this process and as fresh processes, beside the event loop alone of the
 * same run, with the share of each phase. A benchmark may read the wall
 * clock; the simulation never does: every run here is the same pure
 * function of its scenario and seed as `raftsim run`.
 */

/** The phases of a run, in order. `startUp` ends at the first simulated event. */
export const PHASES = ['startUp', 'simulation', 'safety', 'figures', 'linearizability', 'report'] as const;
export type Phase = (typeof PHASES)[number];
export type Phases = Record<Phase, number>;

/** The standard workload of `raftsim bench speed` (src/bench/speed.ts) as a scenario file: Raft only, 600 s, and the 1 s of settling a file must have. */
export function standardWorkloadYaml(durationS = 600): string {
  return [
    'name: standard-workload',
    'description: >-',
    '  The standard workload of raftsim bench speed and bench run: 5 nodes, 3',
    '  clients (about 100 operations a second in total), no faults.',
    `duration: ${durationS}s`,
    'settle: 1s',
    'nodes: 5',
    'network: { latency: 1ms..3ms }',
    'models:',
    '  - kind: raft',
    'workload: { clients: 3, interval: 24ms, timeout: 1s, keys: 3, reads: 0.5 }',
    '',
  ].join('\n');
}

/** What one run of one scenario file did and how long each phase took, in milliseconds. */
export interface TimedRun {
  /** Wall time of the whole run, in ms. In process: from reading the file to the JSON summary. Fresh: from spawning the process to its exit. */
  readonly totalMs: number;
  /** The event loops alone (first event to last, every model). */
  readonly loopMs: number;
  /**
   * CPU time (user and system, every thread of the process: the compiler's
   * and the collector's helpers too), ms: of the event loops, and of the
   * whole run (fresh process: from its start to the summary). Less disturbed
   * than wall time by other jobs on a busy machine.
   */
  readonly loopCpuMs: number;
  readonly cpuMs: number;
  /** Time per phase, ms; they add up to totalMs. In a fresh process startUp also holds starting node and loading the code (`bootMs`). */
  readonly phases: Phases;
  /** Fresh process only: from spawning it to its first line of raftsim's code running (node's start and module loading). */
  readonly bootMs?: number;
  /** Fresh process only: the process's peak resident memory (MiB). */
  readonly peakRssMiB?: number;
  /** Fresh process only: resident memory when the command started, before the scenario was read (MiB). */
  readonly startRssMiB?: number;
  /** Fresh process only: the code ran from the bundle in dist/ (false: from the sources through tsx). */
  readonly bundled?: boolean;
}

/** The facts of a run that do not vary with the machine. */
export interface RunFacts {
  readonly simSeconds: number;
  readonly events: number;
  readonly ops: number;
  readonly traceHashes: readonly string[];
}

/** Clocks of one run, as the hooks see them (performance.now() of the process that runs it). */
interface Marks {
  /** Before reading the file. */
  t0: number;
  /** Before the first event of the first model. */
  firstEvent: number;
  /** Per phase, accumulated. */
  phases: Phases;
  loopMs: number;
  loopCpuMs: number;
  /** CPU time used before reading the file, and when the summary was written. */
  cpu0: number;
  cpuEnd: number;
  /** The clock at the previous mark, and the phase it began. */
  last: number;
  current: Phase;
}

function newMarks(t0: number): Marks {
  return {
    t0,
    firstEvent: NaN,
    phases: { startUp: 0, simulation: 0, safety: 0, figures: 0, linearizability: 0, report: 0 },
    loopMs: 0,
    loopCpuMs: 0,
    cpu0: cpuMs(),
    cpuEnd: NaN,
    last: t0,
    current: 'startUp',
  };
}

/** CPU time of this process so far (user and system, all threads), ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function mark(m: Marks, next: Phase, now = performance.now()): void {
  m.phases[m.current] += now - m.last;
  m.last = now;
  m.current = next;
}

const CHECK_PHASE: Record<CheckStep, Phase> = { figures: 'figures', linearizability: 'linearizability', verdict: 'safety', done: 'safety' };

/**
 * What `raftsim run FILE --json` does, with each phase timed: reading and
 * checking the file, building each model, its event loop, the checks after
 * it, the summary as JSON, written with `write`. Building the second
 * model onwards counts as simulation; what the run layer does between the
 * end of a loop and the first check (convergence, the violations, the
 * authoritative log), and the promises and the verdict, as safety.
 */
export function timedRunOf(file: string, write: (text: string) => void, t0 = performance.now()): { marks: Marks; result: RunResult } {
  const m = newMarks(t0);
  let loopStart = 0;
  let loopCpu = 0;
  const options: RunOptions = {
    onSimulation: (phase) => {
      const now = performance.now();
      if (phase === 'start') {
        if (Number.isNaN(m.firstEvent)) m.firstEvent = now;
        loopStart = now;
        loopCpu = cpuMs();
        mark(m, 'simulation', now);
      } else {
        m.loopMs += now - loopStart;
        m.loopCpuMs += cpuMs() - loopCpu;
        mark(m, 'safety', now);
      }
    },
    onCheck: (step) => mark(m, step === 'done' ? 'report' : CHECK_PHASE[step]),
  };
  const scenario = loadScenario(file);
  const result = runScenario(scenario, options);
  // A later model's building counts as simulation; the expectations and the JSON summary, as report.
  write(JSON.stringify(summaryJson(result)) + '\n');
  mark(m, 'report');
  m.cpuEnd = cpuMs();
  return { marks: m, result };
}

function factsOf(result: RunResult, durationUs: Us, settleUs: Us): RunFacts {
  const simSeconds = (result.untilMs !== undefined ? result.untilMs * 1000 : durationUs + settleUs) / US_PER_S;
  return {
    simSeconds: simSeconds * result.runs.length,
    events: result.runs.reduce((a, r) => a + r.summary.events, 0),
    ops: result.runs.reduce((a, r) => a + r.summary.ops.ok + r.summary.ops.fail + r.summary.ops.info, 0),
    traceHashes: result.runs.map((r) => r.summary.traceHash),
  };
}

/** One in-process run of `file` (its output thrown away). */
export function inProcess(file: string): { timed: TimedRun; facts: RunFacts } {
  const { marks, result } = timedRunOf(file, () => {});
  const scenario = loadScenario(file);
  return {
    timed: { totalMs: marks.last - marks.t0, loopMs: marks.loopMs, loopCpuMs: marks.loopCpuMs, cpuMs: marks.cpuEnd - marks.cpu0, phases: { ...marks.phases } },
    facts: factsOf(result, scenario.durationUs, scenario.settleUs),
  };
}

/**
 * The warm-up timeline: the wall time (ms from the first event) at which a
 * run's loop reaches each of `marksS` simulated seconds. Each mark is an
 * event of its own (`Simulator.at`) that only reads the clock, so this run
 * handles a few more events than `raftsim run` and is timed apart from the
 * phases; what it is for is the shape: how much slower a fresh process's
 * loop is at its start (code not compiled yet) than later.
 */
export function timelineOf(file: string, marksS: readonly number[]): number[] {
  const scenario = loadScenario(file);
  const at: number[] = [];
  let t0 = 0;
  runScenario(scenario, {
    onSimulation: (phase, sim) => {
      if (phase !== 'start' || t0 !== 0) return;
      t0 = performance.now();
      const from = sim.nowUs;
      for (const s of marksS) sim.at(from + s * US_PER_S, () => at.push(performance.now() - t0));
    },
  });
  return at;
}

/** The simulated seconds the timeline marks for a workload of `seconds`: a sixtieth, a thirtieth, a twelfth, a sixth, a half, the end. */
export function timelineMarks(seconds: number): number[] {
  return [seconds / 60, seconds / 30, seconds / 12, seconds / 6, seconds / 2, seconds];
}

/** The child's report, one line on stderr after this prefix. */
const CHILD_PREFIX = 'raftsim-bench-run ';

/** A fresh process's side (`raftsim bench run --child FILE`): the run as `raftsim run FILE --json` does it, the summary on stdout, the clocks on stderr. */
export function childRun(file: string, out: (text: string) => void, err: (text: string) => void, timelineS?: readonly number[]): void {
  if (timelineS !== undefined) {
    err(CHILD_PREFIX + JSON.stringify({ timeline: timelineOf(file, timelineS) }) + '\n');
    return;
  }
  const t0 = performance.now();
  const startRss = process.memoryUsage.rss();
  const { marks } = timedRunOf(file, out, t0);
  const origin = performance.timeOrigin;
  err(
    CHILD_PREFIX +
      JSON.stringify({
        // Absolute (epoch ms, high resolution) so that the parent can measure from the moment it spawned the process.
        commandAt: origin + marks.t0,
        firstEventAt: origin + marks.firstEvent,
        endAt: origin + marks.last,
        loopMs: marks.loopMs,
        loopCpuMs: marks.loopCpuMs,
        // From the process's start: node's own start and the loading of the code included.
        cpuMs: marks.cpuEnd,
        phases: marks.phases,
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        startRssMiB: startRss / 2 ** 20,
        bundled: /\/dist\/[^/]*$/.test(new URL(import.meta.url).pathname),
      }) +
      '\n',
  );
}

/** One fresh process running `raftsim bench run --child FILE`, timed from its spawn to its exit, its phases from its own clocks. */
export function freshPhases(file: string): TimedRun {
  const spawnAt = performance.timeOrigin + performance.now();
  const report = childReport(file, []);
  const exitAt = performance.timeOrigin + performance.now();
  const c = report as {
    commandAt: number;
    firstEventAt: number;
    endAt: number;
    loopMs: number;
    loopCpuMs: number;
    cpuMs: number;
    phases: Phases;
    peakRssMiB: number;
    startRssMiB: number;
    bundled: boolean;
  };
  const phases = { ...c.phases };
  // Everything before the command's first line is start-up; the process's exit after the summary is report.
  phases.startUp += c.commandAt - spawnAt;
  phases.report += exitAt - c.endAt;
  return {
    totalMs: exitAt - spawnAt,
    loopMs: c.loopMs,
    loopCpuMs: c.loopCpuMs,
    cpuMs: c.cpuMs,
    phases,
    bootMs: c.commandAt - spawnAt,
    peakRssMiB: c.peakRssMiB,
    startRssMiB: c.startRssMiB,
    bundled: c.bundled,
  };
}

/** The warm-up timeline (see timelineOf) of a fresh process (`raftsim bench run --child FILE --timeline S,...`). */
export function freshTimeline(file: string, marksS: readonly number[]): number[] {
  return (childReport(file, ['--timeline', marksS.join(',')]) as { timeline: number[] }).timeline;
}

/** Runs `raftsim bench run --child FILE ...extra` in a fresh process and returns the report it writes on stderr. */
function childReport(file: string, extra: readonly string[]): unknown {
  const child = spawnSync(process.execPath, [raftsimBin(), 'bench', 'run', '--child', file, ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = child.stderr.split('\n').find((l) => l.startsWith(CHILD_PREFIX));
  if (child.status !== 0 || line === undefined) throw new Error(`bench run: the fresh process for ${file} failed (exit ${child.status ?? child.signal}): ${child.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return JSON.parse(line.slice(CHILD_PREFIX.length));
}

/** `raftsim run FILE --json` itself in a fresh process, from spawn to exit (ms): the figure a user sees. */
export function freshCommand(file: string): number {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, [raftsimBin(), 'run', file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  // Exit 1 is a run whose verdict failed (scenarios/bugs/): still a whole run.
  if (child.status !== 0 && child.status !== 1) throw new Error(`bench run: raftsim run ${file} --json failed (exit ${child.status ?? child.signal}): ${child.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return ms;
}

/** A command of the binary in a fresh process, from spawn to exit (ms). */
export function freshStartUp(args: readonly string[]): number {
  const t0 = performance.now();
  spawnSync(process.execPath, [raftsimBin(), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return performance.now() - t0;
}

/** node itself, doing nothing (ms from spawn to exit): the floor under every start-up figure. */
export function freshNode(): number {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  return performance.now() - t0;
}

export interface Figure {
  readonly best: number;
  readonly median: number;
}

function figureOf(samples: readonly number[]): Figure {
  const s = [...samples].sort((a, b) => a - b);
  return { best: s[0] ?? NaN, median: s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2 };
}

/** The run with the smallest total, and the median total. */
function bestRun(runs: readonly TimedRun[]): TimedRun {
  return runs.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
}

export interface ScenarioFigures {
  readonly file: string;
  readonly facts: RunFacts;
  /** The best of the in-process runs (after one to warm up). */
  readonly inProcess: TimedRun;
  /** The best of the fresh `raftsim bench run --child` processes (phases). */
  readonly freshPhases: TimedRun;
  /** `raftsim run FILE --json` in fresh processes: best and median, ms. */
  readonly freshCommandMs: Figure;
  /** The least CPU time of a whole run: in process, and in a fresh process (from its start to the summary), ms. */
  readonly inProcessCpuMs: number;
  readonly freshCpuMs: number;
}

export interface RunBenchReport {
  readonly repeat: number;
  /** The standard workload's own figures, with the loop alone beside them. */
  readonly standard: ScenarioFigures & {
    /** The event loop alone, best of the in-process runs: simulated seconds per wall second. */
    readonly loopSimSecondsPerWallSecond: number;
    readonly inProcessSimSecondsPerWallSecond: number;
    readonly freshSimSecondsPerWallSecond: number;
    /** The fresh command's rate (best) against the loop's (best), the same benchmark run. */
    readonly freshRatioToLoop: number;
    readonly inProcessRatioToLoop: number;
    /** Peak resident memory of a fresh run, less what the process held before reading the scenario, per client operation. */
    readonly bytesPerOp: number;
    /** The same comparison in CPU time (ms; every thread): the loop alone (best), a whole run in process (best), a fresh process from its start to the summary (best), and the ratio loop / fresh. */
    readonly cpu: { readonly loopMs: number; readonly inProcessMs: number; readonly freshMs: number; readonly freshRatioToLoop: number };
    /** Wall ms from the first event to each of `simSeconds`: fresh processes (median per mark) and in this process, warm (best per mark). */
    readonly timeline: { readonly simSeconds: readonly number[]; readonly freshMs: readonly number[]; readonly warmMs: readonly number[] };
    /**
     * The most a fresh process could reach against the loop alone, from the same
     * benchmark run, if what follows its loop cost nothing: `checksFree`, its
     * start-up as measured (spawn to the first event, best) plus its loop (the
     * fastest fresh timeline to the end); `checksAndStartUpFree`, node's own
     * start (`node -e 0`, best) plus that loop. The loop of a fresh process runs
     * code V8 has not compiled yet, which no change to the checks or the
     * start-up touches.
     */
    readonly ceiling: { readonly freshLoopMs: number; readonly checksFree: number; readonly checksAndStartUpFree: number };
  };
  /** Start-up: node doing nothing, `raftsim --help`, `raftsim validate FILE`, and spawn to the first simulated event of the standard workload (best and median, ms). */
  readonly startUp: { readonly node: Figure; readonly help: Figure; readonly validate: Figure; readonly firstEvent: Figure; readonly bundled: boolean };
  readonly scenarios: readonly ScenarioFigures[];
}

export interface RunBenchOptions {
  /** Timed runs per figure of the standard workload (default 5). */
  readonly repeat: number;
  /** Scenario files to time beside it (each: 1 fresh phases run, `scenarioRepeat` of the rest). */
  readonly files: readonly string[];
  readonly scenarioRepeat: number;
  /** The standard workload's simulated length, seconds (default 600). */
  readonly standardSeconds: number;
  readonly progress?: (what: string) => void;
}

/** The scenario files in the box: every scenarios/**\/*.yaml of the repository this code runs from, sorted. */
export function boxScenarios(): string[] {
  const root = join(dirname(raftsimBin()), '..', 'scenarios');
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.yaml')) out.push(path);
    }
  };
  walk(root);
  return out.sort();
}

function timeScenario(file: string, repeat: number, freshRuns: number, progress: (what: string) => void, label: string): ScenarioFigures {
  progress(`${label}: in process`);
  let facts: RunFacts | null = null;
  const inRuns: TimedRun[] = [];
  // The first run warms the JIT and is not counted.
  for (let i = 0; i <= repeat; i++) {
    const r = inProcess(file);
    facts ??= r.facts;
    if (i > 0 || repeat === 0) inRuns.push(r.timed);
  }
  const phases: TimedRun[] = [];
  const commands: number[] = [];
  // Fresh processes take turns: a phases child, then the command itself.
  for (let i = 0; i < freshRuns; i++) {
    progress(`${label}: fresh process ${i + 1} of ${freshRuns}`);
    phases.push(freshPhases(file));
    commands.push(freshCommand(file));
  }
  return {
    file,
    facts: facts!,
    inProcess: bestRun(inRuns),
    freshPhases: bestRun(phases),
    freshCommandMs: figureOf(commands),
    inProcessCpuMs: Math.min(...inRuns.map((r) => r.cpuMs)),
    freshCpuMs: Math.min(...phases.map((r) => r.cpuMs)),
  };
}

export function runBench(options: RunBenchOptions): RunBenchReport {
  const progress = options.progress ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'raftsim-bench-run-'));
  try {
    const file = join(dir, 'standard-workload.yaml');
    writeFileSync(file, standardWorkloadYaml(options.standardSeconds));
    // The disk cache and the bundle's first load warm up before anything is timed.
    freshStartUp(['--version']);
    freshNode();
    const repeat = options.repeat;
    const std = timeScenario(file, repeat, repeat, progress, 'standard workload');
    // The loop alone: the fastest loop of the in-process runs (the loops of the best total may be slower).
    progress('standard workload: the event loop alone');
    const loops: number[] = [];
    const loopCpus: number[] = [];
    for (let i = 0; i < repeat; i++) {
      const t = inProcess(file).timed;
      loops.push(t.loopMs);
      loopCpus.push(t.loopCpuMs);
    }
    const loopMs = Math.min(std.inProcess.loopMs, ...loops);
    const loopCpuMs = Math.min(std.inProcess.loopCpuMs, ...loopCpus);
    const sim = std.facts.simSeconds;
    const rate = (ms: number) => sim / (ms / 1000);
    const peakBytes = (std.freshPhases.peakRssMiB! - std.freshPhases.startRssMiB!) * 2 ** 20;

    progress('standard workload: the warm-up timeline');
    const marks = timelineMarks(options.standardSeconds);
    const fresh: number[][] = [];
    const warm: number[][] = [];
    for (let i = 0; i < Math.min(repeat, 3); i++) {
      fresh.push(freshTimeline(file, marks));
      warm.push(timelineOf(file, marks));
    }
    const perMark = (runs: number[][], pick: (xs: number[]) => number) => marks.map((_, k) => pick(runs.map((r) => r[k]!)));
    const timeline = { simSeconds: marks, freshMs: perMark(fresh, (xs) => figureOf(xs).median), warmMs: perMark(warm, (xs) => Math.min(...xs)) };
    const freshLoopMs = Math.min(...fresh.map((r) => r[r.length - 1]!));

    progress('start-up');
    const node: number[] = [];
    const help: number[] = [];
    const validate: number[] = [];
    const firstEvent: number[] = [];
    let bundled = true;
    for (let i = 0; i < repeat; i++) {
      node.push(freshNode());
      help.push(freshStartUp(['--help']));
      validate.push(freshStartUp(['validate', file]));
      const p = freshPhases(file);
      bundled &&= p.bundled === true;
      firstEvent.push(p.phases.startUp);
    }

    const scenarios: ScenarioFigures[] = [];
    options.files.forEach((f, i) => {
      scenarios.push(timeScenario(f, options.scenarioRepeat, 1, progress, `${i + 1}/${options.files.length} ${relative(process.cwd(), f)}`));
    });
    return {
      repeat,
      standard: {
        ...std,
        loopSimSecondsPerWallSecond: rate(loopMs),
        inProcessSimSecondsPerWallSecond: rate(std.inProcess.totalMs),
        freshSimSecondsPerWallSecond: rate(std.freshCommandMs.best),
        freshRatioToLoop: loopMs / std.freshCommandMs.best,
        inProcessRatioToLoop: loopMs / std.inProcess.totalMs,
        bytesPerOp: peakBytes / Math.max(1, std.facts.ops),
        cpu: { loopMs: loopCpuMs, inProcessMs: std.inProcessCpuMs, freshMs: std.freshCpuMs, freshRatioToLoop: loopCpuMs / std.freshCpuMs },
        timeline,
        ceiling: {
          freshLoopMs,
          checksFree: loopMs / (figureOf(firstEvent).best + freshLoopMs),
          checksAndStartUpFree: loopMs / (figureOf(node).best + freshLoopMs),
        },
      },
      startUp: { node: figureOf(node), help: figureOf(help), validate: figureOf(validate), firstEvent: figureOf(firstEvent), bundled },
      scenarios,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The goals of the issue: a fresh run at least 60 % of the loop's rate; the first simulated event within 150 ms of the process's start. */
export const RUN_GOALS = { freshRatioToLoop: 0.6, firstEventMs: 150 } as const;

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function timedJson(t: TimedRun): unknown {
  const phases: Record<string, number> = {};
  const shares: Record<string, number> = {};
  for (const p of PHASES) {
    phases[p] = r1(t.phases[p]);
    shares[p] = r3(t.phases[p] / t.totalMs);
  }
  return {
    totalMs: r1(t.totalMs),
    loopMs: r1(t.loopMs),
    loopShare: r3(t.loopMs / t.totalMs),
    loopCpuMs: r1(t.loopCpuMs),
    cpuMs: r1(t.cpuMs),
    phasesMs: phases,
    shares,
    ...(t.bootMs !== undefined ? { bootMs: r1(t.bootMs) } : {}),
    ...(t.peakRssMiB !== undefined ? { peakRssMiB: r1(t.peakRssMiB) } : {}),
    ...(t.startRssMiB !== undefined ? { startRssMiB: r1(t.startRssMiB) } : {}),
    ...(t.bundled !== undefined ? { bundled: t.bundled } : {}),
  };
}

function figureJson(f: Figure): unknown {
  return { bestMs: r1(f.best), medianMs: r1(f.median) };
}

function scenarioJson(s: ScenarioFigures): unknown {
  return {
    file: relative(process.cwd(), s.file) || s.file,
    simSeconds: s.facts.simSeconds,
    events: s.facts.events,
    ops: s.facts.ops,
    traceHashes: s.facts.traceHashes,
    inProcess: timedJson(s.inProcess),
    freshProcess: timedJson(s.freshPhases),
    freshCommand: figureJson(s.freshCommandMs),
  };
}

export function runBenchJson(r: RunBenchReport): unknown {
  const s = r.standard;
  return {
    repeat: r.repeat,
    goals: RUN_GOALS,
    standard: {
      ...(scenarioJson(s) as object),
      file: 'standard-workload.yaml',
      loopSimSecondsPerWallSecond: r1(s.loopSimSecondsPerWallSecond),
      inProcessSimSecondsPerWallSecond: r1(s.inProcessSimSecondsPerWallSecond),
      freshSimSecondsPerWallSecond: r1(s.freshSimSecondsPerWallSecond),
      inProcessRatioToLoop: r3(s.inProcessRatioToLoop),
      freshRatioToLoop: r3(s.freshRatioToLoop),
      bytesPerOp: Math.round(s.bytesPerOp),
      cpu: { loopMs: r1(s.cpu.loopMs), inProcessMs: r1(s.cpu.inProcessMs), freshMs: r1(s.cpu.freshMs), freshRatioToLoop: r3(s.cpu.freshRatioToLoop) },
      timeline: { simSeconds: s.timeline.simSeconds.map(r1), freshMs: s.timeline.freshMs.map(r1), warmMs: s.timeline.warmMs.map(r1) },
      ceiling: { freshLoopMs: r1(s.ceiling.freshLoopMs), checksFree: r3(s.ceiling.checksFree), checksAndStartUpFree: r3(s.ceiling.checksAndStartUpFree) },
    },
    startUp: {
      node: figureJson(r.startUp.node),
      help: figureJson(r.startUp.help),
      validate: figureJson(r.startUp.validate),
      firstEvent: figureJson(r.startUp.firstEvent),
      bundled: r.startUp.bundled,
    },
    scenarios: r.scenarios.map(scenarioJson),
  };
}

const tbl = (header: readonly string[], rows: readonly (readonly string[])[]): string => table(header, rows).trimEnd();
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const ms = (x: number) => `${x.toFixed(0)} ms`;

function phaseRow(label: string, t: TimedRun): string[] {
  return [label, ms(t.totalMs), ...PHASES.map((p) => pct(t.phases[p] / t.totalMs))];
}

export function runBenchText(r: RunBenchReport): string {
  const s = r.standard;
  const out: string[] = [];
  out.push(
    `Standard workload (as bench speed): 5 nodes, 3 clients, ${s.facts.simSeconds} simulated s, Raft, seed 1: ${s.facts.events} events, ${s.facts.ops} client operations; best of ${r.repeat}`,
  );
  out.push('');
  out.push(
    tbl(
      ['', 'wall', 'sim s per wall s', 'of the loop alone'],
      [
        ['event loop alone (in process)', ms(s.loopSimSecondsPerWallSecond > 0 ? (s.facts.simSeconds / s.loopSimSecondsPerWallSecond) * 1000 : NaN), s.loopSimSecondsPerWallSecond.toFixed(0), '100 %'],
        ['end to end, in process', ms(s.inProcess.totalMs), s.inProcessSimSecondsPerWallSecond.toFixed(0), pct(s.inProcessRatioToLoop)],
        [`end to end, fresh process: raftsim run FILE --json (median ${ms(s.freshCommandMs.median)})`, ms(s.freshCommandMs.best), s.freshSimSecondsPerWallSecond.toFixed(0), pct(s.freshRatioToLoop)],
      ],
    ),
  );
  out.push(
    `in CPU time (every thread; less disturbed by other jobs): loop alone ${ms(s.cpu.loopMs)}, whole run in process ${ms(s.cpu.inProcessMs)}, fresh process ${ms(s.cpu.freshMs)}: ${pct(s.cpu.freshRatioToLoop)} of the loop alone's rate`,
  );
  out.push('');
  out.push('where the time goes (share of the wall time):');
  out.push(tbl(['', 'wall', ...PHASES], [phaseRow('in process', s.inProcess), phaseRow('fresh process', s.freshPhases)]));
  const tl = s.timeline;
  const sinceMark = (xs: readonly number[], k: number) => xs[k]! - (k === 0 ? 0 : xs[k - 1]!);
  out.push('');
  out.push('warm-up: wall time from the first event to each simulated time (fresh process: median; warm: in this process, best), and for each stretch:');
  out.push(
    tbl(
      ['simulated s', ...tl.simSeconds.map((x) => x.toFixed(0))],
      [
        ['fresh process', ...tl.freshMs.map(ms)],
        ['warm', ...tl.warmMs.map(ms)],
        ['fresh / warm, per stretch', ...tl.simSeconds.map((_, k) => `${(sinceMark(tl.freshMs, k) / sinceMark(tl.warmMs, k)).toFixed(1)}x`)],
      ],
    ),
  );
  out.push('');
  out.push(
    `memory: peak RSS ${s.freshPhases.peakRssMiB!.toFixed(0)} MiB (${s.freshPhases.startRssMiB!.toFixed(0)} MiB before reading the scenario): ${s.bytesPerOp.toFixed(0)} bytes per client operation`,
  );
  out.push('');
  const u = r.startUp;
  out.push(`start-up, fresh processes (best / median)${u.bundled ? '' : ' — NOT from the bundle in dist/: run npm run build'}:`);
  out.push(
    tbl(
      ['', 'best', 'median'],
      [
        ['node -e 0', ms(u.node.best), ms(u.node.median)],
        ['raftsim --help', ms(u.help.best), ms(u.help.median)],
        ['raftsim validate FILE', ms(u.validate.best), ms(u.validate.median)],
        ['spawn to the first simulated event', ms(u.firstEvent.best), ms(u.firstEvent.median)],
      ],
    ),
  );
  const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
  out.push('goals:');
  out.push(`  fresh process end to end >= ${pct(RUN_GOALS.freshRatioToLoop)} of the loop alone: ${goal(s.freshRatioToLoop >= RUN_GOALS.freshRatioToLoop)} (${pct(s.freshRatioToLoop)})`);
  out.push(
    `  at most, with this loop: ${pct(s.ceiling.checksFree)} if the checks and the report took no time (spawn to the first event, best, and a fresh loop of ${ms(s.ceiling.freshLoopMs)}, best); ${pct(s.ceiling.checksAndStartUpFree)} if raftsim's start-up took no more than node's own too`,
  );
  out.push(`  first simulated event within ${RUN_GOALS.firstEventMs} ms of the process's start: ${goal(u.firstEvent.best < RUN_GOALS.firstEventMs)} (best ${ms(u.firstEvent.best)}, median ${ms(u.firstEvent.median)})`);
  if (r.scenarios.length > 0) {
    out.push('');
    out.push('the scenarios in the box (in process: best of the timed runs; fresh: raftsim run FILE --json, best):');
    out.push(
      tbl(
        ['scenario', 'sim s', 'events', 'loop', 'in process', 'loop share', 'fresh', 'fresh: start-up', 'checks', 'report'],
        r.scenarios.map((x) => {
          const f = x.freshPhases;
          const checks = f.phases.safety + f.phases.figures + f.phases.linearizability;
          return [
            relative(process.cwd(), x.file) || x.file,
            String(x.facts.simSeconds),
            String(x.facts.events),
            ms(x.inProcess.loopMs),
            ms(x.inProcess.totalMs),
            pct(x.inProcess.loopMs / x.inProcess.totalMs),
            ms(x.freshCommandMs.best),
            pct(f.phases.startUp / f.totalMs),
            pct(checks / f.totalMs),
            pct(f.phases.report / f.totalMs),
          ];
        }),
      ),
    );
  }
  return out.join('\n') + '\n';
}

