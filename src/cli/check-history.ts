import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { formatDiagnostic, InputError, UsageError, type Diagnostic } from '../core/errors.ts';
import { MESSAGE_CHARS_MAX, notText, printable, printableLines } from '../core/text.ts';
import { HISTORY_FORMATS, parseHistory, type HistoryFormat, type ParsedHistory } from '../check/history-formats.ts';
import { checkHistory, renderTimeline, type LinearizabilityResult } from '../check/linearizability/index.ts';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATION, type CliIo } from './io.ts';

export const CHECK_HISTORY_HELP = `Usage: raftsim check-history <FILE>... [--format jepsen-log|jepsen-edn|jsonl] [--json]

Checks client histories for linearizability (per key, against a compare-and-set
register or, for get/put/append histories, a key-value store) and prints a
verdict per file. A history that is not linearizable is shown with the key, the
operations that cannot be ordered and a client timeline. A file written by
'raftsim run --history' holds one history per model; each is checked on its own.

Formats (guessed from the content unless --format is given):
  jsonl       raftsim's history: one JSON event per line ({"t", "process", "type", "f", "key", "value"})
  jepsen-log  Jepsen's etcd log: "INFO  jepsen.util - <process> :<type> :<f> <value>"
  jepsen-edn  one EDN map per line: {:process 0, :type :invoke, :f :get, :key "k", :value nil},
              or the key in the value, {:f :write, :value ["k" 3], ...} ('raftsim run
              --history-format edn'); :time in ns when every op has one

Options:
  --format F  read every file as format F
  --json      print one JSON object, {"files": [{"file", "linearizable", ...}]}, and nothing else
  --help      show this help

Exit status: 0 every history is linearizable; 1 some history is not (or its
check ran out of its step budget); 2 bad usage or a malformed or unreadable file.
`;

interface Options {
  readonly files: readonly string[];
  readonly format: HistoryFormat | undefined;
  readonly json: boolean;
  readonly help: boolean;
}

function parseArgs(args: readonly string[]): Options {
  const files: string[] = [];
  let format: HistoryFormat | undefined;
  let json = false;
  let help = false;
  const setFormat = (value: string | undefined): void => {
    if (value === undefined || value === '') throw new UsageError(`--format needs a value: ${HISTORY_FORMATS.join(', ')}`);
    if (!HISTORY_FORMATS.includes(value as HistoryFormat)) {
      throw new UsageError(`unknown --format ${JSON.stringify(value)}; expected ${HISTORY_FORMATS.join(', ')}`);
    }
    format = value as HistoryFormat;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      files.push(...args.slice(i + 1));
      break;
    }
    if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--json') json = true;
    else if (arg === '--format') setFormat(args[++i]);
    else if (arg.startsWith('--format=')) setFormat(arg.slice('--format='.length));
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`check-history: unknown option ${arg}; expected one of: --format, --json, --help`);
    else files.push(arg);
  }
  if (!help && files.length === 0) throw new UsageError('check-history needs at least one history file');
  return { files, format, json, help };
}

interface HistoryReport {
  /** The simulated model the history belongs to, when the file names one (`raftsim run --history`). */
  readonly name: string | null;
  readonly ops: number;
  readonly keys: number;
  readonly result: LinearizabilityResult;
  readonly elapsedMs: number;
}

type FileReport =
  | { readonly file: string; readonly error: string }
  | {
      readonly file: string;
      readonly parsed: ParsedHistory;
      readonly histories: readonly HistoryReport[];
      /** False if any history is not linearizable, else null if any is unknown, else true. */
      readonly linearizable: boolean | null;
    };

async function checkFile(file: string, format: HistoryFormat | undefined): Promise<FileReport> {
  let text: string;
  try {
    const bytes = await readFile(file);
    const why = notText(bytes);
    if (why !== null) return { file, error: errorLine({ file, line: 0, col: 0, message: `not a history: ${why}; expected ${HISTORY_FORMATS.join(', ')}` }) };
    text = bytes.toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    return { file, error: errorLine({ file, line: 0, col: 0, message: `cannot read: ${reason}; expected a history file (${HISTORY_FORMATS.join(', ')})` }) };
  }
  let parsed: ParsedHistory;
  try {
    parsed = parseHistory(text, file, format);
  } catch (error) {
    if (error instanceof InputError) return { file, error: error.diagnostics.map(errorLine).join('\n') };
    throw error;
  }
  const groups = parsed.histories.length > 0 ? parsed.histories : [{ name: null, events: [], lines: [] }];
  const histories = groups.map((group): HistoryReport => {
    // The wall clock only times the check for the human reading the text report; no result depends on it.
    const started = performance.now();
    const result = checkHistory(group.events, { model: parsed.model });
    const elapsedMs = performance.now() - started;
    return {
      name: group.name,
      ops: group.events.filter((e) => e.type === 'invoke').length,
      keys: new Set(group.events.map((e) => e.key)).size,
      result,
      elapsedMs,
    };
  });
  const verdicts = histories.map((h) => h.result.linearizable);
  const linearizable = verdicts.includes(false) ? false : verdicts.includes(null) ? null : true;
  return { file, parsed, histories, linearizable };
}

