import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');
const block = readme.slice(readme.indexOf('```sh\n', readme.indexOf('## Commands')) + 6);
/** The README's command examples, in order, without their comments; the benchmarks (minutes each) are left to docs/figure-16.md and docs/performance.md. */
const commands = block
  .slice(0, block.indexOf('```'))
  .split('\n')
  .map((l) => l.replace(/\s+#.*$/, '').trim())
  .filter((l) => l.startsWith('npx raftsim ') && !l.startsWith('npx raftsim bench '));

describe("every command of the README's Commands block works as shown, from a clean directory", () => {
  it('there are commands to try', () => {
    expect(commands.length).toBeGreaterThanOrEqual(6);
  });

  it('each exits 0, in order (check-history reads the history the run before it wrote), with no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'raftsim-readme-'));
    symlinkSync(resolve('scenarios'), join(dir, 'scenarios'));
    const bin = resolve('bin/raftsim.js');
    for (const command of commands) {
      const r = spawnSync('sh', ['-c', command.replace(/^npx raftsim /, `"${process.execPath}" "${bin}" `)], { cwd: dir, encoding: 'utf8' });
      expect({ command, code: r.status, err: r.stderr }).toEqual({ command, code: 0, err: '' });
    }
  }, 120_000);
});
