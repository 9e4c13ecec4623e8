import { clientFigures } from '../check/figures.ts';
import { noteLine } from './note-line.ts';
import type { CheckClock, CheckerWatch, Violation } from '../check/violations.ts';
import { assert } from '../core/assert.ts';
import type { ClientOp, Message, NodeView } from '../core/protocol.ts';
import { rngStream, type Rng } from '../core/random.ts';
import type { Us } from '../core/time.ts';
import { faultActionProblems } from '../scenario/load.ts';
import type { FaultAction, FaultSpec, ModelSpec, Scenario, ScenarioNote } from '../scenario/types.ts';
import { faultItem } from '../scenario/write.ts';
import { Simulator, type DropReason, type ScheduledCall, type SimObserver } from '../sim/simulator.ts';
import { Trace, type TraceWriter } from '../sim/trace.ts';
import { INVOKE, Workload, type WorkloadObserver } from '../workload/clients.ts';
import type { HistoryLog } from '../workload/history.ts';
import type {
  ClientSnapshot,
  Landmark,
  LiveFigures,
  NodeSnapshot,
  PendingEvent,
  RunEvent,
  RunListener,
  RunPosition,
  RunSnapshot,
} from './events.ts';
import { applyFault } from './faults.ts';
import { judgeRun, type Simulated } from './judge.ts';
import { modelFactory } from './registry.ts';
import type { ModelRuntime } from './model.ts';
import type { CheckStep, LogLine, ModelRun } from './types.ts';
import type { NodeDowntime } from './verdict.ts';

/**
 * One model's run as an object you can step, peek into, run to a time, wind
 * back and break by hand (conventions item 11: the loop is driven from
 * outside). `runModel` is this object run to the end, so the batch report,
 * the fuzzer, the benchmarks and the terminal UI all drive the same code and
 * get the same `traceHash`.
 *
 * Faults are data. The run's fault script is the scenario's faults followed
 * by those injected by hand, in the order injected; fault i is queued as a
 * ranked call (`Simulator.callFirst`, rank i), which runs before every
 * ordinary event of its instant whenever it was queued. So a fault injected
 * at time T during the run takes exactly the place among the events of T
 * that it takes when the scenario written back out (`scenarioWithFaults`)
 * schedules it from the start: after the scenario's faults of T, before
 * everything else of T. An injection is therefore placed at the earliest
 * time at which no ordinary event has been processed yet
 * (`earliestInjectionUs`): the run's clock, or one microsecond after it when
 * an ordinary event of that very instant has already been processed.
 *
 * Going back is replaying: a run is a pure function of (scenario, model,
 * seed, fault script), so `seek` to an earlier event rebuilds the
 * simulation and runs it forward, silently, to that event.
 */

/** Settle's rank among the ranked calls of its instant: after every fault of that instant (fault ranks are script indices). */
const SETTLE_RANK = 2 ** 40;
/** Fault scripts longer than this are refused: the ranks must stay below SETTLE_RANK. */
export const FAULT_SCRIPT_MAX = 2 ** 30;
/** The `a` of the settle call (fault calls carry their script index). */
const SETTLE = -1;
/** Log-tail entries a node snapshot carries when the caller does not say. */
const LOG_TAIL_DEFAULT = 16;
/** Messages in flight a snapshot lists when the caller does not say. */
const IN_FLIGHT_DEFAULT = 32;
/** Completed operations per client a snapshot lists when the caller does not say. */
const RECENT_OUTCOMES_DEFAULT = 20;

export interface SteppableRunOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Stop the run here instead of at duration + settle (`--until`). */
  readonly untilUs?: Us;
  /** Faults injected by hand in an earlier session, each with its time (appended to the scenario's, in this order). */
  readonly injected?: readonly FaultSpec[];
  /** Every trace record as a JSON line (`--trace`). Only the first pass writes: a replay after `seek` does not. */
  readonly traceWriter?: TraceWriter | null;
  /** As RunOptions.onSimulation: told just before the first event and when `finish` has run the last. First pass only. */
  readonly onSimulation?: (phase: 'start' | 'end', sim: Simulator) => void;
  /** As RunOptions.onCheck: told as each check after the simulation begins (by `finish`). */
  readonly onCheck?: (step: CheckStep) => void;
}

export interface SnapshotOptions {
  /** Log entries per node (default 16). */
  readonly logTail?: number;
  /** Messages in flight listed (default 32). */
  readonly inFlightMax?: number;
  /** Completed operations per client (default 20). */
  readonly recentOutcomes?: number;
}

export interface RunUntilOptions {
  /** Stop right after the event during which the run tells a listener something this returns true for (a violation, a fault). */
  readonly stopWhen?: (event: RunEvent) => boolean;
  /** Process at most this many events. */
  readonly eventsMax?: number;
}

/** Why `runUntil` returned: it reached the time asked for, the end of the run, `stopWhen` held, or `eventsMax` ran out. */
export type RunStop = 'time' | 'end' | 'stopped' | 'budget';

/** A fault injected by hand: the fault as it is recorded in the script, and what it did. */
export interface Injection {
  readonly fault: FaultSpec;
  readonly index: number;
  readonly text: string;
}

/** Thrown when a fault cannot be injected (the scripted part is over); the UI shows the message. */
export class InjectionError extends Error {}

/** The stream of structured events, or nothing: `active` is tested before anything is made. */
interface Emitter {
  active: boolean;
  emit(event: RunEvent): void;
}

/**
 * One pass of one model's simulation, from time 0 forward: the simulator,
 * the model, the clients and the fault script. `SteppableRun` makes a new
 * one to go back in time.
 */
