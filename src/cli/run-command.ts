import { closeSync, openSync, realpathSync, renameSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { parseDuration } from '../core/time.ts';
import { runScenario, type RunResult } from '../run/run.ts';
import { loadScenario } from '../scenario/load.ts';
import type { TraceWriter } from '../sim/trace.ts';
import { parse, parseSeed } from './args.ts';
import { EXIT_OK, EXIT_VIOLATION, type CliIo } from './io.ts';
import { textReport } from './report.ts';
import { summaryJson } from './summary-json.ts';

export const RUN_HELP = `Usage: raftsim run <scenario.yaml> [options]

Runs every model of the scenario under the same fault script and seed, and
reports what each one gave up: availability, lost writes, stale reads.

Options:
  --seed N            override the scenario's seed
  --model NAME        run only this model (repeatable)
  --ui tui|text       the report style (the terminal UI is not built yet: text)
  --json              print exactly one JSON object (the summary) and nothing else
  --trace FILE        write every event as JSON lines
  --history FILE      write the client history as JSON lines
  --until TIME        stop the simulation early (e.g. 8s)
  -h, --help          this help

Exit codes: 0 all good; 1 a safety property was violated or an expect line
failed; 2 bad usage or a bad scenario file.
`;

export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      seed: { type: 'string' },
      model: { type: 'string', multiple: true },
      ui: { type: 'string' },
      json: { type: 'boolean' },
      trace: { type: 'string' },
      history: { type: 'string' },
      until: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'run',
  );
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError(`run: expected one scenario file, got ${positionals.length}; see 'raftsim run --help'`);
  const file = positionals[0]!;
  if (values.ui !== undefined && values.ui !== 'tui' && values.ui !== 'text') {
    throw new UsageError(`--ui: "${values.ui}" is not a report style; expected tui or text`);
  }
  const seed = values.seed === undefined ? undefined : parseSeed(values.seed);
  const untilUs = values.until === undefined ? undefined : parseDuration(values.until);
  if (untilUs === null) throw new UsageError(`--until: "${values.until}" is not a time; expected e.g. 500ms, 8s or 1m`);
  for (const out of [values.trace, values.history]) if (out !== undefined) refuseToOverwriteInput(out, file);

  const scenario = loadScenario(file);
  const known = scenario.models.map((m) => m.name);
  for (const name of values.model ?? []) {
    if (!known.includes(name)) throw new UsageError(`--model: "${name}" is not a model of ${file}; expected one of: ${known.join(', ')}`);
  }

  const trace = values.trace === undefined ? null : new LineFile(values.trace);
  let result: RunResult;
  try {
    result = runScenario(scenario, {
      ...(seed !== undefined ? { seed } : {}),
      ...(values.model !== undefined ? { models: values.model } : {}),
      ...(untilUs !== undefined ? { untilUs } : {}),
      ...(trace !== null ? { traceWriter: (model: string) => trace.forModel(model) } : {}),
    });
  } finally {
    trace?.close();
  }
  if (values.history !== undefined) {
    const history = new LineFile(values.history);
    for (const run of result.runs) {
      for (const event of run.history) history.write(JSON.stringify(result.runs.length > 1 ? { model: run.name, ...event } : event));
    }
    history.close();
  }

  if (values.json) io.out(JSON.stringify(summaryJson(result)) + '\n');
  else io.out(textReport(result, scenario.description));

  const failed = result.runs.some((r) => r.summary.violations.length > 0) || result.expectations.some((e) => !e.ok);
  if (failed && !values.json) {
    io.out(`\nreplay: raftsim run ${file} --seed ${result.seed}${(values.model ?? []).map((m) => ` --model ${m}`).join('')}\n`);
  }
  return failed ? EXIT_VIOLATION : EXIT_OK;
}

/** An output file must never be the scenario the user wrote. */
function refuseToOverwriteInput(output: string, input: string): void {
  let same = resolve(output) === resolve(input);
  try {
    same ||= realpathSync(output) === realpathSync(input);
  } catch {
    // The output does not exist yet: nothing to overwrite.
  }
  if (same) throw new UsageError(`refusing to write over the scenario file ${input}; choose another output file`);
}

/**
 * A JSON-lines file written through a temporary file and renamed into place
 * when complete, so an interrupted run never leaves half a file behind.
 */
class LineFile {
  private readonly fd: number;
  private readonly tmp: string;
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly path: string) {
    this.tmp = `${path}.tmp-${process.pid}`;
    try {
      this.fd = openSync(this.tmp, 'w');
    } catch (error) {
      throw new UsageError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  write(line: string): void {
    this.buffer.push(line);
    this.size += line.length + 1;
    if (this.size > 1 << 16) this.flush();
  }

  forModel(model: string): TraceWriter {
    return { write: (line) => this.write(`{"model":${JSON.stringify(model)},${line.slice(1)}`) };
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.size = 0;
  }
}
