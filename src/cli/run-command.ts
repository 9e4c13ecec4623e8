import { closeSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { formatUs, parseDuration } from '../core/time.ts';
import { ednHistory } from '../export/edn.ts';
import { htmlReport } from '../export/html.ts';
import { runJunit } from '../export/junit.ts';
import { perfettoTrace } from '../export/perfetto.ts';
import type { Recording } from '../export/recorder.ts';
import { runRecorded } from '../export/run.ts';
import { defaultWindow, modelPictures, svgFiles } from '../export/svg.ts';
import { narration } from '../lessons/facts.ts';
import { runScenario, type RunOptions, type RunResult } from '../run/run.ts';
import { loadScenario } from '../scenario/load.ts';
import type { TraceWriter } from '../sim/trace.ts';
import { parse, parseSeed } from './args.ts';
import { followScenario } from './follow.ts';
import { EXIT_OK, EXIT_VIOLATION, type CliIo } from './io.ts';
import { checkOutputFile, isDirectory, samePath, statQuietly } from './outputs.ts';
import { runFailed, textReport } from './report.ts';
import { summaryJson } from './summary-json.ts';

export const RUN_HELP = `Usage: raftsim run <scenario.yaml> [options]

Runs every model of the scenario under the same fault script and seed, and
reports what each one gave up: availability, lost writes, stale reads.

Options:
  --seed N            override the scenario's seed
  --model NAME        run only this model (repeatable)
  --ui tui|text       tui (the default on a terminal): the terminal UI, to watch,
                      pause, rewind and break the run; text: the report
  --save FILE         where the UI's w key writes the scenario with the faults
                      injected by hand (default NAME.live.yaml; never over a file)
  --follow            with the text report: print its event log line by line as
                      the run goes (for logs and CI), then the rest of the report
  --json              print exactly one JSON object (the summary) and nothing else
  --trace FILE        write every event as JSON lines
  --trace-format F    jsonl (default) or perfetto: a Chrome Trace Event file
                      for ui.perfetto.dev and chrome://tracing
  --history FILE      write the client history as JSON lines
  --history-format F  jsonl (default) or edn: Jepsen's EDN, for Knossos and Elle
  --svg DIR           write SVG pictures per model: a space-time diagram, the
                      client timeline, the linearizability failure
  --window A..B       the space-time diagram's window (e.g. 4s..6s)
  --html FILE         write one self-contained HTML report
  --junit FILE        write the promises and expect lines as JUnit XML
  --until TIME        stop the simulation early (e.g. 8s)
  -h, --help          this help

Exit codes: 0 all good; 1 a safety property was violated, a model broke a
promise of its configuration, or an expect line failed; 2 bad usage or a bad
scenario file.
`;

export async function runCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      seed: { type: 'string' },
      model: { type: 'string', multiple: true },
      ui: { type: 'string' },
      follow: { type: 'boolean' },
      json: { type: 'boolean' },
      trace: { type: 'string' },
      history: { type: 'string' },
      'trace-format': { type: 'string' },
      'history-format': { type: 'string' },
      svg: { type: 'string' },
      window: { type: 'string' },
      html: { type: 'string' },
      junit: { type: 'string' },
      until: { type: 'string' },
      save: { type: 'string' },
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
  if (values.follow && (values.json || values.ui === 'tui')) {
    throw new UsageError(`--follow streams the text report's event log; it does not go with ${values.json ? '--json' : '--ui tui'} (use --ui text --follow)`);
  }
  const seed = values.seed === undefined ? undefined : parseSeed(values.seed);
  const untilUs = values.until === undefined ? undefined : parseDuration(values.until);
  if (untilUs === null) throw new UsageError(`--until: "${values.until}" is not a time; expected e.g. 500ms, 8s or 1m`);
  const traceFormat = oneOf('--trace-format', values['trace-format'], ['jsonl', 'perfetto'], '--trace', values.trace);
  const historyFormat = oneOf('--history-format', values['history-format'], ['jsonl', 'edn'], '--history', values.history);
  const window = values.window === undefined ? undefined : parseWindow(values.window);
  if (window !== undefined && values.svg === undefined && values.html === undefined) {
    throw new UsageError('--window: chooses the space-time diagram of --svg or --html; expected one of them too');
  }
  checkOutputs(
    [
      ['--trace', values.trace],
      ['--history', values.history],
      ['--html', values.html],
      ['--junit', values.junit],
    ],
    file,
  );
  if (values.svg !== undefined) {
    checkSvgDir(values.svg, file);
    for (const [flag, path] of [['--trace', values.trace], ['--history', values.history], ['--html', values.html], ['--junit', values.junit]] as const) {
      if (path !== undefined && samePath(path, values.svg)) throw new UsageError(`${flag} and --svg both name ${path}; expected a file for ${flag} and a directory for --svg`);
    }
  }

  if (values.save !== undefined) {
    if (values.save === '' || isDirectory(values.save)) throw new UsageError(`--save: expected a file name, got "${values.save}"`);
    if (samePath(values.save, file)) throw new UsageError(`--save: refusing to write over the scenario file ${file}; choose another file`);
    if (!isDirectory(dirname(resolve(values.save)))) throw new UsageError(`--save: the directory ${dirname(values.save)} does not exist; expected a file in an existing directory`);
  }

  const scenario = loadScenario(file);
  const runEndUs = Math.min(untilUs ?? Infinity, scenario.durationUs + scenario.settleUs);
  if (window !== undefined && window.fromUs >= runEndUs) {
    throw new UsageError(`--window: "${values.window}" begins at or after the end of the run (${formatUs(runEndUs)}); expected a window that starts before it`);
  }
  const known = scenario.models.map((m) => m.name);
  for (const name of values.model ?? []) {
    if (!known.includes(name)) throw new UsageError(`--model: "${name}" is not a model of ${file}; expected one of: ${known.join(', ')}`);
  }

  // The terminal UI needs a terminal both ways (keys in, frames out); --json, --trace and --history are for the batch run.
  const terminal = io.isTty && process.stdin.isTTY === true;
  const exports = values.svg !== undefined || values.html !== undefined || values.junit !== undefined;
  if (terminal && values.ui !== 'text' && !values.follow && !values.json && values.trace === undefined && values.history === undefined && !exports) {
    const { openUi } = await import('../tui/open.tsx');
    const code = await openUi(file, scenario, {
      ...(seed !== undefined ? { seed } : {}),
      ...(values.model !== undefined ? { models: values.model } : {}),
      ...(untilUs !== undefined ? { untilUs } : {}),
      ...(values.save !== undefined ? { savePath: values.save } : {}),
    });
    startHint(io);
    return code;
  }

  // Both output files are opened before the run, so a file that cannot be written is reported before minutes of simulation.
  const outputs: LineFile[] = [];
  let result: RunResult;
  const replay = (r: RunResult): string => {
    const until = values.until === undefined ? '' : ` --until ${values.until}`;
    return `replay: raftsim run ${file} --seed ${r.seed}${(values.model ?? []).map((m) => ` --model ${m}`).join('')}${until}`;
  };
  try {
    const trace = values.trace === undefined ? null : new LineFile('--trace', values.trace);
    if (trace !== null) outputs.push(trace);
    const history = values.history === undefined ? null : new LineFile('--history', values.history);
    if (history !== null) outputs.push(history);
    const html = values.html === undefined ? null : new LineFile('--html', values.html);
    if (html !== null) outputs.push(html);
    const junit = values.junit === undefined ? null : new LineFile('--junit', values.junit);
    if (junit !== null) outputs.push(junit);
    // A lesson's notes as this run tells them: a note whose stated fact this seed contradicts says so, and what the run shows
    // (its own run of the models the facts are about: the notes are told as they come, and --until may cut this one short).
    const printsNotes = !values.json || html !== null || (trace !== null && traceFormat === 'perfetto');
    const toldNotes =
      printsNotes && scenario.notes.some((n) => n.fact !== undefined)
        ? narration(scenario, { ...(seed !== undefined ? { seed } : {}), ...(values.model !== undefined ? { models: values.model } : {}) }).told.map((t) => t.text)
        : undefined;
    const options: RunOptions = {
      ...(seed !== undefined ? { seed } : {}),
      ...(values.model !== undefined ? { models: values.model } : {}),
      ...(untilUs !== undefined ? { untilUs } : {}),
      ...(toldNotes !== undefined ? { toldNotes } : {}),
      ...(trace !== null && traceFormat === 'jsonl' ? { traceWriter: (model: string) => trace.forModel(model) } : {}),
    };
    // The pictures need the runs' event streams; without them nobody listens and the event loop stays as it is.
    const recorded = trace !== null && traceFormat === 'perfetto' ? true : values.svg !== undefined || html !== null;
    const follow = values.follow ? (text: string) => io.out(text) : undefined;
    let recordings: readonly Recording[] = [];
    // The pictures alone draw only their window's messages; the Perfetto trace needs every one.
    const firstFault = scenario.faults.length === 0 ? null : Math.min(...scenario.faults.map((f) => f.atUs));
    const pictureWindow = window ?? defaultWindow(firstFault, runEndUs);
    if (recorded) {
      ({ result, recordings } = runRecorded(scenario, options, follow, traceFormat === 'perfetto' && trace !== null ? {} : { messagesIn: pictureWindow }));
    } else {
      // --follow: the same runs, the header and event log written as they go.
      result = follow !== undefined ? followScenario(scenario, options, follow) : runScenario(scenario, options);
    }
    if (history !== null) {
      const several = result.runs.length > 1;
      for (const run of result.runs) {
        // One event at a time from the columns: a long run's history is never made into objects all at once.
        if (historyFormat === 'edn') for (const line of ednHistory(run.historyLog, several ? run.name : null)) history.write(line);
        else for (const event of run.historyLog) history.write(JSON.stringify(several ? { model: run.name, ...event } : event));
      }
    }
    if (trace !== null && traceFormat === 'perfetto') trace.write(perfettoTrace(result, recordings).replace(/\n$/, ''));
    const pictures = recorded ? modelPictures(result, recordings, pictureWindow) : [];
    if (values.svg !== undefined) {
      mkdirSync(values.svg, { recursive: true });
      const files = svgFiles(pictures);
      for (const file of files) checkOutputFile('--svg', join(values.svg, file.name));
      for (const file of files) {
        const out = new LineFile('--svg', join(values.svg, file.name));
        outputs.push(out);
        out.write(file.svg.replace(/\n$/, ''));
      }
    }
    if (html !== null) html.write(htmlReport(scenario, result, recordings, pictures).replace(/\n$/, ''));
    if (junit !== null) junit.write(runJunit(result, replay(result)).replace(/\n$/, ''));
    for (const out of outputs) out.close();
  } finally {
    // A run that failed leaves no temporary file behind (a completed file has been renamed already).
    for (const out of outputs) out.discard();
  }

  if (values.json) io.out(JSON.stringify(summaryJson(result)) + '\n');
  else io.out(textReport(result, scenario.description, scenario.seed, values.follow ? { header: false, eventLog: false } : {}));

  const failed = runFailed(result);
  if (failed && !values.json) io.out(`\n${replay(result)}\n`);
  if (!values.json) startHint(io);
  return failed ? EXIT_VIOLATION : EXIT_OK;
}