class Engine implements ScheduledCall {
  readonly sim: Simulator;
  readonly model: ModelRuntime;
  readonly workload: Workload;
  readonly trace: Trace;
  /** The event log as the report prints it (faults, settle, leaders; violations are added by `finish`). */
  readonly log: LogLine[] = [];
  readonly landmarks: Landmark[] = [];
  readonly names: readonly string[];
  /** Per fault script index: fired yet. */
  readonly fired: boolean[] = [];
  /** The ordinal of the last fault event processed, 0 for none. */
  lastFaultEvent = 0;
  /** Settle has run: the scripted part is over. */
  settled = false;
  /** The stragglers (scenario.stragglers) by index: settle leaves them as they are; convergence is judged without them. */
  readonly stragglers: ReadonlySet<number>;
  /** Why the model does not promise to converge around the stragglers as settle left them (null: it does). */
  stragglerWarning: string | null = null;
  /** When each node went down (crashed or paused), -1 while up; and the closed stretches. */
  private readonly downSinceUs: number[];
  readonly downtime: NodeDowntime[] = [];
  private readonly faultRng: Rng;

  constructor(
    readonly scenario: Scenario,
    readonly spec: ModelSpec,
    readonly seed: number,
    /** The scenario's faults, then the injected ones; grows as faults are injected. */
    readonly script: FaultSpec[],
    readonly injectedFrom: number,
    private readonly emitter: Emitter,
    traceWriter: TraceWriter | null,
    onStart: ((sim: Simulator) => void) | null,
  ) {
    const names = scenario.nodes;
    this.names = names;
    this.stragglers = new Set(scenario.stragglers.map((n) => names.indexOf(n)));
    const factory = modelFactory(spec.kind);
    let sim: Simulator | null = null;
    const clock: CheckClock = {
      nowUs: () => sim?.nowUs ?? 0,
      describeEvent: () => sim?.describeCurrentEvent() ?? 'before start',
      nodeName: (node) => names[node] ?? `#${node}`,
    };
    const out = emitter;
    const at = () => ({ event: sim?.eventsProcessed ?? 0, atUs: sim?.nowUs ?? 0 });
    const watch: CheckerWatch = {
      violated: (violation) => this.violated(violation),
      committed: (node, index, term) => {
        if (out.active) out.emit({ type: 'commit', ...at(), node: names[node]!, index, term });
      },
      applied: (node, index, term) => {
        if (out.active) out.emit({ type: 'applied', ...at(), node: names[node]!, index, term });
      },
    };
    this.model = factory(spec, {
      clock,
      nodeNames: names,
      watch,
      note: (node, text, important) => {
        sim?.trace.note(sim.nowUs, node, text);
        if (important) this.log.push({ atUs: sim?.nowUs ?? 0, text: `${names[node]} ${text}` });
        if (out.active) out.emit({ type: 'note', ...at(), node: names[node] ?? null, text, important });
      },
      roleChanged: (node, role, term) => {
        if (role === 'leader' || role === 'primary') {
          this.landmarks.push({ ...at(), kind: 'leader', text: `${names[node]} ${role} of ${role === 'leader' ? 'term' : 'epoch'} ${term}` });
        }
        if (out.active) out.emit({ type: 'role', ...at(), node: names[node]!, role, term });
      },
      vote: (node, candidate, term, preVote, reason, voterTerm, leader, votedFor) => {
        if (!out.active) return;
        out.emit({
          type: 'vote',
          ...at(),
          voter: names[node]!,
          candidate: names[candidate]!,
          term,
          preVote,
          granted: reason === 'granted',
          ignored: reason.startsWith('ignored-'),
          reason,
          voterTerm,
          leader: leader >= 0 ? names[leader]! : null,
          votedFor: votedFor >= 0 ? names[votedFor]! : null,
        });
      },
    });
    const model = this.model;
    this.trace = new Trace(names, (k) => model.protocol.messageName(k), traceWriter);
    sim = new Simulator({
      nodeNames: names,
      seed,
      network: scenario.network,
      protocol: model.protocol,
      trace: this.trace,
      ...(model.clockDrift !== undefined ? { clockDrift: model.clockDrift } : {}),
    });
    this.sim = sim;
    this.downSinceUs = names.map(() => -1);
    this.faultRng = rngStream(seed, 'faults');
    for (let i = 0; i < script.length; i++) this.schedule(i);
    sim.callFirst(scenario.durationUs, SETTLE_RANK, this, SETTLE, 0);
    this.workload = new Workload(sim, scenario.workload, seed, scenario.durationUs);
    onStart?.(sim);
    sim.start();
    this.workload.start();
  }

  /** Queues fault `index` of the script at its time, ranked by its index. */
  schedule(index: number): void {
    const fault = this.script[index]!;
    this.fired[index] = false;
    this.sim.callFirst(fault.atUs, index, this, index, 0);
  }

  /** The scheduled calls of the run layer: a fault of the script (a = its index) or settle (a = SETTLE). */
  onScheduled(a: number, _b: number): void {
    if (a === SETTLE) this.settle();
    else this.applyScripted(a);
  }

  private applyScripted(index: number): void {
    const s = this.sim;
    const fault = this.script[index]!;
    const text = applyFault(s, fault, this.faultRng);
    s.trace.note(s.nowUs, -1, text);
    this.log.push({ atUs: s.nowUs, text });
    this.trackDowntime();
    this.fired[index] = true;
    this.lastFaultEvent = s.eventsProcessed;
    this.landmarks.push({ event: s.eventsProcessed, atUs: s.nowUs, kind: 'fault', text });
    if (this.emitter.active) {
      this.emitter.emit({
        type: 'fault',
        event: s.eventsProcessed,
        atUs: s.nowUs,
        index,
        fault,
        text,
        skipped: text.startsWith('skipped'),
        injected: index >= this.injectedFrom,
      });
    }
  }

