import { followScenario } from '../cli/follow.ts';
import { scenarioResult, type RunOptions, type RunResult } from '../run/run.ts';
import { SteppableRun } from '../run/steppable.ts';
import type { Scenario } from '../scenario/types.ts';
import { recordRun, type RecordOptions, type Recording } from './recorder.ts';

export interface RecordedResult {
  readonly result: RunResult;
  /** One per model run, in model order. */
  readonly recordings: readonly Recording[];
}

/**
 * `runScenario` (or, with `follow`, `followScenario`) with a recorder on
 * every model's event stream: the same simulations, the same `RunResult`
 * and `traceHash`es, plus what the pictures need. Used only when an export
 * asks for it; a plain run listens to nothing.
 */
export function runRecorded(scenario: Scenario, options: RunOptions, follow?: (text: string) => void, record: RecordOptions = {}): RecordedResult {
  const recorders: ReturnType<typeof recordRun>[] = [];
  const onRun = (run: SteppableRun) => recorders.push(recordRun(run, record));
  let result: RunResult;
  if (follow !== undefined) {
    result = followScenario(scenario, options, follow, undefined, onRun);
  } else {
    const seed = options.seed ?? scenario.seed;
    const wanted = options.models;
    const specs = wanted === undefined ? scenario.models : scenario.models.filter((m) => wanted.includes(m.name));
    const runs = specs.map((spec) => {
      // As runModel: one model at a time, its simulation let go before the next begins.
      const run = new SteppableRun(scenario, spec, { seed, traceWriter: options.traceWriter?.(spec.name) ?? null });
      onRun(run);
      const done = run.finish(options.untilUs, { release: true });
      recorders[recorders.length - 1]!.finish();
      return done;
    });
    result = scenarioResult(scenario, seed, runs, options.untilUs, options.toldNotes);
  }
  for (const r of recorders) r.finish();
  return { result, recordings: recorders.map((r) => r.recording) };
}
