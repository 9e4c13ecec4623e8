import { rngStream } from '../core/random.ts';
import type { Us } from '../core/time.ts';
import { clientFigures, type EffectiveWrite } from '../check/figures.ts';
import type { CheckClock, Violation } from '../check/violations.ts';
import { checkLinearizable, type LinearizableVerdict } from './linearizable.ts';
import type { ModelSpec, Scenario } from '../scenario/types.ts';
import { Simulator } from '../sim/simulator.ts';
import { Trace, type TraceWriter } from '../sim/trace.ts';
import type { HistoryEvent, HistoryLog } from '../workload/history.ts';
import { Workload } from '../workload/clients.ts';
import { evaluateExpectations, type ExpectationResult } from './expect.ts';
import { applyFault } from './faults.ts';
import type { ModelFactory, ModelRuntime } from './model.ts';
import { primaryReplicaModel } from './primary-replica-model.ts';
import { raftModel } from './raft-model.ts';
import { judgePromises, promisesOf, PROMISE_NAMES, type ModelPromises } from './promises.ts';
import { verdictOf, type NodeDowntime } from './verdict.ts';

/** One model's figures: the fields of the JSON summary, per model. */
export interface ModelSummary {
  readonly kind: string;
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly availability: number;
  readonly linearizable: boolean | null;
  readonly linearizableNote?: string;
  readonly lostWrites: number;
  readonly staleReads: number;
  readonly dirtyReads: number;
  readonly rtoMs: number;
  readonly leaderChanges: number;
  /** Safety-checker violations, then broken promises (`invariant` "Promise: …"). */
  readonly violations: readonly Violation[];
  /** What this configuration promises for this run, by name (see promises.ts). */
  readonly promises: readonly string[];
  /** Promises the run could not decide (`linearizable: null`, or cut by --until before settle), by name. */
  readonly promisesUndecided?: readonly string[];
  /** Why the configuration runs outside the conditions some promise rests on (that promise is then withdrawn). */
  readonly safeZoneWarnings?: readonly string[];
  readonly events: number;
  readonly messages: { readonly sent: number; readonly delivered: number; readonly dropped: number };
  readonly traceHash: string;
}

/** A line of the event log: faults, leaders taking office, violations. */
export interface LogLine {
  readonly atUs: Us;
  readonly text: string;
}

export interface ModelRun {
  readonly name: string;
  readonly summary: ModelSummary;
  /** The client history as event objects, made on first use from `historyLog`. */
  readonly history: readonly HistoryEvent[];
  /** The client history by column: iterate it (or `event(i)`) to read a long run's history without making every event at once. */
  readonly historyLog: HistoryLog;
  readonly log: readonly LogLine[];
  readonly linearizability: LinearizableVerdict;
  /** Which log counted as authoritative, and why. */
  readonly authority: string;
  /** The writes that took effect in the authoritative log, in order. */
  readonly authoritative: readonly EffectiveWrite[];
  /** True when `--until` ended the run before duration + settle (a violation never ends a run early). */
  readonly stoppedEarly: boolean;
  /** The promises of this configuration, and those withdrawn for this run. */
  readonly promises: ModelPromises;
  /** Each undecided promise with the reason. */
  readonly undecided: readonly { readonly promise: string; readonly reason: string }[];
  /** One line in CAP terms, computed from the figures (see verdict.ts). */
  readonly verdict: string;
}

export interface RunResult {
  readonly scenario: string;
  readonly seed: number;
  readonly durationMs: number;
  /** Set when `--until` cut the run before duration + settle: the time it stopped. Every figure covers [0, min(untilMs, durationMs)). */
  readonly untilMs?: number;
  readonly runs: readonly ModelRun[];
  readonly expectations: readonly ExpectationResult[];
}

export interface RunOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Only these models (by name); all when absent. */
  readonly models?: readonly string[];
  /** Stop the simulation at this time. */
  readonly untilUs?: Us;
  /** A trace writer per model, when `--trace` asks for one. */
  readonly traceWriter?: (model: string) => TraceWriter | null;
  /**
   * Told with the simulator just before its first event (`start`) and just
   * after its last (`end`), so that a benchmark can time or sample the event
   * loop apart from the checks that follow it. It watches; it never steers.
   */
  readonly onSimulation?: (phase: 'start' | 'end', sim: Simulator) => void;
}

const FACTORIES: { readonly [K in ModelSpec['kind']]?: ModelFactory<Extract<ModelSpec, { kind: K }>> } = {
  raft: raftModel,
  'primary-replica': primaryReplicaModel,
};

