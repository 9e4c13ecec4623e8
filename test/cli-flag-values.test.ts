import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';

const S = 'scenarios/leader-crash.yaml';

describe('a flag value that begins with a dash and a digit is checked as that flag\'s value (exit 2, what was expected)', () => {
  it.each([
    [['run', S, '--seed', '-1'], 'raftsim: --seed: "-1" is not a seed; expected a whole number such as 1 or 42\n'],
    [['run', S, '--until', '-1s'], 'raftsim: --until: "-1s" is not a time; expected e.g. 500ms, 8s or 1m\n'],
    [['fuzz', '--seeds', '-1'], 'raftsim: --seeds: "-1" is not valid; expected a whole number of at least 1\n'],
    [['fuzz', '--start', '-5'], 'raftsim: --start: "-5" is not valid; expected a whole number of at least 0\n'],
    [['learn', '3', '--seed', '-2'], 'raftsim: --seed: "-2" is not a seed; expected a whole number such as 1 or 42\n'],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(message);
  });
});

describe('a flag followed by another flag instead of its value is a usage error that names both', () => {
  it.each([
    [['run', S, '--seed', '--json'], "raftsim: run: --seed needs a value, got the option --json; see 'raftsim run --help'\n"],
    [['fuzz', '--out', '-h'], "raftsim: fuzz: --out needs a value, got the option -h; see 'raftsim fuzz --help'\n"],
  ])('%j', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toBe(message);
    expect(err).not.toContain('\\n');
  });
});

describe('learn takes one lesson, its options anywhere, and checks them as run does', () => {
  it('a second lesson is a usage error, not silently dropped', async () => {
    const { code, out, err } = await cli('learn', '1', '2');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/learn: expected one lesson, got 2/);
  });

  it('options before the lesson are options, not the lesson', async () => {
    const before = await cli('learn', '--seed', '3', '3', '--ui', 'text');
    const after = await cli('learn', '3', '--ui', 'text', '--seed', '3');
    expect(before.code).toBe(after.code);
    expect(before.err).toBe('');
    expect(before.out).toBe(after.out);
    expect(before.out).toMatch(/^scenario how-many-nodes {2}seed 3 /);
  });

  it('an unknown --model in a transcript is a usage error naming the lesson\'s models', async () => {
    const { code, out, err } = await cli('learn', '3', '--ui', 'text', '--model', 'nope');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe('raftsim: --model: "nope" is not a model of lesson 3 (how-many-nodes); expected one of: one, two, three, four, five\n');
  });

  it('an option without a lesson is a usage error', async () => {
    const { code, err } = await cli('learn', '--ui', 'text');
    expect(code).toBe(2);
    expect(err).toMatch(/--ui goes with a lesson/);
  });
});

describe('an unknown option is named with the options the command takes, and the nearest when it is a typo away', () => {
  it.each([
    [['run', S, '--seeds', '3'], /^raftsim: run: unknown option --seeds; did you mean --seed\? expected one of: --seed, --model, .*--until, --save, --help\n$/],
    [['fuzz', '--seed', '3'], /^raftsim: fuzz: unknown option --seed; did you mean --seeds\? expected one of: --model, --options, --seeds, /],
    [['bench', 'election', '--trial', '3'], /^raftsim: bench election: unknown option --trial; did you mean --trials\? /],
    [['validate', '--json', S], /^raftsim: validate: unknown option --json; expected one of: --help\n$/],
    [['learn', '1', '--trace', 'x'], /^raftsim: learn: unknown option --trace; expected one of: --ui, --json, --seed, --model, --help\n$/],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });
});

describe('check-history: an unknown option names the options it takes', () => {
  it('--bogus', async () => {
    const { code, out, err } = await cli('check-history', '--bogus', 'h.jsonl');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe("raftsim: check-history: unknown option --bogus; expected one of: --format, --json, --help\nRun 'raftsim check-history --help' for usage.\n");
  });
});
