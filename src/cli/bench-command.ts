import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  BOTTOM_LINES,
  NO_RANDOMNESS_TRIALS_MAX,
  PAPER_SETUP,
  TOP_LINES,
  figure16,
  type CrashTiming,
  type ElectionSetup,
  type Figure16,
  type LineResult,
  type LogShape,
  type TimeoutRange,
} from '../bench/election.ts';
import { formatMs, svgPlot, terminalPlot, type Graph } from '../bench/plot.ts';
import { SEEK_GOAL_MS, seekBench, seekJson, seekText } from '../bench/seek.ts';
import { heapLimitFor, measureLong, measureLongInChild, startRssWatchdog, type ChildOutcome } from '../bench/long.ts';
import { FUZZ_GOAL_SEEDS_PER_SECOND, FUZZ_GOAL_WORKERS, fuzzBench, fuzzJson, fuzzText } from '../bench/fuzz.ts';
import { TUI_GOALS } from '../bench/tui-goals.ts';
import { SPEED_GOALS, speed, type LoopFigure, type SpeedReport } from '../bench/speed.ts';
import { boxScenarios, childRun, runBench, runBenchJson, runBenchText, RUN_GOALS } from '../bench/run.ts';
import { loadScenario } from '../scenario/load.ts';
import { UsageError } from '../core/errors.ts';
import { parseDuration, parseDurationRange, US_PER_MS, US_PER_S, type Us } from '../core/time.ts';
import { parse, parseSeed } from './args.ts';
import { checkOutputFile } from './outputs.ts';
import { table } from './format.ts';
import { EXIT_BAD_INPUT, EXIT_OK, type CliIo } from './io.ts';

const BENCH_HELP = `Usage: raftsim bench election|speed|run|long|seek|tui|fuzz [options]

  election   reproduce Figure 16 of the Raft paper: time to replace a crashed leader
  speed      simulated events per second, against the bare event loop
  run        whole runs end to end (in process and fresh processes) beside the loop alone, phase by phase
  long       peak memory and wall time of 1, 10 and 24 simulated hours, with a verdict
  seek       how long going back in time takes (replaying from the start)
  tui        the terminal UI: first frame, frames per second, key latency, idle CPU
  fuzz       raftsim fuzz's seeds per second with 1 and 2 workers, and what a seed costs

See 'raftsim bench election --help', 'raftsim bench speed --help', 'raftsim bench run --help', 'raftsim bench long --help',
'raftsim bench seek --help', 'raftsim bench tui --help' and 'raftsim bench fuzz --help'.
`;

const LONG_HELP = `Usage: raftsim bench long [options]

Runs the long scenario (bench/long-*.yaml: five Raft nodes, 20 clients, a
fault every 10 simulated minutes, each healed a minute later) for each
length given, each in a process of its own whose resident memory may not
exceed --memory (a watchdog kills it), and reports the wall time (the
simulation, then the checks), the peak resident memory (VmHWM), the heap
kept after the simulation and after the checks, and the verdict. A run that
needs more memory dies, and is reported as such.

Options:
  --hours LIST        simulated hours, comma-separated (default 1,10,24;
                      fractions allowed, e.g. 0.5)
  --memory MIB        resident memory budget of each run's process (default 2048)
  --heap MIB          V8 heap limit of each run's process (default 70% of
                      --memory: the rest is for typed arrays, the young
                      generation and code, which live outside V8's heap)
  --json              print one JSON object, {"memoryBudgetMiB": N, "heapLimitMiB": N, "runs": [...]}, and nothing else
  -h, --help          this help
`;

const ELECTION_HELP = `Usage: raftsim bench election [options]

Reproduces Figure 16 of the extended Raft paper (section 9.3): five servers,
the leader crashed at a uniformly random moment within its heartbeat interval
right after a synchronized round of heartbeats, followers whose logs differ so
that two of the four survivors cannot win, heartbeats every half minimum
election timeout; measured is the simulated time from the crash until a new
leader is elected. Every trial is its own simulation, a pure function of
(seed, timeout range, trial index): the same seed prints the same table.

The paper's broadcast time of about 15 ms (round trip plus a disk write) is
modelled as one-way latency uniform in 5..10 ms (round trip 15 ms on average;
the disk write folded in). The options below the line vary one detail of
that set-up at a time, to see what the result depends on.

Options:
  --timeout A..B      an election timeout range, e.g. 150ms..155ms (repeatable);
                      default: the paper's eleven lines, 150..150, 150..151,
                      150..155, 150..175, 150..200, 150..300 (top graph) and
                      12..24, 25..50, 50..100, 100..200, 150..300 (bottom graph)
  --trials N          trials per line (default 1000); a line without randomness
                      (A = B) runs at most ${NO_RANDOMNESS_TRIALS_MAX}, as in the paper: none of its
                      trials elects a leader here (see docs/figure-16.md)
  --seed N            default 1
  --json              print one JSON object, {"lines": [...]}, and nothing else
  --svg FILE          also write both graphs (cumulative distributions) as SVG
  ---------------------------------------------------------------------------
  --latency A..B      one-way message latency (default 5ms..10ms)
  --disk TIME         a disk write that holds back every message sent after
                      persisted state changed (default 0: folded into latency)
  --timer-jitter T    timers fire up to T late, uniformly (default 0: exact)
  --crash WHEN        uniform (default) | after-broadcast | before-heartbeat
  --candidate-timer R reset (default: a candidate that steps down draws a new
                      election timeout) | keep (LogCabin: it keeps its timer)
  --logs SHAPE        distinct (default: 4, 3, 2, 1 entries) | equal
  --limit TIME        give up on a trial this long after the crash (default 100s);
                      such trials are reported as censored, their times as ">"
  -h, --help          this help
`;