/**
 * The one entry point: (scenario, seed, models) → result. Each model runs in
 * its own simulation under the identical fault script and seed. A run is a
 * pure function of its inputs.
 */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  const seed = options.seed ?? scenario.seed;
  const wanted = options.models;
  const specs = wanted === undefined ? scenario.models : scenario.models.filter((m) => wanted.includes(m.name));
  const runs = specs.map((spec) => runModel(scenario, spec, seed, options));
  const cut = options.untilUs !== undefined && options.untilUs < scenario.durationUs + scenario.settleUs;
  return {
    scenario: scenario.name,
    seed,
    durationMs: scenario.durationUs / 1000,
    ...(cut ? { untilMs: options.untilUs! / 1000 } : {}),
    runs,
    expectations: evaluateExpectations(
      scenario.expect.filter((e) => specs.some((s) => s.name === e.model)),
      Object.fromEntries(runs.map((r) => [r.name, r.summary])),
    ),
  };
}

/**
 * What a model's simulation leaves for the checks. The simulator, the nodes
 * and the safety checker's records are not in it: they become garbage when
 * `simulate` returns, before the checks run, so a long run's peak memory is
 * the larger of the two phases rather than their sum.
 */
interface Simulated {
  readonly log: LogLine[];
  readonly history: HistoryLog;
  readonly checked: readonly Violation[];
  /** undefined: cut by --until before settle; null: converged; else why not. */
  readonly unconverged: string | null | undefined;
  readonly authoritative: readonly EffectiveWrite[];
  readonly authority: string;
  readonly warnings: readonly string[];
  readonly tookOffice: number;
  readonly events: number;
  readonly messages: ModelSummary['messages'];
  readonly traceHash: string;
  readonly nowUs: Us;
  readonly downtime: readonly NodeDowntime[];
  readonly stoppedEarly: boolean;
  readonly horizonUs: Us;
}

function simulate(scenario: Scenario, spec: ModelSpec, seed: number, options: RunOptions): Simulated {
  const factory = FACTORIES[spec.kind] as ModelFactory | undefined;
  if (factory === undefined) throw new Error(`model kind ${spec.kind} is not available in this build`);
  const names = scenario.nodes;
  const log: LogLine[] = [];
  let sim: Simulator | null = null;
  const clock: CheckClock = {
    nowUs: () => sim?.nowUs ?? 0,
    describeEvent: () => sim?.describeCurrentEvent() ?? 'before start',
    nodeName: (node) => names[node] ?? `#${node}`,
  };
  const model: ModelRuntime = factory(spec, {
    clock,
    nodeNames: names,
    note: (node, text, important) => {
      sim?.trace.note(sim.nowUs, node, text);
      if (important) log.push({ atUs: sim?.nowUs ?? 0, text: `${names[node]} ${text}` });
    },
  });
  const trace = new Trace(names, (k) => model.protocol.messageName(k), options.traceWriter?.(spec.name) ?? null);
  sim = new Simulator({
    nodeNames: names,
    seed,
    network: scenario.network,
    protocol: model.protocol,
    trace,
    ...(model.clockDrift !== undefined ? { clockDrift: model.clockDrift } : {}),
  });
  const s = sim;

  // When each node was down (crashed or paused): its clients' outage then is not the model's choice (the verdict).
  const downSinceUs = names.map(() => -1);
  const downtime: NodeDowntime[] = [];
  const trackDowntime = () => {
    for (let i = 0; i < names.length; i++) {
      const down = !s.isUp(i) || s.paused[i] === true;
      if (down && downSinceUs[i]! < 0) downSinceUs[i] = s.nowUs;
      if (down || downSinceUs[i]! < 0) continue;
      downtime.push({ node: i, fromUs: downSinceUs[i]!, toUs: s.nowUs });
      downSinceUs[i] = -1;
    }
  };

  const faultRng = rngStream(seed, 'faults');
  for (const fault of scenario.faults) {
    s.at(fault.atUs, () => {
      const text = applyFault(s, fault, faultRng);
      s.trace.note(s.nowUs, -1, text);
      log.push({ atUs: s.nowUs, text });
      trackDowntime();
    });
  }
  // Settle: every fault healed (the network back to the scenario's latency, with no loss and no duplication),
  // crashed nodes restarted, paused nodes resumed, clients stopped.
  s.at(scenario.durationUs, () => {
    s.network.heal();
    s.network.setParams({ ...scenario.network, drop: 0, duplicate: 0 });
    for (let i = 0; i < names.length; i++) {
      s.resume(i);
      if (!s.isUp(i)) s.restart(i);
    }
    trackDowntime();
    s.trace.note(s.nowUs, -1, 'settle');
    log.push({ atUs: s.nowUs, text: 'settle: faults healed (no loss, no duplication), crashed nodes restarted, clients stopped' });
  });

  const workload = new Workload(s, scenario.workload, seed, scenario.durationUs);
  options.onSimulation?.('start', s);
  s.start();
  workload.start();
  const endUs = Math.min(options.untilUs ?? Infinity, scenario.durationUs + scenario.settleUs);
  s.run(endUs);
  options.onSimulation?.('end', s);
  const stoppedEarly = endUs < scenario.durationUs + scenario.settleUs;
  // Every figure covers what ran: the clients' operations invoked before the horizon.
  const horizonUs = Math.min(endUs, scenario.durationUs);
  const unconverged = stoppedEarly ? undefined : (model.convergence?.(s.nodes) ?? null);
  const checked = model.violations();
  // Violations join the event log once, after the run, each after the lines of its instant: the loop stays free of per-event polling.
  for (const v of checked) {
    const atUs = Math.round(v.atMs * 1000);
    const at = log.findIndex((line) => line.atUs > atUs);
    log.splice(at < 0 ? log.length : at, 0, { atUs, text: `VIOLATION ${v.invariant}: ${v.detail}` });
  }
  if (unconverged !== undefined && unconverged !== null) log.push({ atUs: s.nowUs, text: `LIVENESS not converged after settle: ${unconverged}` });

  downSinceUs.forEach((fromUs, node) => fromUs >= 0 && downtime.push({ node, fromUs, toUs: s.nowUs }));
  return {
    log,
    history: workload.history,
    checked,
    unconverged,
    authoritative: model.authoritativeWrites(s.nodes),
    authority: model.authority(s.nodes),
    warnings: model.safeZoneWarnings ?? [],
    tookOffice: model.tookOffice(),
    events: s.events,
    messages: { sent: s.messagesSent, delivered: s.messagesDelivered, dropped: s.messagesDropped },
    traceHash: s.trace.digest(),
    nowUs: s.nowUs,
    downtime,
    stoppedEarly,
    horizonUs,
  };
}

