import type { LinearizableVerdict } from './linearizable.ts';
import type { EffectiveWrite } from '../check/figures.ts';
import type { Violation } from '../check/violations.ts';
import type { Us } from '../core/time.ts';
import type { Simulator } from '../sim/simulator.ts';
import type { TraceWriter } from '../sim/trace.ts';
import type { HistoryEvent, HistoryLog } from '../workload/history.ts';
import type { ExpectationResult } from './expect.ts';
import type { ModelPromises } from './promises.ts';

/**
 * The results of a run, apart from the code that produces them (run.ts,
 * steppable.ts, judge.ts), so that what reads them (verdict.ts, the CLI, the
 * UI) imports types without importing the run.
 */

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
  /** After settle, with every fault healed: did the cluster converge (Raft: a leader, every member applied the same committed log)? null when the run stopped before the end of settle (`--until`). */
  readonly converged: boolean | null;
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
  /** What the convergence check found missing after settle; null when it converged, undefined when the run stopped before the end of settle. */
  readonly unconverged: string | null | undefined;
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
  /** The scenario's narration (`notes:`) up to where the run stopped, in time order: the text report prints it in every model's event log. */
  readonly notes?: readonly LogLine[];
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
   * How each of the scenario's notes is told, one text per note in order:
   * a lesson's note whose stated fact this run contradicts says so (see
   * `narration` in src/lessons). As written when absent.
   */
  readonly toldNotes?: readonly string[];
  /**
   * Told with the simulator just before its first event (`start`) and just
   * after its last (`end`), so that a benchmark can time or sample the event
   * loop apart from the checks that follow it. It watches; it never steers.
   */
  readonly onSimulation?: (phase: 'start' | 'end', sim: Simulator) => void;
  /**
   * Told as each of the checks after the simulation begins (`figures`,
   * `linearizability`, `verdict`: the promises, the summary and the
   * verdict) and when they are all done (`done`), so that `raftsim bench
   * run` can time each phase. It watches; it never steers.
   */
  readonly onCheck?: (step: CheckStep) => void;
}

/** The checks after a model's simulation, in the order they run (RunOptions.onCheck). */
export type CheckStep = 'figures' | 'linearizability' | 'verdict' | 'done';