/** A format flag's value: one of `allowed` (the first when absent); it needs the output flag it shapes. */
function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], output: string, path: string | undefined): T {
  if (value === undefined) return allowed[0]!;
  if (!allowed.includes(value as T)) throw new UsageError(`${flag}: "${value}" is not a format; expected ${allowed.join(' or ')}`);
  if (path === undefined) throw new UsageError(`${flag} ${value}: says how to write ${output} FILE; expected ${output} too`);
  return value as T;
}

/** `--window A..B`: the space-time diagram's stretch of simulated time. */
export function parseWindow(text: string): { readonly fromUs: number; readonly toUs: number } {
  const parts = text.split('..');
  const a = parts.length === 2 ? parseDuration(parts[0]!) : null;
  const b = parts.length === 2 ? parseDuration(parts[1]!) : null;
  if (a === null || b === null) throw new UsageError(`--window: "${text}" is not a window; expected A..B with times like 4s (e.g. 4s..6s)`);
  if (b <= a) throw new UsageError(`--window: "${text}" ends before it begins; expected A..B with A before B (e.g. 4s..6s)`);
  return { fromUs: a, toUs: b };
}

/** `--svg DIR`: a directory (made when missing, its parent must exist), not a file, not the scenario. */
function checkSvgDir(dir: string, input: string): void {
  if (dir === '') throw new UsageError('--svg: expected a directory name');
  const st = statQuietly(dir);
  if (st !== null && !st.isDirectory()) throw new UsageError(`--svg: ${dir} is ${samePath(dir, input) ? 'the scenario file' : 'a file'}; expected a directory (it is made when missing)`);
  if (st === null && !isDirectory(dirname(resolve(dir)))) throw new UsageError(`--svg: cannot make ${dir}: the directory ${dirname(dir)} does not exist; expected a directory in an existing one`);
}

