import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXIT_PIPE_CLOSED } from '../src/cli/io.ts';

/** Runs the real binary, closes its stdout after the first chunk (as `| head -1` does), and returns its exit code and stderr. */
function readFirstChunkThenClose(...argv: string[]): Promise<{ code: number | null; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bin/raftsim.js', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('close', (code) => done({ code, err }));
  });
}

describe('a reader that closes the pipe early (raftsim … | head) ends the command quietly', () => {
  it.each([
    [['run', 'scenarios/cap/split-brain.yaml', '--ui', 'text', '--follow']],
    [['learn', '3', '--ui', 'text']],
  ])('%j exits with 141 (as SIGPIPE would) and no stack trace', async (argv) => {
    const { code, err } = await readFirstChunkThenClose(...argv);
    expect(err).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(EXIT_PIPE_CLOSED);
  }, 60_000);
});
