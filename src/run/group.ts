import { assert } from '../core/assert.ts';
import type { Us } from '../core/time.ts';
import type { FaultAction, FaultSpec, Scenario } from '../scenario/types.ts';
import { scenarioWithFaults } from '../scenario/write.ts';
import type { RunEvent, RunSnapshot } from './events.ts';
import { evaluateExpectations } from './expect.ts';
import { notesUntil } from './run.ts';
import { InjectionError, SteppableRun, type RunStop, type SnapshotOptions } from './steppable.ts';
import type { RunResult } from './types.ts';

export interface RunGroupOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  /** Only these models (by name); all when absent. */
  readonly models?: readonly string[];
  /** Stop every run here instead of at duration + settle. */
  readonly untilUs?: Us;
  /** Faults injected by hand before (appended to the scenario's, in order). */
  readonly injected?: readonly FaultSpec[];
}

/** Where a group is: one clock for every run, and each run's events processed (in model order). */
export interface GroupPosition {
  readonly nowUs: Us;
  readonly events: readonly number[];
}

export type GroupListener = (model: string, event: RunEvent) => void;

/**
 * Every model of a scenario side by side, one `SteppableRun` each, on one
 * clock: what the terminal UI drives. A fault injected by hand goes to every
 * model at the same instant (the latest of the runs' earliest injection
 * times), so the comparison stays fair and one fault script, written back
 * out, replays every model.
 *
 * Stepping takes the earliest next event among the runs (ties: model
 * order) and moves the other runs' clocks to its time; `back` undoes the
 * latest such step (by replaying that run), and `step` after `back` returns
 * exactly where `back` left.
 */
export class RunGroup {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly runs: readonly SteppableRun[];
  private readonly redo: GroupPosition[] = [];

  constructor(scenario: Scenario, options: RunGroupOptions = {}) {
    this.scenario = scenario;
    this.seed = options.seed ?? scenario.seed;
    const wanted = options.models;
    const specs = wanted === undefined ? scenario.models : scenario.models.filter((m) => wanted.includes(m.name));
    assert(specs.length > 0, 'a group has at least one model');
    this.runs = specs.map(
      (spec) =>
        new SteppableRun(scenario, spec, {
          seed: this.seed,
          ...(options.untilUs !== undefined ? { untilUs: options.untilUs } : {}),
          ...(options.injected !== undefined ? { injected: options.injected } : {}),
        }),
    );
  }

  /** The group's clock (every run's). */
  get nowUs(): Us {
    return this.runs[0]!.nowUs;
  }

  get endUs(): Us {
    return this.runs[0]!.endUs;
  }

  get ended(): boolean {
    return this.runs.every((r) => r.ended);
  }

  get position(): GroupPosition {
    return { nowUs: this.nowUs, events: this.runs.map((r) => r.events) };
  }

  run(model: string): SteppableRun | undefined {
    return this.runs.find((r) => r.name === model);
  }

  /** Tells `listener` what happens in every run from now on; returns the function that stops it. */
  subscribe(listener: GroupListener): () => void {
    const stops = this.runs.map((r) => r.subscribe((event) => listener(r.name, event)));
    return () => stops.forEach((stop) => stop());
  }

  /** The earliest next event among the runs (ties: model order); false when none is left. */
  step(): boolean {
    const back = this.redo.pop();
    if (back !== undefined) {
      this.goTo(back);
      return true;
    }
    let best = -1;
    let bestUs = Infinity;
    this.runs.forEach((r, i) => {
      const t = r.nextEventUs;
      if (t < bestUs) {
        best = i;
        bestUs = t;
      }
    });
    if (best < 0) return false;
    this.runs[best]!.runEvents(1);
    this.align(bestUs);
    return true;
  }

  /** Undoes the latest step: the run whose last event is latest (ties: the last model) goes one event back. False at the start. */
  back(): boolean {
    const here = this.position;
    let latest = -1;
    this.runs.forEach((r, i) => {
      if (r.events > 0 && (latest < 0 || r.lastEventUs >= this.runs[latest]!.lastEventUs)) latest = i;
    });
    if (latest < 0) return false;
    const run = this.runs[latest]!;
    run.seekPosition({ event: run.events - 1, nowUs: -1 });
    const clockUs = Math.max(...this.runs.map((r) => (r.events > 0 ? r.lastEventUs : 0)));
    this.align(clockUs);
    this.redo.push(here);
    return true;
  }