  /**
   * Settle: every fault healed (the network back to the scenario's latency,
   * with no loss and no duplication), crashed nodes restarted, paused nodes
   * resumed, clients stopped.
   */
  private settle(): void {
    const s = this.sim;
    this.settled = true;
    const n = this.names.length;
    // Every link heals, except into a straggler: one still up hears nothing, while everyone hears it
    // (an asymmetric partition, the kind that outlives a repair).
    s.network.heal();
    for (const st of this.stragglers) {
      for (let o = 0; o < n; o++) if (o !== st) s.network.cutLink(o, st);
    }
    s.network.setParams({ ...this.scenario.network, drop: 0, duplicate: 0 });
    for (let i = 0; i < n; i++) {
      if (this.stragglers.has(i)) continue;
      s.resume(i);
      if (!s.isUp(i)) s.restart(i);
    }
    this.trackDowntime();
    if (this.stragglers.size > 0) this.stragglerWarning = this.model.stragglerWarning?.(s.nodes, this.stragglers) ?? null;
    s.trace.note(s.nowUs, -1, 'settle');
    const kept = this.scenario.stragglers.length === 0 ? '' : `; stragglers ${this.scenario.stragglers.join(' ')} left down, or deaf (they hear no one)`;
    const text = `settle: faults healed (no loss, no duplication), crashed nodes restarted, clients stopped${kept}`;
    this.log.push({ atUs: s.nowUs, text });
    this.landmarks.push({ event: s.eventsProcessed, atUs: s.nowUs, kind: 'settle', text });
    if (this.emitter.active) this.emitter.emit({ type: 'settle', event: s.eventsProcessed, atUs: s.nowUs, text });
  }

  private violated(violation: Violation): void {
    const s = this.sim;
    const event = s?.eventsProcessed ?? 0;
    const atUs = s?.nowUs ?? 0;
    this.landmarks.push({ event, atUs, kind: 'violation', text: `${violation.invariant}: ${violation.detail}` });
    if (this.emitter.active) this.emitter.emit({ type: 'violation', event, atUs, violation });
  }

  /** When each node was down (crashed or paused): its clients' outage then is not the model's choice (the verdict). */
  private trackDowntime(): void {
    const s = this.sim;
    for (let i = 0; i < this.names.length; i++) {
      const down = !s.isUp(i) || s.paused[i] === true;
      if (down && this.downSinceUs[i]! < 0) this.downSinceUs[i] = s.nowUs;
      if (down || this.downSinceUs[i]! < 0) continue;
      this.downtime.push({ node: i, fromUs: this.downSinceUs[i]!, toUs: s.nowUs });
      this.downSinceUs[i] = -1;
    }
  }

  /** The downtime stretches with those still open closed at `endUs`. */
  downtimeUntil(endUs: Us): NodeDowntime[] {
    const all = [...this.downtime];
    this.downSinceUs.forEach((fromUs, node) => fromUs >= 0 && all.push({ node, fromUs, toUs: endUs }));
    return all;
  }

  /** True when the last event processed was a fault (no ordinary event of its instant has run yet). */
  lastEventWasFault(): boolean {
    return this.lastFaultEvent > 0 && this.lastFaultEvent === this.sim.eventsProcessed;
  }

  /** Attaches (or detaches) the observers that turn the loop's doings into events. */
  observe(on: boolean): void {
    if (!on) {
      this.sim.observer = null;
      this.workload.observer = null;
      return;
    }
    const sim = this.sim;
    const names = this.names;
    const emitter = this.emitter;
    const protocol = this.model.protocol;
    const simObserver: SimObserver = {
      sent: (from: number, to: number, msg: Message, arriveUs: Us, duplicate: boolean) =>
        emitter.emit({
          type: 'message-sent',
          event: sim.eventsProcessed,
          atUs: sim.nowUs,
          from: names[from]!,
          to: names[to]!,
          message: protocol.messageName(msg.kind),
          term: msg.term,
          arriveUs,
          duplicate,
        }),
      delivered: (from: number, to: number, msg: Message, sentUs: Us) =>
        emitter.emit({
          type: 'message-delivered',
          event: sim.eventsProcessed,
          atUs: sim.nowUs,
          from: names[from]!,
          to: names[to]!,
          message: protocol.messageName(msg.kind),
          term: msg.term,
          sentUs,
        }),
      dropped: (from: number, to: number, msg: Message, sentUs: Us, reason: DropReason) =>
        emitter.emit({
          type: 'message-dropped',
          event: sim.eventsProcessed,
          atUs: sim.nowUs,
          from: names[from]!,
          to: names[to]!,
          message: protocol.messageName(msg.kind),
          term: msg.term,
          sentUs,
          reason,
        }),
    };
    const workloadObserver: WorkloadObserver = {
      invoked: (client: number, node: number, op: ClientOp) =>
        emitter.emit({ type: 'client-invoked', event: sim.eventsProcessed, atUs: sim.nowUs, client: client + 1, node: names[node]!, f: op.f, key: op.key, value: op.value }),
      completed: (client, node, op, outcome, value, error, invokedUs) =>
        emitter.emit({
          type: 'client-completed',
          event: sim.eventsProcessed,
          atUs: sim.nowUs,
          client: client + 1,
          node: names[node]!,
          f: op.f,
          key: op.key,
          value,
          outcome,
          ...(error !== undefined ? { error } : {}),
          invokedUs,
        }),
    };
    sim.observer = simObserver;
    this.workload.observer = workloadObserver;
  }
}