/** `npm start` (the first thing a newcomer runs) points to the course; on stderr, so that the report itself is unchanged. */
function startHint(io: CliIo): void {
  if (process.env['npm_lifecycle_event'] !== 'start') return;
  io.err('\nNew to consensus? npx raftsim learn lists a course of short lessons, each a scenario like this one, narrated; npx raftsim learn 1 starts it.\n');
}

/**
 * Every output file is checked before anything runs or is written: it must
 * not be the scenario, a directory, the other output, or a file raftsim did
 * not write; and its directory must exist (outputs.ts).
 */
function checkOutputs(outputs: readonly (readonly [flag: string, path: string | undefined])[], input: string): void {
  const seen: { flag: string; path: string }[] = [];
  for (const [flag, path] of outputs) {
    if (path === undefined) continue;
    if (path !== '' && samePath(path, input)) throw new UsageError(`${flag}: refusing to write over the scenario file ${input}; choose another output file`);
    checkOutputFile(flag, path, EXAMPLE_NAMES[flag]);
    const other = seen.find((s) => samePath(s.path, path));
    if (other !== undefined) throw new UsageError(`${other.flag} and ${flag} both name ${path}; expected two different files`);
    seen.push({ flag, path });
  }
}

const EXAMPLE_NAMES: Readonly<Record<string, string>> = { '--trace': 'trace.jsonl', '--history': 'history.jsonl', '--html': 'report.html', '--junit': 'junit.xml' };

