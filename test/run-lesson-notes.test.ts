import { describe, expect, it } from 'vitest';
import { narration } from '../src/lessons/facts.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { cli } from './helpers/cli.ts';

const LESSON = 'scenarios/lessons/01-electing-a-leader.yaml';

/** The note lines of a text report, as printed (`note  TEXT`), in order. */
const notesOf = (out: string): string[] => [...out.matchAll(/ note  (.*)$/gm)].map((m) => m[1]!);

describe('raftsim run of a lesson tells its notes as the run does, as raftsim learn does', () => {
  it('with another seed, no note states a fact the run contradicts: the report prints each note as the narration tells it', async () => {
    const scenario = loadScenario(LESSON);
    const told = narration(scenario, { seed: 2 }).told;
    // The rule is only tested if seed 2 contradicts some note as written.
    expect(told.some((t) => !t.holds)).toBe(true);
    const { out } = await cli('run', LESSON, '--seed', '2', '--ui', 'text', '--model', 'raft');
    const printed = notesOf(out);
    // Each note once (the first model's event log holds them; with one model shown, that one).
    expect(printed).toEqual(told.map((t) => t.text));
  });

  it('--follow prints the same notes, questions included, as the report at the end would', async () => {
    const report = await cli('run', LESSON, '--seed', '2', '--ui', 'text', '--model', 'raft');
    const followed = await cli('run', LESSON, '--seed', '2', '--ui', 'text', '--model', 'raft', '--follow');
    expect(notesOf(followed.out)).toEqual(notesOf(report.out));
    expect(notesOf(followed.out).some((n) => n.includes('QUESTION:'))).toBe(true);
  });

  it('with the lesson\'s own seed, every note is printed as written', async () => {
    const scenario = loadScenario(LESSON);
    const told = narration(scenario, {}).told;
    expect(told.every((t) => t.holds)).toBe(true);
    const { out } = await cli('run', LESSON, '--ui', 'text', '--model', 'raft');
    expect(notesOf(out)).toEqual(told.map((t) => t.text));
  });
});
