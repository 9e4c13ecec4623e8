import { describe, expect, it } from 'vitest';
import { lessons } from '../src/cli/learn-command.ts';
import { cli } from './helpers/cli.ts';

describe('raftsim learn', () => {
  it('lists every lesson of scenarios/lessons, numbered, with its first sentence', async () => {
    const { code, out } = await cli('learn');
    expect(code).toBe(0);
    for (const l of lessons()) expect(out).toMatch(new RegExp(`^ *${l.number}  ${l.name}`, 'm'));
  });

  it('prints a lesson as a transcript with --ui text: the questions among the events, then the answers computed from the run', async () => {
    const { code, out } = await cli('learn', '1', '--ui', 'text');
    expect(code).toBe(0);
    expect(out).toContain('QUESTION: Which node will win the first election?');
    expect(out).toContain('answers (computed from the run)');
    expect(out).toMatch(/Which node will win the first election\?\n    \d: n\d — n\d took office in term 1 at/);
  });

  it('opens a lesson by name as by number', async () => {
    const byName = await cli('learn', lessons()[0]!.name, '--json');
    const byNumber = await cli('learn', '1', '--json');
    expect(byName.code).toBe(0);
    expect(byName.out).toBe(byNumber.out);
  });

  it('an unknown lesson is bad usage: one line, exit 2', async () => {
    const { code, err } = await cli('learn', 'no-such-lesson');
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('no lesson "no-such-lesson"');
  });
});
