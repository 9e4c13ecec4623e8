import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT_PIPE_CLOSED } from '../src/cli/io.ts';

/**
 * Runs the real binary, closes its stdout after the first chunk (as `| head -1` does) or
 * before it writes anything, and returns its exit code and stderr. A command whose whole
 * output fits in the pipe's buffer and is written at once may finish before a reader of
 * its first chunk closes (then it rightly exits 0, as `cat small | head -1` does): for such
 * a command only a pipe closed from the start is sure to be written to after it closed.
 */
function closeStdout(when: 'after the first chunk' | 'at once', ...argv: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bin/raftsim.js', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    if (when === 'at once') child.stdout.destroy();
    else child.stdout.once('data', () => child.stdout.destroy());
    child.on('close', (code) => done({ code, err }));
  });
}

describe('a reader that closes the pipe early (raftsim … | head) ends the command quietly', () => {
  it.each([
    ['after the first chunk', ['run', 'scenarios/cap/split-brain.yaml', '--ui', 'text', '--follow']],
    ['at once', ['learn', '3', '--ui', 'text']],
  ] as const)('closed %s, %j exits with 141 (as SIGPIPE would) and no stack trace', async (when, argv) => {
    const { code, err } = await closeStdout(when, ...argv);
    expect(err).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(EXIT_PIPE_CLOSED);
  }, 60_000);
});
