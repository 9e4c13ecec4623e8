import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { rngStream } from '../core/random.ts';
import { US_PER_S, type Us } from '../core/time.ts';
import { runModel, type RunOptions } from '../run/run.ts';
import { parseScenario } from '../scenario/load.ts';
import { MODEL_KINDS } from '../scenario/schema.ts';
import type { ModelSpec, Scenario } from '../scenario/types.ts';
import { EventQueue } from '../sim/queue.ts';
import type { Simulator } from '../sim/simulator.ts';

/**
 * `raftsim bench speed`: how fast the simulator runs the standard workload,
 * next to how fast the machine can run the bare event queue, measured in the
 * same process. A benchmark may read the wall clock; the simulation never
 * does (every run here is the same pure function of the seed as `raftsim run`).
 */

/**
 * The standard workload: five nodes, three clients and about 100 operations
 * per second in total for ten simulated minutes, on a LAN-like network. The
 * clients run closed loops (one operation at a time, then `interval` of think
 * time); 24 ms of think time plus a commit's round trips at 1..3 ms one-way
 * latency gives three clients about 100 operations per second. Half reads,
 * three keys, no faults. One model of each kind, with that kind's defaults.
 */
export function standardWorkload(durationUs: Us, kinds: readonly string[] = MODEL_KINDS): Scenario {
  const yaml = [
    'name: standard-workload',
    `duration: ${durationUs}us`,
    'settle: 1s', // replaced by 0 below: a scenario file may not ask for no settle phase, the benchmark wants none
    'nodes: 5',
    'network: { latency: 1ms..3ms }',
    'models:',
    ...kinds.map((kind) => `  - kind: ${kind}`),
    'workload: { clients: 3, interval: 24ms, timeout: 1s, keys: 3, reads: 0.5 }',
  ].join('\n');
  return { ...parseScenario(yaml, '<standard workload>'), settleUs: 0 };
}

export interface LoopFigure {
  /** Events the event loop handled per wall second. */
  readonly eventsPerSecond: number;
  readonly simSecondsPerWallSecond: number;
  readonly ratioToBareLoop: number;
  readonly events: number;
  readonly wallSeconds: number;
}

export interface ModelSpeed extends LoopFigure {
  readonly kind: string;
  /** Client operations completed per simulated second (the workload's rate). */
  readonly opsPerSecond: number;
  readonly traceHash: string;
  /** The same run with tracing on, to a writer that discards every line. */
  readonly tracing: LoopFigure;
}

export interface SpeedReport {
  readonly seed: number;
  readonly durationUs: Us;
  readonly repeat: number;
  readonly bareLoop: { readonly eventsPerSecond: number; readonly pendingEvents: number; readonly events: number };
  readonly models: Readonly<Record<string, ModelSpeed>>;
  /** Model kinds the scenario format knows but this build has no factory for. */
  readonly unavailable: readonly string[];
  /** With `profile`: the V8 CPU profile (.cpuprofile JSON) of one event loop, and its self time by part of the code. */
  readonly profile?: { readonly cpuProfile: unknown; readonly breakdown: readonly { readonly part: string; readonly share: number }[] };
}

interface Timed {
  readonly wallSeconds: number;
  readonly events: number;
  readonly simUs: Us;
  readonly opsOk: number;
  readonly traceHash: string;
}

/** One run of one model, with the event loop timed on its own (the checks after it are not). */
function timeRun(scenario: Scenario, spec: ModelSpec, seed: number, traced: boolean): Timed {
  let startMs = 0;
  let endMs = 0;
  let events = 0;
  let simUs = 0;
  const options: RunOptions = {
    onSimulation: (phase, sim) => {
      if (phase === 'start') {
        startMs = performance.now();
        return;
      }
      endMs = performance.now();
      events = sim.eventsProcessed;
      simUs = sim.nowUs;
    },
    ...(traced ? { traceWriter: () => ({ write: () => {} }) } : {}),
  };
  const run = runModel(scenario, spec, seed, options);
  return { wallSeconds: (endMs - startMs) / 1000, events, simUs, opsOk: run.summary.ops.ok, traceHash: run.summary.traceHash };
}

/** The best (shortest) of `repeat` runs: on a shared machine the fastest run is the one least disturbed. */
function bestOf(repeat: number, measure: () => Timed): Timed {
  let best: Timed | null = null;
  for (let i = 0; i < repeat; i++) {
    const t = measure();
    if (best === null || t.wallSeconds < best.wallSeconds) best = t;
  }
  return best!;
}

export interface PendingCount {
  /** Mean pending events (queued events and armed timers), sampled every 10 simulated ms. */
  readonly pending: number;
  /** Events the loop handled, the samples' own excluded, and the simulated time they covered. */
  readonly events: number;
  readonly simUs: Us;
}