/**
 * A JSON-lines file written through a temporary file beside it
 * (`FILE.tmp-PID`) and renamed into place when complete, so a failed run
 * never leaves half a file behind. A run killed by a signal cannot clean up
 * (the simulation does not return to the event loop until it is done); the
 * next run writing the same file removes what such a run left.
 *
 * A symbolic link is followed: the file it names is replaced, the link kept.
 * An output that exists and is not a regular file (`/dev/stdout`, a pipe,
 * `/dev/null`) is written directly: renaming over it would replace the
 * device or pipe with a file.
 */
class LineFile {
  private fd: number;
  /** The temporary file, or null when writing directly to a device or pipe. */
  private readonly tmp: string | null;
  /** Where the temporary file goes when complete: the output, or the file its link names. */
  private readonly target: string;
  private buffer: string[] = [];
  private size = 0;
  private done = false;

  constructor(
    private readonly flag: string,
    private readonly path: string,
  ) {
    const existing = statQuietly(path);
    this.target = existing === null ? path : realpathSync(path);
    this.tmp = existing !== null && !existing.isFile() ? null : `${this.target}.tmp-${process.pid}`;
    if (this.tmp !== null) removeStaleTemporaries(this.target);
    try {
      this.fd = openSync(this.tmp ?? path, 'w');
    } catch (error) {
      throw new UsageError(`${flag}: cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
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

  /** Completes the file: the temporary file takes the final name. */
  close(): void {
    if (this.done) return;
    this.flush();
    closeSync(this.fd);
    this.done = true;
    if (this.tmp === null) return;
    try {
      renameSync(this.tmp, this.target);
    } catch (error) {
      unlinkQuietly(this.tmp);
      throw new UsageError(`${this.flag}: cannot write ${this.path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  /** Abandons an incomplete file: the temporary file is removed. Does nothing once closed. */
  discard(): void {
    if (this.done) return;
    this.done = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    if (this.tmp !== null) unlinkQuietly(this.tmp);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join('\n') + '\n');
    this.buffer = [];
    this.size = 0;
  }
}

/** Removes `FILE.tmp-PID` files left beside `path` by runs that were killed (their process no longer exists). */
function removeStaleTemporaries(path: string): void {
  const dir = dirname(resolve(path));
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (!/^\d+$/.test(name.slice(prefix.length)) || pid === process.pid || processExists(pid)) continue;
    unlinkQuietly(join(dir, name));
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}
