import { performance } from 'node:perf_hooks';
import { US_PER_S, type Us } from '../core/time.ts';
import { RunGroup } from '../run/group.ts';
import { SteppableRun } from '../run/steppable.ts';
import { parseScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/types.ts';
import { summarize, type Summary } from './stats.ts';

/**
 * `raftsim bench seek`: how long going back in time takes. A run is a pure
 * function of its inputs, so going back is replaying from the start to the
 * earlier moment (no checkpoints): this measures that replay where the
 * terminal UI needs it — every model of a scenario side by side, 60
 * simulated seconds in, seeking back 10 seconds (the goal: under
 * 200 ms), and stepping back one event.
 */

/** The UI's goal for seeking back 10 s in a 60 s scenario of 5 nodes and 5 clients. */
export const SEEK_GOAL_MS = 200;

/**
 * The seek workload: 5 nodes and 5 clients (an operation every 50 ms each,
 * half reads), the format's default network (5..15 ms), Raft beside an
 * asynchronous primary/replica cluster with automatic failover, under a
 * partition, a heal, a leader crash and a restart: a busy classroom
 * scenario, `durationUs` long (default 60 s).
 */
export function seekWorkload(durationUs: Us): Scenario {
  const s = durationUs / US_PER_S;
  const yaml = [
    'name: seek-workload',
    `duration: ${durationUs}us`,
    'settle: 5s',
    'nodes: 5',
    'models:',
    '  - kind: raft',
    '  - kind: primary-replica',
    '    name: async-failover',
    '    replication: async',
    '    failover: auto',
    'workload: { clients: 5, interval: 50ms, timeout: 1s, keys: 3, reads: 0.5 }',
    'faults:',
    `  - { at: ${(s / 6).toFixed(3)}s, partition: [[leader, follower], [rest]] }`,
    `  - { at: ${(s / 3).toFixed(3)}s, heal: true }`,
    `  - { at: ${(s / 2).toFixed(3)}s, crash: leader }`,
    `  - { at: ${((2 * s) / 3).toFixed(3)}s, restart: all }`,
  ].join('\n');
  return parseScenario(yaml, '<seek workload>');
}

export interface SeekFigure {
  /** Wall milliseconds per seek, over the repetitions. */
  readonly ms: Summary;
  /** Events processed in the replay (the position reached). */
  readonly events: number;
}

export interface SeekReport {
  readonly seed: number;
  readonly durationUs: Us;
  readonly backUs: Us;
  readonly repeat: number;
  /** Per model: seeking back `backUs` from `durationUs`, that model alone. */
  readonly models: Readonly<Record<string, SeekFigure & { readonly eventsAtEnd: number; readonly playMs: number }>>;
  /** Every model at once (what the UI does): seeking back, and one step back from `durationUs`. */
  readonly group: { readonly seek: SeekFigure; readonly stepBack: SeekFigure };
}

export interface SeekOptions {
  readonly seed: number;
  readonly durationUs: Us;
  readonly backUs: Us;
  readonly repeat: number;
  readonly progress?: (what: string) => void;
}

function timeMs(action: () => void): number {
  const start = performance.now();
  action();
  return performance.now() - start;
}

export function seekBench(options: SeekOptions): SeekReport {
  const { seed, durationUs, backUs, repeat } = options;
  const progress = options.progress ?? (() => {});
  const scenario = seekWorkload(durationUs);
  const targetUs = Math.max(0, durationUs - backUs);
  const models: Record<string, SeekFigure & { eventsAtEnd: number; playMs: number }> = {};
  for (const spec of scenario.models) {
    progress(`${spec.name}: warming up`);
    const warm = new SteppableRun(scenario, spec, { seed });
    warm.runUntil(durationUs);
    warm.seekTime(targetUs);
    const run = new SteppableRun(scenario, spec, { seed });
    const playMs = timeMs(() => run.runUntil(durationUs));
    const eventsAtEnd = run.events;
    const samples: number[] = [];
    let events = 0;
    for (let i = 0; i < repeat; i++) {
      progress(`${spec.name}: seek ${i + 1} of ${repeat}`);
      run.runUntil(durationUs);
      samples.push(timeMs(() => run.seekTime(targetUs)));
      events = run.events;
    }
    models[spec.name] = { ms: summarize(samples.sort((a, b) => a - b)), events, eventsAtEnd, playMs };
  }
  const group = new RunGroup(scenario, { seed });
  const seekMs: number[] = [];
  const backMs: number[] = [];
  let seekEvents = 0;
  let backEvents = 0;
  for (let i = 0; i < repeat; i++) {
    progress(`every model: seek ${i + 1} of ${repeat}`);
    group.runUntil(durationUs);
    seekMs.push(timeMs(() => group.seekTime(targetUs)));
    seekEvents = group.runs.reduce((n, r) => n + r.events, 0);
    group.runUntil(durationUs);
    backMs.push(timeMs(() => group.back()));
    backEvents = group.runs.reduce((n, r) => n + r.events, 0);
  }
  return {
    seed,
    durationUs,
    backUs,
    repeat,
    models,
    group: {
      seek: { ms: summarize(seekMs.sort((a, b) => a - b)), events: seekEvents },
      stepBack: { ms: summarize(backMs.sort((a, b) => a - b)), events: backEvents },
    },
  };
}

export function seekJson(report: SeekReport): unknown {
  const fig = (f: SeekFigure) => ({ medianMs: round(f.ms.median), maxMs: round(f.ms.max), events: f.events });
  return {
    seed: report.seed,
    durationMs: report.durationUs / 1000,
    backMs: report.backUs / 1000,
    repeat: report.repeat,
    models: Object.fromEntries(Object.entries(report.models).map(([name, m]) => [name, { ...fig(m), eventsAtEnd: m.eventsAtEnd, playMs: round(m.playMs) }])),
    group: { seek: fig(report.group.seek), stepBack: fig(report.group.stepBack) },
    goalMs: SEEK_GOAL_MS,
    goalMet: report.group.seek.ms.median < SEEK_GOAL_MS,
  };
}

export function seekText(report: SeekReport): string {
  const s = (us: Us) => `${us / US_PER_S} s`;
  const ms = (f: SeekFigure) => `median ${f.ms.median.toFixed(1)} ms, max ${f.ms.max.toFixed(1)} ms`;
  const out = [
    `Seek workload: 5 nodes, 5 clients, ${s(report.durationUs)} (partition, heal, leader crash, restart), seed ${report.seed}; ${report.repeat} seeks each`,
    `going back = replaying from the start to the earlier moment`,
    '',
  ];
  for (const [name, m] of Object.entries(report.models)) {
    out.push(`${name}: ${m.eventsAtEnd} events in ${s(report.durationUs)} (played in ${m.playMs.toFixed(1)} ms); back ${s(report.backUs)} to event ${m.events}: ${ms(m)}`);
  }
  out.push(`every model at once: back ${s(report.backUs)}: ${ms(report.group.seek)}; one step back: ${ms(report.group.stepBack)}`);
  const met = report.group.seek.ms.median < SEEK_GOAL_MS;
  out.push('');
  out.push(`goal, every model back ${s(report.backUs)} in under ${SEEK_GOAL_MS} ms: ${met ? 'met' : 'NOT met'} (${report.group.seek.ms.median.toFixed(1)} ms)`);
  return out.join('\n') + '\n';
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
