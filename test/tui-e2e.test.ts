import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The real binary in a real pseudo-terminal (tmux, 100×30): the first
 * screen, pause, step, step back, crash a node, write the scenario, go to
 * the end, quit; then the written scenario run with --json gives the
 * traceHash the screen showed for every model, and the same exit code.
 */
const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).status === 0;
const socket = `raftsim-test-${process.pid}`;
const session = 'ui';
const root = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'raftsim-e2e-'));

const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-t', session, '-p');
const keys = (...k: string[]): void => void tmux('send-keys', '-t', session, ...k);

async function until(what: string, ok: (s: string) => boolean, ms = 20_000, expected?: string): Promise<string> {
  const start = Date.now();
  for (;;) {
    const s = existsSync(join(dir, 'exit')) ? '' : screen();
    if (ok(s)) return s;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}; screen:\n${s}\n${expected ?? ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const header = (s: string): string => s.split('\n')[0] ?? '';
const row = (s: string, node: string): string => s.split('\n').find((l) => new RegExp(`^[ ›]${node} `).test(l)) ?? '';

afterAll(() => {
  if (hasTmux) spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('the terminal UI in a real terminal (tmux 100×30)', () => {
  it('plays, pauses, steps, goes back, crashes a node, writes a scenario that replays to the traceHashes shown, and quits with run’s exit code', async () => {
    const saved = join(dir, 'saved.yaml');
    // CI runs this suite with CI=true, and Ink then draws only the last frame (its CI mode): the UI under
    // test is a person's terminal, so the variables Ink reads as "in CI" are cleared for the binary.
    const command = `cd ${root} && env -u CI -u CONTINUOUS_INTEGRATION node bin/raftsim.js run scenarios/cap/split-brain.yaml --save ${saved}; echo $? > ${join(dir, 'exit.tmp')}; mv ${join(dir, 'exit.tmp')} ${join(dir, 'exit')}; sleep 10`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command);
    // The first screen: the header, three columns, the figures, the help line.
    let s = await until('the first screen', (t) => t.includes('raftsim split-brain') && t.includes('space play'));
    expect(s).toContain('sync-2-standbys');
    expect(s).toContain('availability');
    // It plays from the start, and pauses at the scenario's first note (0.2 s): space pauses or plays on.
    for (let i = 0; i < 5 && !header(s).includes('paused'); i++) {
      keys('Space');
      s = await until('paused', (t) => header(t).includes('paused'), 1000).catch(() => screen());
    }
    // The UI pauses by itself at the note; a Space sent just as it did resumes it. Go on only from a
    // screen that is paused and stays the same for a moment (a loaded machine draws late).
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const t = screen();
      if (header(t).includes('paused') && t === s) break;
      if (!header(t).includes('paused')) keys('Space');
      s = await until('paused', (u) => header(u).includes('paused'), 1000).catch(() => screen());
    }
    expect(header(s)).toContain('paused');
    const clock = (t: string): string => /(\d+\.\d{3}) s \//.exec(header(t))![1]!;
    keys('.');
    const afterStep = await until('a step', (t) => clock(t) !== clock(s) || t !== s);
    keys('Left');
    await until('a step back', (t) => t !== afterStep);
    keys('Right');
    await until('the same screen again', (t) => t === afterStep, 20_000, `expected:\n${afterStep}`);
    keys(']', ']');
    keys('Down');
    s = await until('the cursor on n2', (t) => row(t, 'n2').startsWith('›'));
    keys('c');
    s = await until('n2 crashed', (t) => (row(t, 'n2').match(/DOWN/g) ?? []).length === 3);
    keys('w');
    await until('the file written', (t) => t.includes(`wrote ${saved}`));
    keys('G');
    s = await until('the end', (t) => /traceHash\s+[0-9a-f]{16}/.test(t), 30_000);
    const shown = (s.split('\n').find((l) => l.startsWith('traceHash')) ?? '').split(/\s+/).slice(1);
    keys('q');
    await until('the exit', () => existsSync(join(dir, 'exit')));
    const uiExit = Number(readFileSync(join(dir, 'exit'), 'utf8').trim());

    expect(readFileSync(saved, 'utf8')).toMatch(/# injected by hand\n {2}- at: \w+\n {4}crash: n2\n/);
    const replay = spawnSync('node', ['bin/raftsim.js', 'run', saved, '--json'], { encoding: 'utf8' });
    const json = JSON.parse(replay.stdout) as { models: Record<string, { traceHash: string }> };
    expect(Object.values(json.models).map((m) => m.traceHash)).toEqual(shown);
    expect(uiExit).toBe(replay.status);
  }, 60_000);
});
