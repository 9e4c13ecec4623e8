import type { Us } from '../core/time.ts';
import { notesUntil, scenarioResult, type LogLine, type ModelRun, type RunOptions, type RunResult } from '../run/run.ts';
import { SteppableRun, violationLine } from '../run/steppable.ts';
import type { Scenario } from '../scenario/types.ts';
import { eventLog, logLine, noteLine, reportHeader } from './report.ts';

/**
 * `raftsim run FILE --ui text --follow`: the text report's event log printed
 * while the run goes, for logs and CI. Every model is a steppable run; they
 * advance together in slices of simulated time, and after each slice the
 * lines of the event log that happened in it (faults, leaders taking office,
 * violations, the scenario's notes) are written at once, in simulated-time
 * order across the models (ties: model order, a note after the models'
 * lines of its instant), each prefixed with its model's name when several
 * run. At the end the runs are finished exactly as `runScenario` finishes
 * them, the lines only the end can tell (broken promises, liveness) follow,
 * and the caller prints the rest of the report (`textReport` without its
 * header and event logs).
 */

/** Simulated time per slice: small enough that a line shows soon after its event, large enough to cost nothing. */
export const FOLLOW_SLICE_US: Us = 100_000;

interface Pending {
  readonly line: LogLine;
  /** Order among the lines of one instant: model index × 2, + 1 for a violation (after the model's other lines); notes last. */
  readonly rank: number;
  /** The model's name when several run, else undefined (the line is printed as the report prints it). */
  readonly model: string | undefined;
}

/**
 * Runs `scenario` as `runScenario(scenario, options)` does (the same
 * simulation, the same `RunResult`), writing the report's header and then
 * each event-log line as soon as its slice has run.
 */
export function followScenario(
  scenario: Scenario,
  options: RunOptions,
  write: (text: string) => void,
  sliceUs: Us = FOLLOW_SLICE_US,
  /** Told each model's run before its first event (an export subscribing to its event stream). */
  onRun?: (run: SteppableRun) => void,
): RunResult {
  const seed = options.seed ?? scenario.seed;
  const wanted = options.models;
  const specs = wanted === undefined ? scenario.models : scenario.models.filter((m) => wanted.includes(m.name));
  const runs = specs.map((spec) => new SteppableRun(scenario, spec, { seed, traceWriter: options.traceWriter?.(spec.name) ?? null }));
  if (onRun !== undefined) for (const run of runs) onRun(run);
  const endUs = Math.min(options.untilUs ?? Infinity, scenario.durationUs + scenario.settleUs);
  const several = runs.length > 1;
  const width = Math.max(...runs.map((r) => r.name.length));
  const label = (i: number): string | undefined => (several ? runs[i]!.name.padEnd(width) : undefined);
  const noteLabel = several ? ''.padEnd(width) : undefined;

  write(reportHeader(scenario.name, seed, scenario.durationUs, scenario.description, scenario.seed));
  write('\n');

  const flush = (pending: Pending[]): void => {
    if (pending.length === 0) return;
    // Stable: each model's lines keep their order within an instant.
    pending.sort((a, b) => a.line.atUs - b.line.atUs || a.rank - b.rank);
    write(pending.map((p) => logLine(p.line, p.model)).join(''));
  };

  const logSeen = runs.map(() => 0);
  const violationsSeen = runs.map(() => 0);
  const streamed: LogLine[][] = runs.map(() => []);
  // As the report tells them (RunOptions.toldNotes), a note's question with it.
  const notes = notesUntil(scenario, endUs, options.toldNotes).notes ?? [];
  let notesSeen = 0;
  const NOTE_RANK = runs.length * 2;

  for (let t = 0; t < endUs; ) {
    t = Math.min(t + sliceUs, endUs);
    const pending: Pending[] = [];
    runs.forEach((run, i) => {
      run.runUntil(t);
      const log = run.log;
      for (let k = logSeen[i]!; k < log.length; k++) pending.push({ line: log[k]!, rank: i * 2, model: label(i) });
      logSeen[i] = log.length;
      const violations = run.violations;
      for (let k = violationsSeen[i]!; k < violations.length; k++) pending.push({ line: violationLine(violations[k]!), rank: i * 2 + 1, model: label(i) });
      violationsSeen[i] = violations.length;
    });
    for (const p of pending) streamed[p.rank >> 1]!.push(p.line);
    // A note at the very end waits for the lines only the end can tell (the report puts it after them).
    for (; notesSeen < notes.length && notes[notesSeen]!.atUs <= t && notes[notesSeen]!.atUs < endUs; notesSeen++) {
      pending.push({ line: noteLine(notes[notesSeen]!), rank: NOTE_RANK, model: noteLabel });
    }
    flush(pending);
  }

  const finished: ModelRun[] = runs.map((run) => run.finish(options.untilUs, { release: true }));
  const pending: Pending[] = [];
  finished.forEach((run, i) => {
    for (const line of unstreamed(eventLog(run), streamed[i]!)) pending.push({ line, rank: i * 2, model: label(i) });
  });
  for (; notesSeen < notes.length; notesSeen++) pending.push({ line: noteLine(notes[notesSeen]!), rank: NOTE_RANK, model: noteLabel });
  flush(pending);
  return scenarioResult(scenario, seed, finished, options.untilUs, options.toldNotes);
}

/** The lines of `log` not among `streamed` (each streamed line accounts for one equal line of the log), in log order. */
function unstreamed(log: readonly LogLine[], streamed: readonly LogLine[]): LogLine[] {
  const counts = new Map<string, number>();
  const key = (l: LogLine) => `${l.atUs} ${l.text}`;
  for (const l of streamed) counts.set(key(l), (counts.get(key(l)) ?? 0) + 1);
  return log.filter((l) => {
    const n = counts.get(key(l)) ?? 0;
    if (n === 0) return true;
    counts.set(key(l), n - 1);
    return false;
  });
}
