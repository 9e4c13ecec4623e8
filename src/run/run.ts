import type { ModelSpec, Scenario } from '../scenario/types.ts';
import { noteLine } from './note-line.ts';
import { evaluateExpectations } from './expect.ts';
import { SteppableRun } from './steppable.ts';
import type { LogLine, ModelRun, RunOptions, RunResult } from './types.ts';

export type { CheckStep, LogLine, ModelRun, ModelSummary, RunOptions, RunResult } from './types.ts';

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
  return scenarioResult(scenario, seed, runs, options.untilUs, options.toldNotes);
}

/** The result of a scenario whose models ran (each to its end, or to `untilUs`): the runs, the expect lines judged, the notes. */
export function scenarioResult(scenario: Scenario, seed: number, runs: readonly ModelRun[], untilUs?: number, toldNotes?: readonly string[]): RunResult {
  const cut = untilUs !== undefined && untilUs < scenario.durationUs + scenario.settleUs;
  return {
    scenario: scenario.name,
    seed,
    durationMs: scenario.durationUs / 1000,
    ...(cut ? { untilMs: untilUs / 1000 } : {}),
    runs,
    expectations: evaluateExpectations(
      scenario.expect.filter((e) => runs.some((r) => r.name === e.model)),
      Object.fromEntries(runs.map((r) => [r.name, r.summary])),
    ),
    ...notesUntil(scenario, untilUs, toldNotes),
  };
}

/** The scenario's notes up to `untilUs` (all when absent), for `RunResult.notes`, each as `told` tells it (RunOptions.toldNotes) or as written; nothing when there are none. */
export function notesUntil(scenario: Scenario, untilUs: number = Infinity, told?: readonly string[]): { notes?: readonly LogLine[] } {
  const notes = scenario.notes.flatMap((n, i) => (n.atUs <= untilUs ? [{ atUs: n.atUs, text: told?.[i] ?? noteLine(n) }] : []));
  return notes.length === 0 ? {} : { notes };
}

/**
 * One model's run: a steppable run, run to the end (or to `options.untilUs`).
 * The simulation is let go before the checks run, so a long run's peak
 * memory is the larger of the two phases, not their sum.
 */
export function runModel(scenario: Scenario, spec: ModelSpec, seed: number, options: RunOptions = {}): ModelRun {
  const run = new SteppableRun(scenario, spec, {
    seed,
    traceWriter: options.traceWriter?.(spec.name) ?? null,
    ...(options.onSimulation !== undefined ? { onSimulation: options.onSimulation } : {}),
    ...(options.onCheck !== undefined ? { onCheck: options.onCheck } : {}),
  });
  return run.finish(options.untilUs, { release: true });
}