const NEVER = (): boolean => false;

export class SteppableRun {
  readonly scenario: Scenario;
  readonly spec: ModelSpec;
  readonly seed: number;
  /** duration + settle, or `untilUs` when earlier. */
  readonly endUs: Us;
  readonly nodeNames: readonly string[];
  /** The simulation; null once `finish` let it go. */
  private current: Engine | null;
  /** The scenario's faults, then the injected ones (the engine's script is this array). */
  private readonly script: FaultSpec[];
  private readonly injectedFrom: number;
  /** The run's clock: at or after the last event processed, at or before the next. */
  private clockUs: Us = 0;
  private readonly listeners: RunListener[] = [];
  private readonly emitter: Emitter;
  /** Landmarks known ahead of the position: a replay after `seek` shows the same future until a fault is injected. */
  private knownLandmarks: Landmark[] = [];
  /** Positions `back` left, for `step` to return to exactly. */
  private readonly redo: RunPosition[] = [];
  private halted = false;
  private readonly haltCheck = (): boolean => this.halted;
  private finished: ModelRun | null = null;
  private readonly onSimulation: SteppableRunOptions['onSimulation'];
  private readonly onCheck: SteppableRunOptions['onCheck'];
  /** The scenario's narration, in time order. */
  private readonly notes: readonly ScenarioNote[];
  /**
   * How many notes have been told: those at or before the clock and before
   * the next event (every event of their instant processed). Always a prefix
   * of `notes`, kept whether or not anyone listens.
   */
  private notesTold = 0;

  constructor(scenario: Scenario, spec: ModelSpec, options: SteppableRunOptions = {}) {
    this.scenario = scenario;
    this.spec = spec;
    this.seed = options.seed ?? scenario.seed;
    this.nodeNames = scenario.nodes;
    this.endUs = Math.min(options.untilUs ?? Infinity, scenario.durationUs + scenario.settleUs);
    this.script = [...scenario.faults, ...(options.injected ?? [])];
    assert(this.script.length <= FAULT_SCRIPT_MAX, `at most ${FAULT_SCRIPT_MAX} faults`);
    this.injectedFrom = scenario.faults.length;
    this.notes = scenario.notes;
    const listeners = this.listeners;
    this.emitter = {
      active: false,
      emit(event: RunEvent): void {
        for (let i = 0; i < listeners.length; i++) listeners[i]!(event);
      },
    };
    this.onSimulation = options.onSimulation;
    this.onCheck = options.onCheck;
    const onStart = options.onSimulation === undefined ? null : (sim: Simulator) => options.onSimulation!('start', sim);
    this.current = this.newEngine(options.traceWriter ?? null, onStart);
  }

  /** Conditions the model's promises rest on that this configuration does not meet (lease reads beyond the drift bound): they withdraw promises. */
  get safeZoneWarnings(): readonly string[] {
    return this.engine.model.safeZoneWarnings ?? [];
  }

  private get engine(): Engine {
    if (this.current === null) throw new Error('this run was finished with release: its simulation is gone');
    return this.current;
  }

  private newEngine(traceWriter: TraceWriter | null = null, onStart: ((sim: Simulator) => void) | null = null): Engine {
    return new Engine(this.scenario, this.spec, this.seed, this.script, this.injectedFrom, this.emitter, traceWriter, onStart);
  }

  // ---- where the run is ---------------------------------------------------------

  get name(): string {
    return this.spec.name;
  }

  /** The run's clock: the time it was run to, at or after its last event's. */
  get nowUs(): Us {
    return this.clockUs;
  }

  /** Events processed so far (the position `seek` counts in). */
  get events(): number {
    return this.engine.sim.eventsProcessed;
  }

  get position(): RunPosition {
    return { event: this.events, nowUs: this.clockUs };
  }

  /** The time of the last event processed (0 before the first). */
  get lastEventUs(): Us {
    return this.engine.sim.nowUs;
  }

  /** The time of the next event, Infinity when none is left before the end. */
  get nextEventUs(): Us {
    const t = this.engine.sim.nextEventUs();
    return t <= this.endUs ? t : Infinity;
  }

  get phase(): 'scripted' | 'settle' | 'ended' {
    if (this.ended) return 'ended';
    return this.engine.settled ? 'settle' : 'scripted';
  }

  /** True when no event is left before the end (`finish` then only moves the clock to the end and settles the books). */
  get ended(): boolean {
    return this.nextEventUs === Infinity;
  }

  /** The simulator: for benchmarks and tests that read counters. Do not steer it. */
  get simulator(): Simulator {
    return this.engine.sim;
  }

  // ---- the event stream -----------------------------------------------------------

