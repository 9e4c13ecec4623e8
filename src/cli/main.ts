import pkg from '../../package.json' with { type: 'json' };
import { formatDiagnostic, InputError, UsageError } from '../core/errors.ts';
import { MESSAGE_CHARS_MAX, printable } from '../core/text.ts';
import { EXIT_BAD_INPUT, EXIT_OK, guardPipes, processIo, type CliIo } from './io.ts';

const HELP = `raftsim — a deterministic simulator of Raft and primary/replica replication
under partitions, crashes, message loss and pauses.

Usage:
  raftsim run <scenario.yaml> [--seed N] [--model NAME]... [--ui tui|text] [--follow] [--json]
                              [--trace FILE.jsonl] [--history FILE.jsonl] [--until TIME] [--save FILE]
                              [--trace-format jsonl|perfetto] [--history-format jsonl|edn]
                              [--svg DIR] [--window A..B] [--html FILE] [--junit FILE]
  raftsim validate <scenario.yaml>...
  raftsim check-history <FILE>... [--format jepsen-log|jepsen-edn|jsonl] [--json]
  raftsim fuzz [--model KIND] [--options K=V,...] [--seeds N] [--start S] [--workers K]
               [--allow FIGURES] [--out DIR] [--shard I/N] [--jsonl FILE] [--junit FILE] ...
  raftsim fuzz --merge FILE.jsonl... [--jsonl FILE] [--junit FILE]
  raftsim learn [N|NAME] [--ui tui|text] [--seed N] [--model NAME]... [--json]
  raftsim bench election|speed|run|long|seek|tui|fuzz [options]
  raftsim --help, raftsim <command> --help, raftsim --version

A course in consensus, one short lesson at a time: raftsim learn.
Every command and option: docs/command-line.md.

Exit codes: 0 all good; 1 a safety property was violated, a promise broken or
an expectation failed (fuzz: a failing seed was found); 2 bad usage or bad
input; 130 fuzz stopped by Ctrl-C; 141 the output's reader went away (| head).
`;

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

/**
 * Each command is loaded when it is called, not at start: `raftsim --help`
 * loads none, `validate` no simulator, `run` no benchmark or terminal UI
 * (the bundle keeps each in a chunk of its own).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run-command.ts')).runCommand,
  validate: async () => (await import('./validate-command.ts')).validateCommand,
  'check-history': async () => (await import('./check-history.ts')).checkHistoryCommand,
  fuzz: async () => (await import('./fuzz-command.ts')).fuzzCommand,
  learn: async () => (await import('./learn-command.ts')).learnCommand,
  bench: async () => {
    const { benchCommand } = await import('./bench-command.ts');
    return async (args, io) => benchCommand(args, io);
  },
};

export function version(): string {
  return pkg.version;
}

/** The whole command line. Returns the exit code; never throws for bad input. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (io === processIo) guardPipes();
  try {
    if (name === '--help' || name === '-h' || name === 'help') {
      io.out(HELP);
      return EXIT_OK;
    }
    // No command is a usage error: the help goes to stderr, so that nothing reads it as output, and the exit code is 2.
    if (name === undefined) {
      io.err(HELP);
      return EXIT_BAD_INPUT;
    }
    if (name === '--version' || name === '-v') {
      io.out(`raftsim ${version()}\n`);
      return EXIT_OK;
    }
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (load === undefined) throw new UsageError(`unknown command "${name}"; expected one of: ${Object.keys(COMMANDS).join(', ')} (see raftsim --help)`);
    const command = await load();
    return await command(rest, io);
  } catch (error) {
    // A message may quote the user's input (a binary file, a name with an escape sequence): escaped, and cut short.
    if (error instanceof InputError) {
      io.err(error.diagnostics.map((d) => formatDiagnostic({ ...d, file: printable(d.file), message: printable(d.message, MESSAGE_CHARS_MAX) })).join('\n') + '\n');
      return EXIT_BAD_INPUT;
    }
    if (error instanceof UsageError) {
      io.err(`raftsim: ${printable(error.message, MESSAGE_CHARS_MAX)}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
// Not a top-level await: the bundle in dist/raftsim.cjs is a CommonJS script (see scripts/build.mjs).
if (invokedDirectly) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
