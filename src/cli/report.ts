import { printable, printableLines } from '../core/text.ts';
import { formatUs } from '../core/time.ts';
import type { LogLine, ModelRun, RunResult } from '../run/run.ts';
import { renderTimeline } from '../check/linearizability/index.ts';
import { percent, table } from './format.ts';
import { PROMISE_NAMES } from '../run/promises.ts';
import { kindOf } from '../run/registry.ts';

/** Event-log lines shown per model in the text report; the full record is in `--trace`. */
const LOG_LINES_MAX = 40;

export interface TextReportOptions {
  /** Print the header (scenario, seed, duration, description); default true. `--follow` prints it before the run. */
  readonly header?: boolean;
  /** Print each model's event log; default true. `--follow` streams it while the run goes. */
  readonly eventLog?: boolean;
  /** The scenario's notes in the first model's event log only (a lesson's transcript), not in every model's. */
  readonly notesOnce?: boolean;
}

/** The readable text report of `raftsim run`: a short event log per model and the side-by-side table. */
export function textReport(result: RunResult, description: string, storySeed: number = result.seed, options: TextReportOptions = {}): string {
  const out: string[] = [];
  if (options.header !== false) out.push(reportHeader(result.scenario, result.seed, result.durationMs * 1000, description, storySeed));
  for (const run of result.runs) {
    out.push(`\n== ${run.name} (${run.summary.kind}) ==\n`);
    if (options.eventLog !== false) {
      const log = eventLog(run, options.notesOnce === true && run !== result.runs[0] ? undefined : result.notes);
      const shown = log.slice(0, LOG_LINES_MAX);
      for (const line of shown) out.push(logLine(line));
      if (log.length > shown.length) out.push(`           … ${log.length - shown.length} more (use --trace FILE for every event)\n`);
    }
    if (run.stoppedEarly) out.push(`           (stopped at ${formatUs((result.untilMs ?? 0) * 1000)} by --until: the figures cover the clients' operations until then)\n`);
    out.push(`           ${kindOf(run.summary.kind).authorityLabel ?? 'authoritative log'}: ${run.authority}\n`);
    const promised = run.summary.promises;
    out.push(`           promises: ${promised.length === 0 ? 'none' : promised.join(', ')}\n`);
    // Promises withdrawn for the same reason share one line.
    const reasons = [...new Set(run.promises.withdrawn.map((w) => w.reason))];
    for (const reason of reasons) {
      const names = run.promises.withdrawn.filter((w) => w.reason === reason).map((w) => PROMISE_NAMES[w.key]);
      out.push(`           withdrawn: ${names.join(', ')} — ${reason}\n`);
    }
  }

  const names = result.runs.map((r) => r.name);
  const row = (label: string, cell: (i: number) => string) => [label, ...names.map((_, i) => cell(i))];
  const s = (i: number) => result.runs[i]!.summary;
  out.push('\n');
  out.push(
    table(
      ['', ...names],
      [
        row('availability', (i) => percent(s(i).availability)),
        row('ok / fail / info', (i) => `${s(i).ops.ok} / ${s(i).ops.fail} / ${s(i).ops.info}`),
        row('lostWrites', (i) => String(s(i).lostWrites)),
        row('staleReads', (i) => String(s(i).staleReads)),
        row('dirtyReads', (i) => String(s(i).dirtyReads)),
        row('rtoMs', (i) => s(i).rtoMs.toFixed(1)),
        row('leaderChanges', (i) => String(s(i).leaderChanges)),
        row('linearizable', (i) => String(s(i).linearizable)),
        row('violations', (i) => String(s(i).violations.length)),
        row('events', (i) => String(s(i).events)),
        row('messages sent', (i) => String(s(i).messages.sent)),
        row('traceHash', (i) => s(i).traceHash),
      ],
    ),
  );

  // One line per model in CAP terms, computed from its figures.
  out.push('\nverdict\n');
  const width = Math.max(...names.map((n) => n.length));
  for (const run of result.runs) out.push(`  ${run.name.padEnd(width)}  ${run.verdict}\n`);
  out.push('\n');

  for (const run of result.runs) {
    const undecidedLinearizable = run.undecided.some((u) => u.promise === PROMISE_NAMES.linearizable);
    if (run.summary.linearizableNote !== undefined && !undecidedLinearizable) out.push(`${run.name}: linearizable unknown: ${run.summary.linearizableNote}\n`);
    const failure = run.linearizability.failure;
    if (failure !== undefined) {
      out.push(
        `${run.name}: NOT LINEARIZABLE on key ${failure.key}: after ${failure.linearizedPrefix.length} operations in order (value ${JSON.stringify(failure.valueAfterPrefix)}), none of these ${failure.conflicting.length} can come next:\n`,
      );
      out.push(indent(renderTimeline(failure), '  '));
    }
    for (const v of run.summary.violations) out.push(`${run.name}: VIOLATION ${v.invariant} at ${v.atMs}ms: ${v.detail}\n`);
    for (const u of run.undecided) out.push(`${run.name}: UNDECIDED promise ${u.promise}: ${u.reason}\n`);
  }
  if (result.expectations.length > 0) {
    out.push('\nexpectations\n');
    for (const e of result.expectations) {
      out.push(`  ${e.ok ? 'ok  ' : 'FAIL'}  ${e.model}.${e.field}: want ${e.want}, got ${JSON.stringify(e.got)}\n`);
    }
  }
  return out.join('');
}

/** The report's first lines: the scenario, the seed, the duration and the description. */
export function reportHeader(scenario: string, seed: number, durationUs: number, description: string, storySeed: number = seed): string {
  const out: string[] = [];
  // The name and description are the user's text: escape sequences in them are shown, not obeyed.
  out.push(`scenario ${printable(scenario)}  seed ${seed}  duration ${formatUs(durationUs)}\n`);
  if (description.trim() !== '') {
    out.push(`${printableLines(description.trim())}\n`);
    // A description tells what happens with the scenario's own seed; another seed makes another story.
    if (storySeed !== seed) out.push(`(the description tells the story of seed ${storySeed}; this run uses seed ${seed})\n`);
  }
  return out.join('');
}

/** How a note reads in an event log: `note  TEXT` (the text is the user's: escape sequences are shown, not obeyed). */
export function noteLine(note: LogLine): LogLine {
  return { atUs: note.atUs, text: `note  ${printable(note.text)}` };
}

/** A model's event log as the report prints it: its own lines, and the scenario's notes each after the lines of its instant. */
export function eventLog(run: ModelRun, notes: readonly LogLine[] = []): LogLine[] {
  const log = [...run.log];
  let at = 0;
  for (const note of notes) {
    while (at < log.length && log[at]!.atUs <= note.atUs) at++;
    log.splice(at, 0, noteLine(note));
    at++;
  }
  return log;
}

/** One event-log line: the time right-aligned, then the text; `model` (when several run) between them. */
export function logLine(line: LogLine, model?: string): string {
  return model === undefined ? `${formatUs(line.atUs).padStart(9)}  ${line.text}\n` : `${formatUs(line.atUs).padStart(9)}  ${model}  ${line.text}\n`;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n')
    .replace(/\n?$/, '\n');
}

/** A run exits 1 when a model broke an invariant or a promise, or an expect line failed. */
export function runFailed(result: RunResult): boolean {
  return result.runs.some((r) => r.summary.violations.length > 0) || result.expectations.some((e) => !e.ok);
}