/** Runs the model once, untimed, counting its pending events. */
export function countPending(scenario: Scenario, spec: ModelSpec, seed: number): PendingCount {
  let sum = 0;
  let samples = 0;
  let events = 0;
  let simUs = 0;
  runModel(scenario, spec, seed, {
    onSimulation: (phase, sim) => {
      if (phase === 'end') {
        events = sim.eventsProcessed - samples;
        simUs = sim.nowUs;
        return;
      }
      const everyUs = 10_000;
      const sample = (s: Simulator) => {
        // The sampler's own next call is pending too: not counted.
        sum += s.pendingEvents;
        samples++;
        if (s.nowUs + everyUs <= scenario.durationUs) s.at(s.nowUs + everyUs, () => sample(s));
      };
      sim.at(everyUs, () => sample(sim));
    },
  });
  return { pending: samples === 0 ? 0 : sum / samples, events, simUs };
}

/**
 * The machine's limit for this simulator design: the event queue alone,
 * holding `pending` events; each event popped schedules one successor at a
 * random later time (mean `meanDelayUs`, so the queue stays at `pending`)
 * and is released. Returns events per wall second.
 */
export function bareLoop(pending: number, events: number, meanDelayUs: number, seed: number): number {
  const queue = new EventQueue();
  const rng = rngStream(seed, 'bench/bare-loop');
  const spanUs = Math.max(2, Math.round(2 * meanDelayUs));
  for (let i = 0; i < pending; i++) queue.push(1 + Math.floor(rng.next() * spanUs), 0, i, 0, 0, null);
  const start = performance.now();
  let nowUs = 0;
  for (let i = 0; i < events; i++) {
    nowUs = queue.peekTime();
    const record = queue.pop();
    queue.push(nowUs + 1 + Math.floor(rng.next() * spanUs), 0, queue.node[record]!, 0, 0, null);
    queue.release(record);
  }
  const seconds = (performance.now() - start) / 1000;
  return events / seconds;
}

function figure(t: Timed, bareEventsPerSecond: number): LoopFigure {
  const eventsPerSecond = t.events / t.wallSeconds;
  return {
    eventsPerSecond: Math.round(eventsPerSecond),
    simSecondsPerWallSecond: round(t.simUs / US_PER_S / t.wallSeconds, 1),
    ratioToBareLoop: round(eventsPerSecond / bareEventsPerSecond, 4),
    events: t.events,
    wallSeconds: round(t.wallSeconds, 4),
  };
}

export interface SpeedOptions {
  readonly seed: number;
  readonly durationUs: Us;
  readonly repeat: number;
  /** Profile one extra Raft run's event loop with V8's sampling profiler (running from the start, so every figure carries its overhead). */
  readonly profile?: boolean;
  /** Told what is being measured now (for a progress line). */
  readonly progress?: (what: string) => void;
}