const SPEED_HELP = `Usage: raftsim bench speed [options]

Runs the standard workload (5 nodes, 3 clients, about 100 operations per
second in total, 10 simulated minutes, latency 1..3 ms) once for every model
kind this build has, and reports simulated events per wall second and
simulated seconds per wall second, with tracing off and on (to a writer that
discards everything). Beside them, in the same process: the bare event loop,
the event queue alone holding the same number of pending events, each event
scheduling one successor at a random later time. The ratio of the two says
how close the simulator runs to the machine's limit for its design. Only the
event loop is timed, not the checks that follow a run; each figure is the
best of --repeat runs.

Options:
  --duration TIME     simulated length of the workload (default 10m)
  --repeat N          timed runs per figure, the fastest reported (default 5)
  --seed N            default 1
  --json              print one JSON object and nothing else
  --profile FILE      also profile one more Raft run's event loop with V8's
                      sampling profiler: write its .cpuprofile to FILE (open it
                      in Chrome DevTools) and print its self time by source
                      directory. The profiler runs throughout, so the speed
                      figures of that invocation carry its overhead.
  -h, --help          this help
`;

export async function benchCommand(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.out(BENCH_HELP);
    return EXIT_OK;
  }
  // No benchmark named is a usage error, as a bare 'raftsim' is: the help on stderr, exit 2.
  if (sub === undefined) {
    io.err(BENCH_HELP);
    return EXIT_BAD_INPUT;
  }
  if (sub === 'election') return electionCommand(rest, io);
  if (sub === 'speed') return speedCommand(rest, io);
  if (sub === 'run') return runBenchCommand(rest, io);
  if (sub === 'long') return longCommand(rest, io);
  if (sub === 'seek') return seekCommand(rest, io);
  if (sub === 'tui') return tuiCommand(rest, io);
  if (sub === 'fuzz') return fuzzBenchCommand(rest, io);
  throw new UsageError(`bench: unknown benchmark "${sub}"; expected election, speed, run, long, seek, tui or fuzz (see 'raftsim bench --help')`);
}

// ---- election ---------------------------------------------------------------

function electionCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parse(
    args,
    {
      timeout: { type: 'string', multiple: true },
      trials: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      svg: { type: 'string' },
      latency: { type: 'string' },
      disk: { type: 'string' },
      'timer-jitter': { type: 'string' },
      crash: { type: 'string' },
      'candidate-timer': { type: 'string' },
      logs: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'bench election',
  );
  if (values.help) {
    io.out(ELECTION_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`bench election: unexpected argument "${positionals[0]}"; see 'raftsim bench election --help'`);
  // The output is checked before minutes of trials, not after them.
  if (values.svg !== undefined) checkOutputFile('--svg', values.svg, 'figure-16.svg');
  const ranges = values.timeout === undefined ? [...TOP_LINES, ...BOTTOM_LINES] : values.timeout.map(timeoutRange);
  const trials = values.trials === undefined ? 1000 : wholeNumber('--trials', values.trials, 1, 1_000_000);
  const seed = values.seed === undefined ? 1 : parseSeed(values.seed);
  const latency = values.latency === undefined ? null : parseDurationRange(values.latency);
  if (latency === null && values.latency !== undefined) throw new UsageError(`--latency: "${values.latency}" is not a range; expected e.g. 5ms..10ms`);
  const setup: ElectionSetup = {
    ...PAPER_SETUP,
    ...(latency !== null ? { latencyUsMin: latency.minUs, latencyUsMax: latency.maxUs } : {}),
    ...(values.disk !== undefined ? { diskWriteUs: duration('--disk', values.disk) } : {}),
    ...(values['timer-jitter'] !== undefined ? { timerJitterUs: duration('--timer-jitter', values['timer-jitter']) } : {}),
    ...(values.crash !== undefined ? { crash: oneOf<CrashTiming>('--crash', values.crash, ['uniform', 'after-broadcast', 'before-heartbeat']) } : {}),
    ...(values['candidate-timer'] !== undefined
      ? { candidateStepDownResetsTimer: oneOf('--candidate-timer', values['candidate-timer'], ['reset', 'keep']) === 'reset' }
      : {}),
    ...(values.logs !== undefined ? { logs: oneOf<LogShape>('--logs', values.logs, ['distinct', 'equal']) } : {}),
    ...(values.limit !== undefined ? { trialLimitUs: duration('--limit', values.limit, 1) } : {}),
  };

  const started = performance.now();
  const showProgress = io.isTty && !values.json;
  const result = figure16(seed, ranges, trials, setup, (done, total, label) => {
    if (showProgress) io.err(done < total ? `\r  running ${label} (${done + 1}/${total})...          ` : '\r' + ' '.repeat(60) + '\r');
  });
  const wallSeconds = (performance.now() - started) / 1000;

  if (values.svg !== undefined) {
    try {
      writeFileSync(values.svg, svgPlot(graphs(result)));
    } catch (error) {
      throw new UsageError(`--svg: cannot write ${values.svg}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  if (values.json) {
    io.out(JSON.stringify(electionJson(result)) + '\n');
    return EXIT_OK;
  }
  io.out(electionReport(result));
  if (values.svg !== undefined) io.out(`\nwrote ${values.svg}\n`);
  io.err(`(${wallSeconds.toFixed(1)} s of wall time)\n`);
  return EXIT_OK;
}

function timeoutRange(text: string): TimeoutRange {
  const r = parseDurationRange(text);
  if (r === null || !text.includes('..')) throw new UsageError(`--timeout: "${text}" is not a range; expected e.g. 150ms..300ms`);
  if (r.minUs < 2 * US_PER_MS) throw new UsageError(`--timeout: "${text}" is too short; the minimum must be at least 2ms (heartbeats run at half of it)`);
  return r;
}

function duration(flag: string, text: string, minUs = 0): Us {
  const us = parseDuration(text);
  if (us === null || us < minUs) throw new UsageError(`${flag}: "${text}" is not a time; expected e.g. 5ms or 2s`);
  return us;
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag}: "${text}" is not a whole number from ${min} to ${max}`);
  return n;
}

function oneOf<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`${flag}: "${text}" is not one of ${choices.join(', ')}`);
  return text as T;
}

const msOf = (us: number) => Math.round(us) / US_PER_MS;

function electionJson(result: Figure16): unknown {
  return {
    seed: result.seed,
    setup: {
      servers: 5,
      latencyMs: `${msOf(result.setup.latencyUsMin)}ms..${msOf(result.setup.latencyUsMax)}ms`,
      diskWriteMs: msOf(result.setup.diskWriteUs),
      timerJitterMs: msOf(result.setup.timerJitterUs),
      crash: result.setup.crash,
      candidateTimer: result.setup.candidateStepDownResetsTimer ? 'reset' : 'keep',
      logs: result.setup.logs,
      trialLimitMs: msOf(result.setup.trialLimitUs),
    },
    lines: result.lines.map(({ graph, result: line }) => ({
      timeout: line.label,
      graph,
      trials: line.trials,
      meanMs: msOf(line.summary.mean),
      medianMs: msOf(line.summary.median),
      p90Ms: msOf(line.summary.p90),
      p99Ms: msOf(line.summary.p99),
      maxMs: msOf(line.summary.max),
      censored: line.censored,
      meanTerms: Math.round(line.meanTerms * 100) / 100,
    })),
  };
}

function graphs(result: Figure16): Graph[] {
  const series = (graph: 'top' | 'bottom') =>
    result.lines
      .filter((l) => l.graph === graph)
      .map((l) => ({
        // A line whose every trial hit the limit is a vertical step at the limit, at the axis' edge: say so.
        label: l.result.censored === l.result.trials ? `${l.result.label} (no leader within ${formatMs(msOf(result.setup.trialLimitUs))})` : l.result.label,
        sortedMs: Array.from(l.result.downtimesUs, (us) => us / US_PER_MS),
      }));
  const out: Graph[] = [];
  const top = series('top');
  const bottom = series('bottom');
  if (top.length > 0) out.push({ title: 'Randomness added to a 150 ms minimum timeout', log: true, series: top });
  if (bottom.length > 0) out.push({ title: 'Timeout ranges scaled down', log: false, series: bottom });
  return out;
}

function cell(line: LineResult, us: number, quantile: number): string {
  // With censored trials, every figure from the first censored rank on is only a lower bound.
  const censoredFrom = 1 - line.censored / line.trials;
  const bound = line.censored > 0 && quantile > censoredFrom - 1e-9 ? '>' : '';
  return bound + formatMs(us / US_PER_MS);
}

function electionReport(result: Figure16): string {
  const s = result.setup;
  const lines: string[] = [];
  lines.push('Figure 16 (Raft paper, section 9.3): time from the crash of a leader until a new leader is elected');
  lines.push(
    `set-up: 5 servers; one-way latency ${formatMs(msOf(s.latencyUsMin))}..${formatMs(msOf(s.latencyUsMax))}` +
      (s.diskWriteUs > 0 ? ` plus a ${formatMs(msOf(s.diskWriteUs))} disk write before persisted replies` : ' (a 15 ms round trip, disk write folded in)') +
      (s.timerJitterUs > 0 ? `; timers up to ${formatMs(msOf(s.timerJitterUs))} late` : '') +
      `; heartbeats every half minimum timeout; crash ${s.crash === 'uniform' ? 'uniformly within the heartbeat interval' : s.crash} after a synchronized heartbeat;` +
      ` logs ${s.logs === 'distinct' ? '4/3/2/1 entries (two of the four survivors cannot win)' : 'all equal'};` +
      ` candidate step-down ${s.candidateStepDownResetsTimer ? 'resets' : 'keeps'} the election timer; seed ${result.seed}`,
  );
  for (const graph of ['top', 'bottom'] as const) {
    const members = result.lines.filter((l) => l.graph === graph).map((l) => l.result);
    if (members.length === 0) continue;
    lines.push('');
    lines.push(graph === 'top' ? 'Top graph: randomness added to a 150 ms minimum election timeout' : 'Bottom graph: election timeout ranges scaled down');
    const rows = members.map((l) => [
      l.label,
      String(l.trials),
      (l.censored > 0 ? '>' : '') + formatMs(l.summary.mean / US_PER_MS),
      cell(l, l.summary.median, 0.5),
      cell(l, l.summary.p90, 0.9),
      cell(l, l.summary.p99, 0.99),
      cell(l, l.summary.max, 1),
      l.meanTerms.toFixed(2),
      String(l.censored),
    ]);
    lines.push(table(['timeout', 'trials', 'mean', 'median', 'p90', 'p99', 'max', 'terms', 'censored'], rows).trimEnd());
  }
  lines.push('');
  lines.push('terms: elections (terms) per trial on average, 1 = the first election succeeded; censored: no leader within the trial limit.');
  for (const g of graphs(result)) {
    lines.push('');
    lines.push(terminalPlot({ ...g, title: `Cumulative percentage of trials with a new leader — ${g.title.toLowerCase()}` }).trimEnd());
  }
  return lines.join('\n') + '\n';
}

// ---- speed ---------------------------------------------------------------------

function speedCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parse(
    args,
    {
      duration: { type: 'string' },
      repeat: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'bench speed',
  );
  if (values.help) {
    io.out(SPEED_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`bench speed: unexpected argument "${positionals[0]}"; see 'raftsim bench speed --help'`);
  const durationUs = values.duration === undefined ? 600 * US_PER_S : duration('--duration', values.duration, US_PER_S);
  const repeat = values.repeat === undefined ? 5 : wholeNumber('--repeat', values.repeat, 1, 100);
  const seed = values.seed === undefined ? 1 : parseSeed(values.seed);
  if (values.profile !== undefined) checkOutputFile('--profile', values.profile, 'speed.cpuprofile');
  const showProgress = io.isTty && !values.json;
  const report = speed({ seed, durationUs, repeat, profile: values.profile !== undefined, progress: (what) => showProgress && io.err(`\r  ${what}...`.padEnd(60)) });
  if (showProgress) io.err('\r' + ' '.repeat(60) + '\r');
  if (values.profile !== undefined && report.profile !== undefined) {
    try {
      writeFileSync(values.profile, JSON.stringify(report.profile.cpuProfile));
    } catch (error) {
      throw new UsageError(`--profile: cannot write ${values.profile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  if (values.json) {
    io.out(JSON.stringify(speedJson(report)) + '\n');
    return EXIT_OK;
  }
  io.out(speedReport(report));
  return EXIT_OK;
}

function speedJson(report: SpeedReport): unknown {
  const fig = (f: LoopFigure) => ({ eventsPerSecond: f.eventsPerSecond, simSecondsPerWallSecond: f.simSecondsPerWallSecond, ratioToBareLoop: f.ratioToBareLoop });
  return {
    seed: report.seed,
    durationMs: report.durationUs / US_PER_MS,
    repeat: report.repeat,
    bareLoop: report.bareLoop,
    models: Object.fromEntries(
      Object.entries(report.models).map(([name, m]) => [
        name,
        { kind: m.kind, ...fig(m), events: m.events, wallSeconds: m.wallSeconds, opsPerSecond: m.opsPerSecond, traceHash: m.traceHash, tracing: fig(m.tracing) },
      ]),
    ),
    ...(report.unavailable.length > 0 ? { unavailable: report.unavailable } : {}),
    ...(report.profile !== undefined ? { profile: report.profile.breakdown.map((b) => ({ part: b.part, share: Math.round(b.share * 1000) / 1000 })) } : {}),
  };
}

const millions = (n: number) => `${(n / 1e6).toFixed(2)}M`;
const percentOf = (f: number) => `${(f * 100).toFixed(1)}%`;

function speedReport(report: SpeedReport): string {
  const out: string[] = [];
  out.push(
    `Standard workload: 5 nodes, 3 clients (about 100 operations/s in total), ${report.durationUs / US_PER_S} simulated s, latency 1..3 ms, seed ${report.seed}; best of ${report.repeat} runs, event loop only`,
  );
  out.push(`bare event loop: ${millions(report.bareLoop.eventsPerSecond)} events/s (the event queue alone, ${report.bareLoop.pendingEvents} pending events)`);
  out.push('');
  const rows: string[][] = [];
  for (const [name, m] of Object.entries(report.models)) {
    rows.push([name, String(m.events), `${m.wallSeconds.toFixed(3)}s`, millions(m.eventsPerSecond), m.simSecondsPerWallSecond.toFixed(0), percentOf(m.ratioToBareLoop), m.opsPerSecond.toFixed(1)]);
    const t = m.tracing;
    rows.push([`  tracing on`, String(t.events), `${t.wallSeconds.toFixed(3)}s`, millions(t.eventsPerSecond), t.simSecondsPerWallSecond.toFixed(0), percentOf(t.ratioToBareLoop), '']);
  }
  out.push(table(['model', 'events', 'wall', 'events/s', 'sim s per wall s', 'of bare loop', 'ops/s'], rows).trimEnd());
  if (report.unavailable.length > 0) out.push(`not in this build: ${report.unavailable.join(', ')}`);
  const raft = report.models['raft'];
  if (raft !== undefined) {
    const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');
    out.push('');
    out.push('goals, Raft with tracing off:');
    out.push(`  >= ${millions(SPEED_GOALS.eventsPerSecond)} events/s: ${goal(raft.eventsPerSecond >= SPEED_GOALS.eventsPerSecond)} (${millions(raft.eventsPerSecond)})`);
    out.push(`  >= ${percentOf(SPEED_GOALS.ratioToBareLoop)} of the bare loop: ${goal(raft.ratioToBareLoop >= SPEED_GOALS.ratioToBareLoop)} (${percentOf(raft.ratioToBareLoop)})`);
    out.push(
      `  >= ${SPEED_GOALS.simSecondsPerWallSecond} simulated s per wall s: ${goal(raft.simSecondsPerWallSecond >= SPEED_GOALS.simSecondsPerWallSecond)} (${raft.simSecondsPerWallSecond.toFixed(0)})`,
    );
  }
  if (report.profile !== undefined) {
    out.push('');
    out.push('where one Raft event loop spends its time (self time by source directory, sampled every 100 us):');
    for (const b of report.profile.breakdown) if (b.share >= 0.005) out.push(`  ${percentOf(b.share).padStart(6)}  ${b.part}`);
    if (!report.profile.breakdown.some((b) => !b.part.startsWith('other') && b.part !== 'garbage collector')) {
      out.push('  (this ran from the bundle in dist/, one file without directories: for the breakdown run npx tsx src/cli/main.ts bench speed --profile FILE)');
    }
  }
  return out.join('\n') + '\n';
}

// ---- run --------------------------------------------------------------------

const RUN_BENCH_HELP = `Usage: raftsim bench run [options] [FILE...]

Times whole runs as a user runs them, from the start to the JSON summary:
the standard workload of 'raftsim bench speed' (5 nodes, 3 clients, about
100 operations a second, 600 simulated s, Raft; written to a temporary
scenario file with 1 s of settling) and the scenarios in the box
(scenarios/**/*.yaml, or the FILEs given). Each is run in this process and
as fresh processes ('raftsim run FILE --json' itself, timed from spawning
it to its exit, and 'raftsim bench run --child FILE', the same work with
its phases timed by its own clock). Beside them, in this process: the
standard workload's event loop alone. Reported: simulated seconds per wall
second and the ratio to the loop alone; the share of each phase (start-up
up to the first simulated event, simulation, safety checks, figures,
linearizability, report); peak resident memory per client operation; and
start-up of node itself, 'raftsim --help', 'raftsim validate' and up to the
first simulated event; and the warm-up: when a fresh process's loop and a
warm one reach each of six simulated times. Goals: a fresh process at least ${Math.round(100 * RUN_GOALS.freshRatioToLoop)} % of the loop's
rate, the first simulated event within ${RUN_GOALS.firstEventMs} ms of the process's start; beside
the first, its ceiling: the ratio a fresh process would reach if its checks
and report took no time (and if its start-up took no more than node's).

Options:
  --repeat N          timed runs per figure of the standard workload (default 5)
  --scenario-repeat N timed in-process runs per scenario (default 3; 1 fresh process each)
  --duration TIME     the standard workload's simulated length (default 10m)
  --no-scenarios      the standard workload only
  --json              print one JSON object and nothing else
  --child FILE        what the benchmark's fresh processes run: raftsim run
                      FILE --json, its phases timed, the clocks on stderr
  --timeline S,...    with --child: only the wall time at which the loop
                      reaches each of these simulated seconds (the warm-up)
  -h, --help          this help
`;

async function runBenchCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      repeat: { type: 'string' },
      'scenario-repeat': { type: 'string' },
      duration: { type: 'string' },
      'no-scenarios': { type: 'boolean' },
      child: { type: 'string' },
      timeline: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'bench run',
  );
  if (values.help) {
    io.out(RUN_BENCH_HELP);
    return EXIT_OK;
  }
  if (values.child !== undefined) {
    // A fresh process of the benchmark (see freshPhases): what raftsim run FILE --json does, its clocks on stderr.
    const timeline = values.timeline === undefined ? undefined : values.timeline.split(',').map((x) => Number(x));
    if (timeline !== undefined && !timeline.every((x) => Number.isFinite(x) && x > 0)) throw new UsageError(`--timeline: "${values.timeline}" is not a list of simulated seconds; expected e.g. 10,100,600`);
    childRun(values.child, (text) => io.out(text), (text) => io.err(text), timeline);
    return EXIT_OK;
  }
  const repeat = values.repeat === undefined ? 5 : wholeNumber('--repeat', values.repeat, 1, 1000);
  const scenarioRepeat = values['scenario-repeat'] === undefined ? 3 : wholeNumber('--scenario-repeat', values['scenario-repeat'], 1, 1000);
  const durationUs = values.duration === undefined ? 600 * US_PER_S : duration('--duration', values.duration, US_PER_S);
  if (durationUs % US_PER_S !== 0) throw new UsageError(`--duration: "${values.duration}" is not a whole number of seconds; expected e.g. 60s or 10m`);
  for (const f of positionals) loadScenario(f); // bad input is reported before minutes of timing
  const files = values['no-scenarios'] ? [] : positionals.length > 0 ? positionals : boxScenarios();
  const showProgress = io.isTty && !values.json;
  const report = runBench({
    repeat,
    scenarioRepeat,
    standardSeconds: durationUs / US_PER_S,
    files,
    progress: (what) => showProgress && io.err(`\r  ${what}...`.padEnd(72).slice(0, 80)),
  });
  if (showProgress) io.err('\r' + ' '.repeat(80) + '\r');
  io.out(values.json ? JSON.stringify(runBenchJson(report)) + '\n' : runBenchText(report));
  return EXIT_OK;
}

// ---- long -------------------------------------------------------------------

function longCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parse(
    args,
    {
      hours: { type: 'string' },
      memory: { type: 'string' },
      heap: { type: 'string' },
      json: { type: 'boolean' },
      child: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'bench long',
  );
  if (values.help) {
    io.out(LONG_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`bench long: unexpected argument "${positionals[0]}"; see 'raftsim bench long --help'`);
  if (values.child !== undefined) {
    // The measuring process (see measureLongInChild): one JSON line.
    if (values.memory !== undefined) startRssWatchdog(wholeNumber('--memory', values.memory, 64, 1 << 20));
    io.out(JSON.stringify(measureLong(wholeNumber('--child', values.child, 1, 1440))) + '\n');
    return EXIT_OK;
  }
  const hours = (values.hours ?? '1,10,24').split(',').map((h) => {
    const n = Number(h.trim());
    if (!/^\d+(\.\d+)?$/.test(h.trim()) || !(n > 0) || n > 24) throw new UsageError(`--hours: "${h}" is not a number of hours greater than 0 and at most 24`);
    return n;
  });
  const memory = values.memory === undefined ? 2048 : wholeNumber('--memory', values.memory, 64, 1 << 20);
  const heap = values.heap === undefined ? heapLimitFor(memory) : wholeNumber('--heap', values.heap, 64, 1 << 20);
  const results: { hours: number; outcome: ChildOutcome }[] = [];
  for (const h of hours) {
    if (!values.json) io.err(`  running ${h} simulated hour(s)...\n`);
    results.push({ hours: h, outcome: measureLongInChild(Math.max(1, Math.round(h * 60)), memory, heap) });
  }
  if (values.json) {
    io.out(JSON.stringify({ memoryBudgetMiB: memory, heapLimitMiB: heap, runs: results.map((r) => ({ hours: r.hours, ...(r.outcome.figure ?? { failure: r.outcome.failure }) })) }) + '\n');
    return EXIT_OK;
  }
  const rows = results.map(({ hours: h, outcome }) => {
    const f = outcome.figure;
    if (f === null) return [`${h} h`, outcome.failure ?? 'failed', '', '', '', '', '', '', ''];
    return [
      `${h} h`,
      f.ops.toLocaleString('en-US'),
      `${f.simSeconds.toFixed(0)} s + ${f.checkSeconds.toFixed(0)} s`,
      `${f.peakRssMiB.toFixed(0)} MiB`,
      `${f.heapAfterSimMiB.toFixed(0)} MiB`,
      `${f.heapAfterChecksMiB.toFixed(0)} MiB`,
      `${f.keptBytesPerOp.toFixed(0)} B`,
      String(f.linearizable),
      `lost ${f.lostWrites}, stale ${f.staleReads}, dirty ${f.dirtyReads}, violations ${f.violations}`,
    ];
  });
  io.out(`long runs, each in its own process: resident memory budget ${memory} MiB (enforced), V8 heap limit ${heap} MiB\n\n`);
  io.out(table(['simulated', 'client ops', 'wall: sim + checks', 'peak RSS', 'heap after sim', 'after checks', 'kept per op', 'linearizable', 'figures'], rows) + '\n');
  return EXIT_OK;
}

// ---- seek ----------------------------------------------------------------------

const SEEK_HELP = `Usage: raftsim bench seek [options]

Measures going back in time as the terminal UI does it: a scenario of 5 nodes
and 5 clients with Raft beside an asynchronous primary/replica cluster, under
a partition, a heal, a leader crash and a restart, is run to --duration; then
every model seeks back --back (replaying from the start: a run is a pure
function of its inputs), each model alone and all of them at once, and all of
them step back one event. The goal: every model back 10 s of a 60 s scenario
in under ${SEEK_GOAL_MS} ms (the median of --repeat seeks).

Options:
  --duration TIME     where the seek starts (default 60s)
  --back TIME         how far back it goes (default 10s)
  --repeat N          seeks per figure (default 10)
  --seed N            default 1
  --json              print one JSON object and nothing else
  -h, --help          this help
`;

function seekCommand(args: readonly string[], io: CliIo): number {
  const { values, positionals } = parse(
    args,
    {
      duration: { type: 'string' },
      back: { type: 'string' },
      repeat: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'bench seek',
  );
  if (values.help) {
    io.out(SEEK_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`bench seek: unexpected argument "${positionals[0]}"; see 'raftsim bench seek --help'`);
  const durationUs = values.duration === undefined ? 60 * US_PER_S : duration('--duration', values.duration, US_PER_S);
  const backUs = values.back === undefined ? 10 * US_PER_S : duration('--back', values.back);
  if (backUs > durationUs) throw new UsageError(`--back: ${values.back} is longer than --duration; expected at most the duration`);
  const repeat = values.repeat === undefined ? 10 : wholeNumber('--repeat', values.repeat, 1, 1000);
  const seed = values.seed === undefined ? 1 : parseSeed(values.seed);
  const showProgress = io.isTty && !values.json;
  const report = seekBench({ seed, durationUs, backUs, repeat, progress: (what) => showProgress && io.err(`\r  ${what}...`.padEnd(60)) });
  if (showProgress) io.err('\r' + ' '.repeat(60) + '\r');
  io.out(values.json ? JSON.stringify(seekJson(report)) + '\n' : seekText(report));
  return EXIT_OK;
}

// ---- tui -----------------------------------------------------------------------

const TUI_HELP = `Usage: raftsim bench tui [options]

Measures the terminal UI that 'raftsim run FILE' opens on a terminal: the same
UI, mounted the same way, drawing into a fake terminal (a stdout that says it
is a TTY of --cols x --rows and records every frame with the wall time, and a
stdin the benchmark types keys into). Measured: the time from loading the
scenario to the first frame; playing at full speed from the start to the end
(wall time, frames per second, the busiest second; a key plays on at each
note that pauses the run, and that time counts); the time from a key (space)
to the frame that shows its effect (paused), at x1 and at full speed; the
CPU used while paused; and the first screen of the real binary in a
pseudo-terminal made by util-linux's script (tmux where script is missing),
process start included. The goals: first
frame within ${TUI_GOALS.firstFrameMs} ms, at most ${TUI_GOALS.fps} frames a second, a key's effect within
${TUI_GOALS.keyLatencyMs} ms, CPU near zero when paused, the scenario's end within ${TUI_GOALS.endWallMs / 1000} s at full speed.

Options:
  --file FILE         the scenario (default scenarios/cap/split-brain.yaml, as npm start)
  --cols N            the terminal's width (default 100)
  --rows N            the terminal's height (default 30)
  --keys N            keys timed at each speed (default 20)
  --paused TIME       how long the CPU is watched while paused (default 2s)
  --no-tmux           do not time the real binary in a pseudo-terminal
  --json              print one JSON object and nothing else
  -h, --help          this help
`;

async function tuiCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      file: { type: 'string' },
      cols: { type: 'string' },
      rows: { type: 'string' },
      keys: { type: 'string' },
      paused: { type: 'string' },
      'no-tmux': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'bench tui',
  );
  if (values.help) {
    io.out(TUI_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`bench tui: unexpected argument "${positionals[0]}"; see 'raftsim bench tui --help'`);
  if (isInCi()) {
    // Ink draws only the last frame under CI (read once, when Ink loads): the UI is measured as a terminal gets it, in a process without CI.
    const env = { ...process.env };
    delete env['CI'];
    delete env['CONTINUOUS_INTEGRATION'];
    const { raftsimBin } = await import('../bench/bin.ts');
    const child = spawnSync(process.execPath, [raftsimBin(), 'bench', 'tui', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    io.out(child.stdout);
    // Ink restores the cursor at exit (on stderr), though it drew into the benchmark's own streams.
    const err = child.stderr.replaceAll('\x1b[?25h', '');
    if (err !== '') io.err(err);
    return child.status ?? 1;
  }
  const cols = values.cols === undefined ? 100 : wholeNumber('--cols', values.cols, 60, 1000);
  const rows = values.rows === undefined ? 30 : wholeNumber('--rows', values.rows, 20, 1000);
  const keys = values.keys === undefined ? 20 : wholeNumber('--keys', values.keys, 1, 1000);
  const pausedMs = values.paused === undefined ? 2000 : duration('--paused', values.paused, US_PER_MS) / US_PER_MS;
  const file = values.file ?? 'scenarios/cap/split-brain.yaml';
  const { tuiBench, tuiJson, tuiText } = await import('../bench/tui.ts');
  const showProgress = io.isTty && !values.json;
  const report = await tuiBench({ file, cols, rows, keys, pausedMs, tmux: values['no-tmux'] !== true, progress: (what) => showProgress && io.err(`\r  ${what}...`.padEnd(60)) });
  if (showProgress) io.err('\r' + ' '.repeat(60) + '\r');
  io.out(values.json ? JSON.stringify(tuiJson(report)) + '\n' : tuiText(report));
  return EXIT_OK;
}

function isInCi(): boolean {
  const set = (key: string): boolean => key in process.env && process.env[key] !== '0' && process.env[key] !== 'false';
  return set('CI') || set('CONTINUOUS_INTEGRATION');
}

// ---- fuzz ----------------------------------------------------------------------

const FUZZ_BENCH_HELP = `Usage: raftsim bench fuzz [options]

Measures raftsim fuzz on this machine with its default world (--model raft,
no options pinned): the same range of seeds run as a campaign on 1 worker
(this thread) and on --workers K worker threads, each reported in seeds per
wall second (worker start-up included), against the goal of at least
${FUZZ_GOAL_SEEDS_PER_SECOND} seeds a second with ${FUZZ_GOAL_WORKERS} workers. Then --sample seeds are
taken apart in this thread: drawing the world, writing its scenario YAML and
loading it back, building the cluster, the event loop, the checks after it
(client figures, linearizability, promises) and the fuzzer's judging, each
in milliseconds per seed; and the events, nodes and faults of a world on
average. The results of every campaign are checked to be identical.

Options:
  --seeds N           seeds per campaign (default 400)
  --start S           the first seed (default 1)
  --workers K         the worker threads of the second campaign (default ${FUZZ_GOAL_WORKERS})
  --sample N          seeds taken apart (default 100)
  --json              print one JSON object and nothing else
  -h, --help          this help
`;

async function fuzzBenchCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      seeds: { type: 'string' },
      start: { type: 'string' },
      workers: { type: 'string' },
      sample: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'bench fuzz',
  );
  if (values.help) {
    io.out(FUZZ_BENCH_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`bench fuzz: unexpected argument "${positionals[0]}"; see 'raftsim bench fuzz --help'`);
  const seeds = values.seeds === undefined ? 400 : wholeNumber('--seeds', values.seeds, 1, 1_000_000);
  const start = values.start === undefined ? 1 : wholeNumber('--start', values.start, 0, Number.MAX_SAFE_INTEGER - 1_000_000);
  const workers = values.workers === undefined ? FUZZ_GOAL_WORKERS : wholeNumber('--workers', values.workers, 1, 256);
  const sample = values.sample === undefined ? 100 : wholeNumber('--sample', values.sample, 1, 1_000_000);
  const showProgress = io.isTty && !values.json;
  const report = await fuzzBench({ start, seeds, workers: workers === 1 ? [1] : [1, workers], sample, progress: (what) => showProgress && io.err(`\r  ${what}...`.padEnd(60)) });
  if (showProgress) io.err('\r' + ' '.repeat(60) + '\r');
  io.out(values.json ? JSON.stringify(fuzzJson(report)) + '\n' : fuzzText(report));
  return EXIT_OK;
}