export function runModel(scenario: Scenario, spec: ModelSpec, seed: number, options: RunOptions = {}): ModelRun {
  const { log, history, checked, unconverged, authoritative, authority, warnings, tookOffice, events, messages, traceHash, nowUs, downtime, stoppedEarly, horizonUs } = simulate(
    scenario,
    spec,
    seed,
    options,
  );
  const figures = clientFigures(history, authoritative, horizonUs);
  const linearizability = checkLinearizable(history, authoritative);
  const promises = promisesOf(spec, warnings, scenario.network);
  const judged = judgePromises(
    promises.promised,
    { ...figures, linearizable: linearizability.linearizable, ...(linearizability.note !== undefined ? { linearizableNote: linearizability.note } : {}) },
    unconverged,
    nowUs / 1000,
  );
  const undecided = judged.undecided.map((u) => ({ promise: PROMISE_NAMES[u.key], reason: u.reason }));
  const summary: ModelSummary = {
    kind: spec.kind,
    ops: figures.ops,
    availability: round(figures.availability, 4),
    linearizable: linearizability.linearizable,
    ...(linearizability.note !== undefined ? { linearizableNote: linearizability.note } : {}),
    lostWrites: figures.lostWrites,
    staleReads: figures.staleReads,
    dirtyReads: figures.dirtyReads,
    rtoMs: round(figures.rtoMs, 3),
    leaderChanges: Math.max(0, tookOffice - 1),
    violations: [...checked, ...judged.broken],
    promises: promises.promised.map((k) => PROMISE_NAMES[k]),
    ...(undecided.length > 0 ? { promisesUndecided: undecided.map((u) => u.promise) } : {}),
    ...(warnings.length + promises.withdrawn.length > 0 ? { safeZoneWarnings: [...new Set([...warnings, ...promises.withdrawn.map((w) => w.reason)])] } : {}),
    events,
    messages,
    traceHash,
  };
  for (const v of judged.broken) log.push({ atUs: nowUs, text: `BROKEN ${v.invariant}: ${v.detail}` });
  const verdict = verdictOf({ summary, history }, horizonUs, { nodeCount: scenario.nodes.length, downtime });
  const historyLog = history;
  let historyEvents: readonly HistoryEvent[] | null = null;
  return {
    name: spec.name,
    summary,
    // As objects only when asked for: a long run's history is kept by column (HistoryLog).
    get history() {
      return (historyEvents ??= historyLog.toArray());
    },
    historyLog,
    log,
    linearizability,
    authority,
    authoritative,
    stoppedEarly,
    promises,
    undecided,
    verdict,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
