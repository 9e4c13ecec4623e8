import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { raftModel } from '../src/run/raft-model.ts';
import { registerModel } from '../src/run/registry.ts';
import { cli } from './helpers/cli.ts';

/**
 * A run that breaks a promise of its model's configuration is a violation:
 * `raftsim run` exits 1 and names the promise, with no `expect` line at all.
 * No correct configuration breaks a promise (the seed sweeps check that), so
 * this test smuggles a rule-breaking node under a configuration that promises
 * everything: the scenario says plain Raft (reads through the log), the
 * nodes run with `read-without-quorum` (a deposed leader answers reads
 * from its own state). The scenario is bugs/read-without-quorum.yaml with its
 * `expect` lines removed.
 */
describe('a broken promise fails the run without any expect line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftsim-promise-'));
  const file = join(dir, 'no-expect.yaml');
  const source = readFileSync('scenarios/bugs/read-without-quorum.yaml', 'utf8');
  writeFileSync(file, source.replace(/\nexpect:[\s\S]*$/, '\n').replace(/^\s+bugs: \[read-without-quorum\]\n/m, ''));
  afterEach(() => registerModel('raft', raftModel));

  it('the configuration promises no stale reads; the run serves some: exit 1, and the report and JSON name the promise', async () => {
    expect(readFileSync(file, 'utf8')).not.toMatch(/expect:|read-without-quorum\]/);
    registerModel('raft', (spec, hooks) => raftModel({ ...spec, bugs: ['read-without-quorum'] }, hooks));
    const text = await cli('run', file);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/promises: linearizable history, no lost writes, no stale reads/);
    expect(text.out).toMatch(/BROKEN Promise: no stale reads: \d+ reads? returned/);
    expect(text.out).toMatch(/replay: raftsim run /);
    const json = await cli('run', file, '--json');
    expect(json.code).toBe(1);
    const invariants = (JSON.parse(json.out).models.raft.violations as { invariant: string }[]).map((v) => v.invariant);
    expect(invariants).toEqual(expect.arrayContaining(['Promise: no stale reads', 'Promise: linearizable history']));
  });

  it('the same file with the nodes keeping the rules exits 0', async () => {
    const run = await cli('run', file, '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out).models.raft.violations).toEqual([]);
  });

  it.sequential('cleans up', () => rmSync(dir, { recursive: true, force: true }));
});
