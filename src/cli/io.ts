/** Where a command writes. Tests pass a capturing implementation; the real CLI writes to stdout/stderr. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal: the benchmarks then show their progress on stderr. */
  readonly isTty: boolean;
}

/**
 * stdout or stderr closed by its reader (`raftsim run FILE | head`): the
 * process ends at once and quietly, with 141 (128 + SIGPIPE), as a Unix tool
 * killed by SIGPIPE would — not with node's EPIPE stack trace. Node ignores
 * SIGPIPE, so a write to a closed pipe fails with EPIPE instead.
 */
export const EXIT_PIPE_CLOSED = 141;
let pipesGuarded = false;
export function guardPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT_PIPE_CLOSED);
      throw error;
    });
  }
}

export const processIo: CliIo = {
  out: (text) => {
    guardPipes();
    process.stdout.write(text);
  },
  err: (text) => {
    guardPipes();
    process.stderr.write(text);
  },
  isTty: process.stdout.isTTY === true,
};

/** Exit codes of every command (docs/command-line.md). */
export const EXIT_OK = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_BAD_INPUT = 2;
