import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * bin/raftsim.js runs the bundle in dist/ with V8's code cache beside each
 * script (scripts/build.mjs). A cache is an optimisation only: a missing or
 * unusable one must never change what a command does, and the next run
 * writes a good one. Run on a copy of bin/ and dist/ (an installation
 * without the sources), so that the repository's own caches are untouched.
 */
const built = existsSync('dist/raftsim.cjs') && existsSync('dist/cmd-validate.cjs');
const dir = mkdtempSync(join(tmpdir(), 'raftsim-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function install(): string {
  const root = mkdtempSync(join(dir, 'install-'));
  cpSync('bin', join(root, 'bin'), { recursive: true });
  cpSync('dist', join(root, 'dist'), { recursive: true });
  cpSync('package.json', join(root, 'package.json'));
  return root;
}

function validate(root: string) {
  return spawnSync(process.execPath, [join(root, 'bin/raftsim.js'), 'validate', 'scenarios/leader-crash.yaml'], { encoding: 'utf8' });
}

describe.skipIf(!built)('the bundle and its code cache (skipped: no dist/, run npm run build)', () => {
  it('a command answers the same with its code cache, without it, and with a corrupt one; the next run writes a usable cache', () => {
    const root = install();
    const cache = join(root, 'dist/cmd-validate.cjs.cache');
    const withCache = validate(root);
    expect(withCache.status).toBe(0);
    expect(withCache.stdout).toContain('scenarios/leader-crash.yaml: ok');

    rmSync(cache);
    const without = validate(root);
    expect({ status: without.status, stdout: without.stdout, stderr: without.stderr }).toEqual({ status: 0, stdout: withCache.stdout, stderr: '' });
    expect(existsSync(cache)).toBe(true);
    const written = statSync(cache).size;
    expect(written).toBeGreaterThan(10_000);

    writeFileSync(cache, Buffer.from('not a code cache'));
    const corrupt = validate(root);
    expect({ status: corrupt.status, stdout: corrupt.stdout, stderr: corrupt.stderr }).toEqual({ status: 0, stdout: withCache.stdout, stderr: '' });
    expect(readFileSync(cache).toString('latin1')).not.toBe('not a code cache');
  });

  it('a bad scenario is still a located error and exit 2, not a stack trace, from the bundle', () => {
    const root = install();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'nodes: [\n');
    const run = spawnSync(process.execPath, [join(root, 'bin/raftsim.js'), 'run', bad], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:2:1: invalid YAML/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