/** Every model kind the scenario format knows, each on the standard workload, and the bare loop beside them. */
export function speed(options: SpeedOptions): SpeedReport {
  const { seed, durationUs, repeat } = options;
  const progress = options.progress ?? (() => {});
  // V8 records where inlined code came from only for code compiled while the profiler runs:
  // started later, most of the loop would be charged to whatever function it was inlined into.
  const profiler = options.profile ? startProfiler() : null;
  const scenario = standardWorkload(durationUs);
  const available: ModelSpec[] = [];
  const unavailable: string[] = [];
  for (const spec of scenario.models) {
    try {
      progress(`${spec.kind}: warming up`);
      // A short run warms the JIT and tells whether this build has the kind at all.
      runModel(standardWorkload(Math.min(durationUs, 20 * US_PER_S), [spec.kind]), spec, seed);
      available.push(spec);
    } catch (error) {
      if (error instanceof Error && /not available/.test(error.message)) unavailable.push(spec.kind);
      else throw error;
    }
  }

  const reference = available.find((s) => s.kind === 'raft') ?? available[0];
  let pending = 32;
  let referenceEvents = 1_000_000;
  let meanDelayUs = 1_000;
  if (reference !== undefined) {
    progress(`${reference.kind}: counting pending events`);
    const count = countPending(scenario, reference, seed);
    pending = Math.max(1, Math.round(count.pending));
    referenceEvents = Math.max(referenceEvents, count.events);
    // Little's law: with `pending` events waiting and one handled every simUs/events, each waits this long on average.
    meanDelayUs = (count.pending * count.simUs) / Math.max(1, count.events);
  }
  // The bare loop and the untraced runs take turns, so that a busy moment of a shared
  // machine slows one round of each rather than every repetition of one of them.
  let bare = 0;
  const plainOf = new Map<ModelSpec, Timed>();
  for (let i = 0; i < repeat; i++) {
    progress(`round ${i + 1} of ${repeat}: bare event loop (${pending} pending events)`);
    bare = Math.max(bare, bareLoop(pending, referenceEvents, meanDelayUs, seed));
    for (const spec of available) {
      progress(`round ${i + 1} of ${repeat}: ${spec.name}`);
      const t = timeRun(scenario, spec, seed, false);
      const best = plainOf.get(spec);
      if (best === undefined || t.wallSeconds < best.wallSeconds) plainOf.set(spec, t);
    }
  }

  const models: Record<string, ModelSpeed> = {};
  for (const spec of available) {
    const plain = plainOf.get(spec)!;
    progress(`${spec.name}: ${repeat} timed runs with tracing on`);
    const traced = bestOf(repeat, () => timeRun(scenario, spec, seed, true));
    models[spec.name] = {
      kind: spec.kind,
      ...figure(plain, bare),
      opsPerSecond: round(plain.opsOk / (plain.simUs / US_PER_S), 1),
      traceHash: plain.traceHash,
      tracing: figure(traced, bare),
    };
  }
  let profile: SpeedReport['profile'];
  if (profiler !== null) {
    let window: [number, number] = [0, 0];
    if (reference !== undefined) {
      progress(`${reference.kind}: one more run, its event loop profiled`);
      let startUs = 0;
      runModel(scenario, reference, seed, {
        onSimulation: (phase) => {
          const nowUs = Number(process.hrtime.bigint() / 1000n);
          if (phase === 'start') startUs = nowUs;
          else window = [startUs, nowUs];
        },
      });
    }
    const cpuProfile = trim(profiler.stop(), window[0], window[1]);
    profile = { cpuProfile, breakdown: breakdown(cpuProfile) };
  }
  return {
    seed,
    durationUs,
    repeat,
    bareLoop: { eventsPerSecond: Math.round(bare), pendingEvents: pending, events: referenceEvents },
    models,
    unavailable,
    ...(profile !== undefined ? { profile } : {}),
  };
}

interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface CpuProfileFile extends CpuProfile {
  startTime: number;
  endTime: number;
}

/** V8's sampling profiler (every 100 µs) in this process, through the inspector. */
function startProfiler(): { stop(): CpuProfileFile } {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 100 });
  session.post('Profiler.start');
  return {
    stop() {
      let result: CpuProfileFile | null = null;
      // The inspector answers the main thread's own session synchronously.
      session.post('Profiler.stop', (error, answer) => {
        if (error === null) result = answer.profile as unknown as CpuProfileFile;
      });
      session.disconnect();
      if (result === null) throw new Error('the V8 profiler returned no profile');
      return result;
    },
  };
}

/** The profile with only the samples taken between `fromUs` and `toUs` (process.hrtime, in µs: the profiler's clock). */
function trim(profile: CpuProfileFile, fromUs: number, toUs: number): CpuProfileFile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  let last = fromUs;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    samples.push(profile.samples[i]!);
    timeDeltas.push(t - last);
    last = t;
  }
  return { ...profile, startTime: fromUs, endTime: toUs, samples, timeDeltas };
}

/** Self time by part of the code: each sampled function is charged to the source directory it lives in. */
export function breakdown(profile: CpuProfile): { part: string; share: number }[] {
  const partOf = new Map<number, string>();
  for (const node of profile.nodes) {
    const { url, functionName } = node.callFrame;
    const src = url.lastIndexOf('/src/');
    let part: string;
    if (src >= 0) {
      const path = url.slice(src + 5);
      part = path.startsWith('protocols/') || path.startsWith('check/') ? path.split('/').slice(0, 2).join('/').replace(/\.ts$/, '') : path.split('/')[0]!;
    } else if (functionName === '(garbage collector)') part = 'garbage collector';
    else if (url.includes('seedrandom')) part = 'sim (seeded random: seedrandom)';
    else part = functionName === '(idle)' || functionName === '(program)' ? 'other' : `other: ${functionName || '(anonymous)'}`;
    partOf.set(node.id, part);
  }
  const time = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const part = partOf.get(profile.samples[i]!) ?? 'other';
    const dt = profile.timeDeltas[i] ?? 0;
    time.set(part, (time.get(part) ?? 0) + dt);
    total += dt;
  }
  return [...time]
    .map(([part, us]) => ({ part, share: total === 0 ? 0 : us / total }))
    .sort((a, b) => b.share - a.share);
}

/** The goals for Raft with tracing off. */
export const SPEED_GOALS = {
  eventsPerSecond: 1_000_000,
  ratioToBareLoop: 0.15,
  simSecondsPerWallSecond: 1_000,
} as const;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
