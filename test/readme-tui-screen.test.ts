import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The README's screen of the terminal UI is what the real binary shows in a
 * 100×30 tmux pane after the keys the README names, not a hand-edited
 * picture.
 */
const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).status === 0;
const socket = `raftsim-readme-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-t', 'ui', '-p').replace(/\n+$/, '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const readme = readFileSync('README.md', 'utf8');
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve'];

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
});

/** Waits until the screen differs from `before` (when given) and then stays the same for a moment. */
async function settled(before: string | null): Promise<string> {
  const start = Date.now();
  let last = screen();
  while (before !== null && last === before && Date.now() - start < 10_000) {
    await sleep(50);
    last = screen();
  }
  for (let still = 0; still < 6 && Date.now() - start < 20_000; ) {
    await sleep(50);
    const now = screen();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  return last;
}

describe.skipIf(!hasTmux)("the README's terminal UI screen", () => {
  it('is what raftsim run shows after the keys the README names', async () => {
    const how = /`(raftsim run [^`]+)`, keys `g` then\s+`\]` (\w+) times, in a 100×30 tmux pane/.exec(readme);
    expect(how, 'the README says how its screen was made').not.toBeNull();
    const presses = WORDS.indexOf(how![2]!);
    expect(presses).toBeGreaterThan(0);
    const block = readme.slice(readme.indexOf('```text\n', how!.index) + 8);
    const expected = block.slice(0, block.indexOf('```\n'));

    tmux('new-session', '-d', '-s', 'ui', '-x', '100', '-y', '30', `cd ${resolve('.')} && env -u CI -u CONTINUOUS_INTEGRATION node bin/${how![1]!.replace(/^raftsim /, 'raftsim.js ')}; sleep 30`);
    let s = await settled(null);
    for (let i = 0; i < 100 && !s.includes('space play'); i++) s = await settled(null);
    tmux('send-keys', '-t', 'ui', 'g');
    s = await settled(s);
    for (let i = 0; i < presses; i++) {
      tmux('send-keys', '-t', 'ui', ']');
      s = await settled(s);
    }
    expect(s).toBe(expected);
  }, 90_000);
});