  /** Every run to `untilUs`; with `stopWhen`, every run stops at the earliest instant one of them stopped at. */
  runUntil(untilUs: Us, stopWhen?: (model: string, event: RunEvent) => boolean): RunStop {
    this.redo.length = 0;
    if (stopWhen === undefined) {
      const stops = this.runs.map((r) => r.runUntil(untilUs));
      return stops.every((s) => s === 'end') ? 'end' : 'time';
    }
    let stoppedUs = Infinity;
    for (const r of this.runs) {
      const stop = r.runUntil(Math.min(untilUs, stoppedUs), { stopWhen: (e) => stopWhen(r.name, e) });
      if (stop === 'stopped') stoppedUs = Math.min(stoppedUs, r.nowUs);
    }
    if (stoppedUs === Infinity) return this.runs.every((r) => r.ended) ? 'end' : 'time';
    // Runs that went past the instant another stopped at go back to it (a replay: stops are rare).
    for (const r of this.runs) {
      if (r.nowUs > stoppedUs) r.seekTime(stoppedUs);
      else if (r.nowUs < stoppedUs) r.runUntil(stoppedUs);
    }
    return 'stopped';
  }

  /** Every run to simulated time `timeUs` (back by replaying). */
  seekTime(timeUs: Us): void {
    this.redo.length = 0;
    for (const r of this.runs) r.seekTime(timeUs);
  }

  /** Every run to `position` (as `position` gave it). */
  goTo(position: GroupPosition): void {
    assert(position.events.length === this.runs.length, 'one event count per run');
    this.runs.forEach((r, i) => r.seekPosition({ event: position.events[i]!, nowUs: -1 }));
    this.align(position.nowUs);
  }

  /**
   * Injects `action` into every run at one instant: the latest of their
   * earliest injection times. Returns what it did in each model (by name).
   */
  inject(action: FaultAction): { readonly atUs: Us; readonly texts: Readonly<Record<string, string>> } {
    this.redo.length = 0;
    const atUs = Math.max(...this.runs.map((r) => r.earliestInjectionUs));
    if (atUs > this.scenario.durationUs) throw new InjectionError('the scripted part is over: faults can be injected only until duration (settle heals everything)');
    const texts: Record<string, string> = {};
    // The first run checks the action (InjectionError) before any run has changed.
    for (const r of this.runs) texts[r.name] = r.inject(action, atUs).text;
    return { atUs, texts };
  }

  /** The faults injected by hand, in order (the same in every run). */
  get injected(): readonly FaultSpec[] {
    return this.runs[0]!.injected;
  }

  /** The scenario file `source` with the injected faults added: it replays every model to the same traceHash. */
  writeScenario(source: string): string {
    return scenarioWithFaults(source, this.scenario, this.injected, { seed: this.seed });
  }

  snapshots(options: SnapshotOptions = {}): RunSnapshot[] {
    return this.runs.map((r) => r.snapshot(options));
  }

  /** Every run to its end, and the result `runScenario` gives. */
  finish(): RunResult {
    this.redo.length = 0;
    const runs = this.runs.map((r) => r.finish());
    return {
      scenario: this.scenario.name,
      seed: this.seed,
      durationMs: this.scenario.durationUs / 1000,
      runs,
      expectations: evaluateExpectations(
        this.scenario.expect.filter((e) => runs.some((r) => r.name === e.model)),
        Object.fromEntries(runs.map((r) => [r.name, r.summary])),
      ),
      ...notesUntil(this.scenario, this.endUs),
    };
  }

  /** Every run's clock to `timeUs` (no run has an event left before it, none has run one after it). */
  private align(timeUs: Us): void {
    for (const r of this.runs) if (r.nowUs !== timeUs) r.moveClock(timeUs);
  }
}