  /** Tells `listener` everything that happens from now on; returns the function that stops it. */
  subscribe(listener: RunListener): () => void {
    this.listeners.push(listener);
    this.setObserving();
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
      this.setObserving();
    };
  }

  private setObserving(): void {
    const on = this.listeners.length > 0;
    if (this.emitter.active === on) return;
    this.emitter.active = on;
    this.engine.observe(on);
  }

  // ---- going forward ----------------------------------------------------------------

  /** The next event, before it happens; null when none is left before the end. */
  peek(): PendingEvent | null {
    const e = this.engine.sim.peek();
    if (e === null || e.timeUs > this.endUs) return null;
    const names = this.nodeNames;
    const atUs = e.timeUs;
    switch (e.kind) {
      case 'deliver':
        return {
          kind: 'deliver',
          atUs,
          from: names[e.from]!,
          to: names[e.to]!,
          message: this.engine.model.protocol.messageName(e.message.kind),
          term: e.message.term,
          sentUs: e.sentUs,
        };
      case 'timer':
        return { kind: 'timer', atUs, node: names[e.node]!, timer: this.engine.model.protocol.timerName?.(e.timer) ?? `timer ${e.timer}` };
      case 'client-request':
        return { kind: 'client-request', atUs, client: e.request.client + 1, node: names[e.node]! };
      case 'call':
        if (e.target === this.engine) {
          if (e.a === SETTLE) return { kind: 'settle', atUs };
          return { kind: 'fault', atUs, index: e.a, fault: this.script[e.a]!, injected: e.a >= this.injectedFrom };
        }
        if (e.target === this.engine.workload) return e.b === INVOKE ? { kind: 'client-invoke', atUs, client: e.a + 1 } : { kind: 'client-timeout', atUs, client: e.a + 1 };
        return { kind: 'action', atUs };
      case 'action':
        return { kind: 'action', atUs };
    }
  }

  /**
   * Processes the next event; false when none is left before the end (the
   * clock then moves to the end). After `back`, returns exactly to where
   * `back` left.
   */
  step(): boolean {
    const back = this.redo.pop();
    if (back !== undefined) {
      this.goTo(back);
      return true;
    }
    if (this.advance(this.endUs, 1, NEVER) === 1) return true;
    this.clockUs = Math.max(this.clockUs, this.endUs);
    this.tellNotes();
    return false;
  }

  /** Processes the next `count` events (fewer at the end); returns how many. */
  runEvents(count: number): number {
    this.redo.length = 0;
    return this.advance(this.endUs, count, NEVER);
  }

  /**
   * Processes every event up to `untilUs` (capped at the end) and sets the
   * clock there, unless `options` stops it sooner (then the clock is at the
   * event that stopped it).
   */
  runUntil(untilUs: Us, options: RunUntilOptions = {}): RunStop {
    this.redo.length = 0;
    const target = Math.min(untilUs, this.endUs);
    if (target < this.clockUs) return target >= this.endUs ? 'end' : 'time';
    const stopWhen = options.stopWhen;
    const eventsMax = options.eventsMax ?? Infinity;
    if (stopWhen === undefined) {
      const done = this.advance(target, eventsMax, NEVER);
      if (done >= eventsMax && this.engine.sim.nextEventUs() <= target) return 'budget';
      this.clockUs = target;
      this.tellNotes();
      return target >= this.endUs ? 'end' : 'time';
    }
    const watch: RunListener = (event) => {
      if (!this.halted && stopWhen(event)) this.halted = true;
    };
    const unsubscribe = this.subscribe(watch);
    this.halted = false;
    try {
      const done = this.advance(target, eventsMax, this.haltCheck);
      if (this.halted) return 'stopped';
      if (done >= eventsMax && this.engine.sim.nextEventUs() <= target) return 'budget';
      this.clockUs = target;
      this.tellNotes();
      // A note at the target (the end of the run among them) can stop it too.
      if (this.halted) return 'stopped';
      return target >= this.endUs ? 'end' : 'time';
    } finally {
      this.halted = false;
      unsubscribe();
    }
  }

  /**
   * Runs events (at most `count`, up to `untilUs`); the clock follows them.
   * While someone listens, the loop pauses at each note's time to tell it
   * between the events it falls between, just before the first event after
   * it (and `stop` is asked after it too): the simulation is the same
   * however its run is cut.
   */
  private advance(untilUs: Us, count: number, stop: () => boolean): number {
    this.finished = null;
    const sim = this.engine.sim;
    let done = 0;
    const notes = this.notes;
    while (this.emitter.active && this.notesTold < notes.length && done < count) {
      const noteUs = notes[this.notesTold]!.atUs;
      if (noteUs > untilUs) break;
      done += sim.run(noteUs, stop, count - done);
      if (done > 0) this.clockUs = Math.max(this.clockUs, sim.nowUs);
      // Out of budget, stopped, or events of the note's instant left: not its moment yet (it is told before the
      // next event after it runs, or when the clock is moved to it).
      if (done >= count || sim.nextEventUs() <= noteUs || (done > 0 && stop())) return done;
      this.clockUs = Math.max(this.clockUs, noteUs);
      this.tellNotes();
      if (stop()) return done;
    }
    if (done < count) done += sim.run(untilUs, stop, count - done);
    if (done > 0) this.clockUs = Math.max(this.clockUs, sim.nowUs);
    this.tellNotes();
    return done;
  }

  /**
   * Tells the notes whose moment has come: at or before the clock, and before the next event. Once a
   * listener has stopped the run (`stopWhen`), no more: the next notes of the instant are told when the
   * run goes on, each where it can stop the run again (else they would be used up unseen).
   */
  private tellNotes(): void {
    const notes = this.notes;
    if (this.notesTold >= notes.length) return;
    const nextUs = this.engine.sim.nextEventUs();
    while (this.notesTold < notes.length && !this.halted) {
      const note = notes[this.notesTold]!;
      if (note.atUs > this.clockUs || note.atUs >= nextUs) return;
      const index = this.notesTold++;
      if (this.emitter.active) this.emitter.emit({ type: 'narration', event: this.events, atUs: note.atUs, index, text: noteLine(note) });
    }
  }

  /** How many notes at or before the clock are still to be told (a run stopped at a note leaves those after it in its instant). */
  get notesDue(): number {
    let n = 0;
    for (let i = this.notesTold; i < this.notes.length && this.notes[i]!.atUs <= this.clockUs; i++) n++;
    return n;
  }

  /** The scenario's notes told so far (every one at or before the clock whose instant is over), in time order. */
  get narration(): readonly ScenarioNote[] {
    return this.notes.slice(0, this.notesTold);
  }

  /**
   * Moves the clock to `timeUs` without processing anything: it must lie
   * between the last event's time and the next event's (a group of runs
   * keeps every run's clock on the same instant this way).
   */
  moveClock(timeUs: Us): void {
    assert(timeUs >= this.engine.sim.nowUs && timeUs <= Math.min(this.engine.sim.nextEventUs(), this.endUs), `the clock can move only between the last event and the next: ${timeUs}`);
    this.clockUs = timeUs;
    this.tellNotes();
  }

  // ---- faults by hand ---------------------------------------------------------------

  /**
   * The earliest time a fault injected now can take: the clock, or one
   * microsecond after it when an ordinary event of that instant has already
   * been processed (a scripted fault of an instant runs before all of them).
   */
  get earliestInjectionUs(): Us {
    const sim = this.engine.sim;
    if (this.clockUs > sim.nowUs || sim.eventsProcessed === 0 || this.engine.lastEventWasFault()) return this.clockUs;
    return this.clockUs + 1;
  }

  /**
   * Injects `action` at `atUs` (default: `earliestInjectionUs`, which it may
   * not precede) and runs the run up to and including it. The fault joins
   * the fault script, so `scenarioWithFaults` writes it out and a replay
   * repeats it. Injecting forks the run: faults injected earlier that have
   * not fired yet (the run was wound back before them) are dropped.
   */
  inject(action: FaultAction, atUs?: Us): Injection {
    const earliest = this.earliestInjectionUs;
    const t = atUs ?? earliest;
    if (t < earliest) throw new InjectionError(`cannot inject at ${t}us: events after it have run (earliest ${earliest}us)`);
    if (t > this.scenario.durationUs) throw new InjectionError('the scripted part is over: faults can be injected only until duration (settle heals everything)');
    if (t > this.endUs) throw new InjectionError(`the run ends at ${this.endUs}us`);
    if (this.script.length >= FAULT_SCRIPT_MAX) throw new InjectionError(`the fault script is full (${FAULT_SCRIPT_MAX} faults)`);
    const fault = { ...action, atUs: t, line: 0, col: 0 } as FaultSpec;
    // Checked as loading the written file will check it, so that the file loads.
    const problems = faultActionProblems(action.action, faultItem(fault)[action.action], this.nodeNames);
    if (problems.length > 0) throw new InjectionError(`${action.action}: ${problems.join('; ')}`);
    this.fork();
    this.redo.length = 0;
    const index = this.script.length;
    this.script.push(fault);
    this.engine.schedule(index);
    const engine = this.engine;
    this.advance(t, Infinity, () => engine.fired[index] === true);
    assert(engine.fired[index] === true, 'an injected fault fires when the run reaches it');
    this.clockUs = t;
    this.tellNotes();
    const text = engine.log[engine.log.length - 1]!.text;
    return { fault, index, text };
  }

  /** Drops injected faults that have not fired, replaying to the same position without them. */
  private fork(): void {
    const engine = this.engine;
    let keep = this.script.length;
    while (keep > this.injectedFrom && engine.fired[keep - 1] !== true) keep--;
    // Injected faults fire in script order (their times never decrease), so the unfired ones are a suffix.
    for (let i = this.injectedFrom; i < keep; i++) assert(engine.fired[i] === true, 'injected faults fire in order');
    this.knownLandmarks = this.knownLandmarks.filter((l) => l.event <= this.events);
    if (keep === this.script.length) return;
    const position = this.position;
    this.script.length = keep;
    this.rebuildTo(position);
  }

  /** The faults injected by hand, in order, each with its time. */
  get injected(): readonly FaultSpec[] {
    return this.script.slice(this.injectedFrom);
  }

  /** The run's whole fault script: the scenario's faults, then the injected ones. */
  faultScript(): readonly FaultSpec[] {
    return [...this.script];
  }

  // ---- going back ------------------------------------------------------------------

  /** One event back (replaying from the start); `step` then returns exactly here. False at the start. */
  back(): boolean {
    const here = this.position;
    if (here.event === 0) return false;
    this.goTo({ event: here.event - 1, nowUs: -1 });
    this.redo.push(here);
    return true;
  }

  /** Goes to just after event `event` (0: the start), the clock at that event's time. */
  seek(event: number): void {
    this.seekPosition({ event: Math.max(0, event), nowUs: -1 });
  }

  /** Goes to `position` (as `position` gave it; `nowUs` -1 puts the clock at the event's time). */
  seekPosition(position: RunPosition): void {
    this.redo.length = 0;
    this.goTo(position);
  }

  /** Goes to simulated time `timeUs`: every event up to it processed, the clock there. */
  seekTime(timeUs: Us): void {
    this.redo.length = 0;
    if (timeUs < this.clockUs || (timeUs === this.clockUs && this.engine.sim.nowUs === timeUs)) {
      // Back (or the same instant, which may hold events not yet run: runUntil below runs them).
      this.rebuildTo({ event: 0, nowUs: 0 });
      this.emitRewind();
    }
    this.runUntil(timeUs);
  }

  /**
   * Goes to `position`; `nowUs` -1 puts the clock at the event's time. Back:
   * a silent replay from the start, then a `rewind` event; forward: stepping,
   * told as usual.
   */
  private goTo(position: RunPosition): void {
    if (position.event < this.events) {
      this.rebuildTo(position);
      this.emitRewind();
      return;
    }
    if (position.event > this.events) this.advance(this.endUs, position.event - this.events, NEVER);
    const lastUs = this.engine.sim.nowUs;
    this.clockUs = position.nowUs >= 0 ? Math.max(position.nowUs, lastUs) : lastUs;
    this.tellNotes();
  }

  /** A new engine replayed silently to `position` (nowUs -1: the clock at the event's time). */
  private rebuildTo(position: RunPosition): void {
    const known = this.engine.landmarks.length > this.knownLandmarks.length ? this.engine.landmarks : this.knownLandmarks;
    this.knownLandmarks = [...known];
    this.finished = null;
    this.engine.observe(false);
    const active = this.emitter.active;
    // Silent from the start: what a model reports while it is built (a primary taking office at 0) was told the first time.
    this.emitter.active = false;
    try {
      this.current = this.newEngine();
      this.clockUs = 0;
      this.notesTold = 0;
      this.engine.sim.run(this.endUs, NEVER, position.event);
      this.clockUs = this.engine.sim.nowUs;
      if (position.nowUs >= 0) this.moveClock(Math.max(position.nowUs, this.clockUs));
      this.tellNotes(); // silently: the notes up to here were told before
    } finally {
      this.emitter.active = active;
      this.engine.observe(active);
    }
  }

  private emitRewind(): void {
    if (this.emitter.active) this.emitter.emit({ type: 'rewind', event: this.events, atUs: this.clockUs });
  }

  /**
   * The landmarks (faults, settle, leaders taking office, violations) known
   * so far, in event order — after going back, also those ahead of the
   * position that the run reached before (the future is the same until a
   * fault is injected).
   */
  landmarks(): readonly Landmark[] {
    const current = this.engine.landmarks;
    if (current.length >= this.knownLandmarks.length) return [...current];
    return [...this.knownLandmarks];
  }

  // ---- looking at it ---------------------------------------------------------------

  /** The run as plain data, for the UI. Allocates: call it per frame, not per event. */
  snapshot(options: SnapshotOptions = {}): RunSnapshot {
    const tailMax = options.logTail ?? LOG_TAIL_DEFAULT;
    const engine = this.engine;
    const sim = engine.sim;
    const names = this.nodeNames;
    const protocol = engine.model.protocol;
    const net = sim.network.state();
    const leader = sim.leader();
    const views: NodeView[] = sim.nodes.map((node, i) => node?.view(tailMax) ?? protocol.stableView?.(sim.stable[i], tailMax) ?? { role: 'crashed', term: 0, logLength: 0, commitIndex: 0 });
    const leaderLog = leader >= 0 ? views[leader]!.logLength : -1;
    const name = (i: number | undefined): string | null => (i === undefined || i < 0 ? null : (names[i] ?? null));
    const nodes: NodeSnapshot[] = views.map((v, i) => ({
      name: names[i]!,
      status: !sim.isUp(i) ? 'crashed' : sim.paused[i] ? 'paused' : 'up',
      role: sim.isUp(i) ? v.role : 'crashed',
      term: v.term,
      votedFor: name(v.votedFor),
      leader: name(v.leader),
      logLength: v.logLength,
      commitIndex: v.commitIndex,
      appliedIndex: v.appliedIndex ?? v.commitIndex,
      logTail: v.logTailTerms ?? [],
      side: net.groups[i]!,
      lag: leaderLog < 0 ? 0 : Math.max(0, leaderLog - v.logLength),
      backlog: sim.backlog(i),
      clockDrift: engine.model.clockDrift?.[i] ?? 0,
      ...(v.holdsLock !== undefined ? { holdsLock: v.holdsLock } : {}),
      ...(v.syncStandbys !== undefined ? { syncStandbys: v.syncStandbys.map((s) => names[s]!) } : {}),
    }));
    const groupIds = [...new Set(net.groups)].sort((a, b) => a - b);
    const queued = sim.queuedDeliveries();
    const inFlightMax = options.inFlightMax ?? IN_FLIGHT_DEFAULT;
    const lock = engine.model.lockHolder?.(this.clockUs);
    return {
      model: this.spec.name,
      kind: this.spec.kind,
      position: this.position,
      durationUs: this.scenario.durationUs,
      endUs: this.endUs,
      phase: this.phase,
      nodes,
      leader: name(leader),
      ...(lock !== undefined ? { lock: lock === null ? null : { holder: names[lock.node]!, epoch: lock.epoch } } : {}),
      network: {
        groups: groupIds.map((g) => names.filter((_, i) => net.groups[i] === g)),
        cuts: net.cuts.map(([from, to]) => ({ from: names[from]!, to: names[to]! })),
        latencyUsMin: net.latencyUsMin,
        latencyUsMax: net.latencyUsMax,
        drop: net.drop,
        duplicate: net.duplicate,
      },
      inFlight: queued.slice(0, inFlightMax).map((m) => ({
        from: names[m.from]!,
        to: names[m.to]!,
        message: protocol.messageName(m.message.kind),
        term: m.message.term,
        sentUs: m.sentUs,
        arriveUs: m.arriveUs,
      })),
      inFlightTotal: queued.length,
      clients: this.clientSnapshots(options.recentOutcomes ?? RECENT_OUTCOMES_DEFAULT),
      messages: { sent: sim.messagesSent, delivered: sim.messagesDelivered, dropped: sim.messagesDropped },
      violations: [...engine.model.violations()],
      next: this.peek(),
    };
  }

  private clientSnapshots(recentMax: number): ClientSnapshot[] {
    const names = this.nodeNames;
    const history = this.engine.workload.history;
    const states = this.engine.workload.clientStates();
    const recent: ClientSnapshot['recent'][number][][] = states.map(() => []);
    // From the end of the history back, until every client has its share (or the history runs out).
    let missing = states.length;
    for (let i = history.length - 1; i >= 0 && missing > 0; i--) {
      const type = history.typeAt(i);
      if (type === 'invoke') continue;
      const list = recent[history.processAt(i) - 1];
      if (list === undefined || list.length >= recentMax) continue;
      const error = history.errorAt(i);
      list.push({ atUs: history.tAt(i), f: history.fAt(i), outcome: type, ...(error !== undefined ? { error } : {}) });
      if (list.length === recentMax) missing--;
    }
    return states.map((c) => ({
      client: c.index + 1,
      node: names[c.node]!,
      pending: c.op === null ? null : { f: c.op.f, key: c.op.key, sinceUs: c.invokedUs },
      recent: recent[c.index]!.reverse(),
    }));
  }

  /**
   * The client figures so far, over the operations invoked before the
   * clock (or before duration), against the current leader's log. Costs a
   * pass over the history: per frame, not per event.
   */
  figures(): LiveFigures {
    const engine = this.engine;
    const horizonUs = Math.min(Math.max(this.clockUs, 1), this.scenario.durationUs);
    const figures = clientFigures(engine.workload.history, engine.model.authoritativeWrites(engine.sim.nodes), horizonUs);
    return {
      ops: figures.ops,
      availability: round(figures.availability, 4),
      lostWrites: figures.lostWrites,
      staleReads: figures.staleReads,
      dirtyReads: figures.dirtyReads,
      rtoMs: round(figures.rtoMs, 3),
      leaderChanges: Math.max(0, engine.model.tookOffice() - 1),
      violations: engine.model.violations().length,
    };
  }

  /** The client history so far, by column (`event(i)` makes one event). */
  get history(): HistoryLog {
    return this.engine.workload.history;
  }

  /** The safety violations found so far, in the order found (`violationLine` makes each an event-log line). */
  get violations(): readonly Violation[] {
    return this.engine.model.violations();
  }

  /** The event log so far (faults, settle, leaders), as `finish` reports it before violations are added. */
  get log(): readonly LogLine[] {
    return this.engine.log;
  }

  // ---- the end -------------------------------------------------------------------------

  /**
   * Runs to the end (or `untilUs`, when it is earlier and not yet passed),
   * then settles the books: liveness, the event log with violations, the
   * figures, the linearizability check, the promises, the verdict. Exactly
   * what `runModel` returns. Calling it again without moving returns the
   * same result. With `release`, the simulation is let go before the checks
   * run (the run can then only be read, not moved or looked into).
   */
  finish(untilUs?: Us, options: { readonly release?: boolean } = {}): ModelRun {
    const endUs = Math.max(Math.min(untilUs ?? this.endUs, this.endUs), this.clockUs);
    if (this.finished !== null && this.clockUs === endUs) return this.finished;
    this.runUntil(endUs);
    this.onSimulation?.('end', this.engine.sim);
    const simulated = this.simulated(endUs);
    if (options.release === true) this.release();
    this.finished = judgeRun(this.scenario, this.spec, simulated, this.onCheck);
    return this.finished;
  }

  /** What the simulation leaves for the checks, the clock at `endUs`. */
  private simulated(endUs: Us): Simulated {
    const engine = this.engine;
    const s = engine.sim;
    const scenario = this.scenario;
    const model = engine.model;
    const stoppedEarly = endUs < scenario.durationUs + scenario.settleUs;
    // Every figure covers what ran: the clients' operations invoked before the horizon.
    const horizonUs = Math.min(endUs, scenario.durationUs);
    const unconverged = stoppedEarly ? undefined : (model.convergence?.(s.nodes, engine.stragglers) ?? null);
    const checked = model.violations();
    // Violations join the event log once, at the end, each after the lines of its instant: the loop stays free of per-event polling.
    const log = [...engine.log];
    for (const v of checked) {
      const line = violationLine(v);
      const at = log.findIndex((l) => l.atUs > line.atUs);
      log.splice(at < 0 ? log.length : at, 0, line);
    }
    if (unconverged !== undefined && unconverged !== null) log.push({ atUs: endUs, text: `LIVENESS not converged after settle: ${unconverged}` });
    return {
      log,
      history: engine.workload.history,
      checked: [...checked],
      unconverged,
      authoritative: model.authoritativeWrites(s.nodes),
      authority: model.authority(s.nodes),
      warnings: model.safeZoneWarnings ?? [],
      livenessWarning: engine.stragglerWarning,
      tookOffice: model.tookOffice(),
      events: s.events,
      messages: { sent: s.messagesSent, delivered: s.messagesDelivered, dropped: s.messagesDropped },
      traceHash: engine.trace.digest(),
      nowUs: endUs,
      downtime: engine.downtimeUntil(endUs),
      stoppedEarly,
      horizonUs,
    };
  }

  /** Lets the simulation go (its memory with it). */
  private release(): void {
    this.engine.observe(false);
    this.current = null;
  }
}

/** A violation as a line of the event log (`finish` puts it after the lines of its instant). */
export function violationLine(v: Violation): LogLine {
  return { atUs: Math.round(v.atMs * 1000), text: `VIOLATION ${v.invariant}: ${v.detail}` };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