/** One line per problem: what it quotes from the file escaped and cut short. */
function errorLine(d: Diagnostic): string {
  return formatDiagnostic({ ...d, file: printable(d.file), message: printable(d.message, MESSAGE_CHARS_MAX) });
}

function verdictText(v: boolean | null): string {
  return v === true ? 'linearizable' : v === false ? 'NOT linearizable' : 'unknown';
}

function historyText(h: HistoryReport, timeUnit: 'us' | 'line'): string {
  let out = '';
  if (h.result.note !== undefined) out += `  ${h.result.note}\n`;
  if (h.result.failure !== undefined) {
    out += renderTimeline(h.result.failure, { timeUnit }).replace(/^(?=.)/gm, '  ');
  }
  return out;
}

function historyFacts(h: HistoryReport): string {
  return `${h.ops} ops, ${h.keys} ${h.keys === 1 ? 'key' : 'keys'}, ${h.result.steps} steps, ${h.elapsedMs.toFixed(1)} ms`;
}

function textReport(r: FileReport): string {
  if ('error' in r) return '';
  const { parsed } = r;
  const kind = `${parsed.format}, ${parsed.model} model`;
  const [only] = r.histories;
  if (r.histories.length === 1 && only!.name === null) {
    return `${printable(r.file)}: ${verdictText(r.linearizable)} (${kind}, ${historyFacts(only!)})\n` + historyText(only!, parsed.timeUnit);
  }
  let out = `${printable(r.file)}: ${verdictText(r.linearizable)} (${kind}, ${r.histories.length} histories)\n`;
  for (const h of r.histories) {
    out += `  ${h.name}: ${verdictText(h.result.linearizable)} (${historyFacts(h)})\n`;
    out += historyText(h, parsed.timeUnit).replace(/^(?=.)/gm, '  ');
  }
  return out;
}

function historyJson(h: HistoryReport): Record<string, unknown> {
  const { result } = h;
  return {
    linearizable: result.linearizable,
    ops: h.ops,
    keys: h.keys,
    keysChecked: result.keysChecked,
    steps: result.steps,
    ...(result.note !== undefined ? { note: result.note } : {}),
    ...(result.failure !== undefined ? { failure: result.failure } : {}),
  };
}

/**
 * One file's entry: its verdict and, for a single history, that history's
 * figures; for a file with one history per simulated model, a `histories`
 * list with the model's name and its figures.
 */
function jsonReport(r: FileReport): Record<string, unknown> {
  if ('error' in r) return { file: r.file, linearizable: null, error: r.error };
  const head = { file: r.file, linearizable: r.linearizable, format: r.parsed.format, spec: r.parsed.model };
  const [only] = r.histories;
  if (r.histories.length === 1 && only!.name === null) return { ...head, ...historyJson(only!) };
  return { ...head, histories: r.histories.map((h) => ({ model: h.name, ...historyJson(h) })) };
}

/** `raftsim check-history <FILE>... [--format F] [--json]` (docs/command-line.md). */
export async function checkHistoryCommand(args: readonly string[], io: CliIo): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`raftsim: ${printable(error.message, MESSAGE_CHARS_MAX)}\nRun 'raftsim check-history --help' for usage.\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  if (options.help) {
    io.out(CHECK_HISTORY_HELP);
    return EXIT_OK;
  }

  const reports: FileReport[] = [];
  for (const file of options.files) reports.push(await checkFile(file, options.format));

  for (const r of reports) if ('error' in r) io.err(r.error + '\n');
  if (options.json) {
    io.out(JSON.stringify({ files: reports.map(jsonReport) }) + '\n');
  } else {
    // Keys and model names come from the file: a control character in one must not reach the terminal as such.
    for (const r of reports) io.out(printableLines(textReport(r)));
    if (reports.length > 1) {
      const count = (pred: (r: FileReport) => boolean): number => reports.filter(pred).length;
      const verdict = (v: boolean | null) => (r: FileReport) => !('error' in r) && r.linearizable === v;
      io.out(
        `${reports.length} files: ${count(verdict(true))} linearizable, ${count(verdict(false))} not, ` +
          `${count(verdict(null))} unknown, ${count((r) => 'error' in r)} unreadable\n`,
      );
    }
  }

  if (reports.some((r) => 'error' in r)) return EXIT_BAD_INPUT;
  if (reports.some((r) => !('error' in r) && r.linearizable !== true)) return EXIT_VIOLATION;
  return EXIT_OK;
}
