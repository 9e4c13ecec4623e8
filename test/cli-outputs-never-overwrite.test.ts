import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';

const S = 'scenarios/leader-crash.yaml';
const fresh = () => mkdtempSync(join(tmpdir(), 'raftsim-keep-'));
const NOTES = '# my notes\nthe partition at 5 s is the interesting part\n';

describe('an output never writes over a file raftsim did not write (exit 2 before anything runs, the file kept)', () => {
  it.each([
    ['run', '--trace', 'trace.jsonl'],
    ['run', '--history', 'history.jsonl'],
    ['run', '--html', 'report.html'],
    ['run', '--junit', 'junit.xml'],
    ['fuzz', '--jsonl', 'fuzz.jsonl'],
    ['fuzz', '--junit', 'junit.xml'],
    ['bench election', '--svg', 'figure-16.svg'],
    ['bench speed', '--profile', 'speed.cpuprofile'],
  ])('%s %s over a file of the user\'s', async (command, flag, name) => {
    const dir = fresh();
    const file = join(dir, name);
    writeFileSync(file, NOTES);
    const argv = command === 'run' ? ['run', S, flag, file] : [...command.split(' '), '--seeds', '1', flag, file];
    if (command.startsWith('bench')) argv.splice(argv.indexOf('--seeds'), 2);
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`raftsim: ${flag}: ${file} exists and is not a file raftsim wrote, so it is left as it is; expected a new file name (or remove ${file} first)\n`);
    expect(readFileSync(file, 'utf8')).toBe(NOTES);
    expect(readdirSync(dir)).toEqual([name]);
  });

  it('a scenario file named as the trace of another run is kept', async () => {
    const dir = fresh();
    const other = join(dir, 'other.yaml');
    const text = readFileSync('scenarios/no-quorum.yaml', 'utf8');
    writeFileSync(other, text);
    const { code } = await cli('run', S, '--trace', other, '--json');
    expect(code).toBe(2);
    expect(readFileSync(other, 'utf8')).toBe(text);
  });
});

describe('a file raftsim wrote (or an empty one) is replaced by the next run, in every format', () => {
  it.each([
    [['--trace', 'out'], ['--trace', 'out', '--trace-format', 'perfetto']],
    [['--history', 'out', '--history-format', 'edn'], ['--history', 'out']],
    [['--html', 'out'], ['--html', 'out']],
    [['--junit', 'out'], ['--junit', 'out']],
  ])('%j, then %j', async (first, second) => {
    const dir = fresh();
    const file = join(dir, 'out');
    const at = (flags: string[]) => flags.map((f) => (f === 'out' ? file : f));
    expect((await cli('run', S, '--json', ...at(first))).code).toBe(0);
    const before = readFileSync(file, 'utf8');
    expect((await cli('run', S, '--json', ...at(second))).code).toBe(0);
    if (first.join() !== second.join()) expect(readFileSync(file, 'utf8')).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['out']);
  });

  it('an empty file is replaced', async () => {
    const dir = fresh();
    const file = join(dir, 'h.jsonl');
    writeFileSync(file, '');
    expect((await cli('run', S, '--json', '--history', file)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^\{"t":/);
  });

  it('fuzz --jsonl and --junit replace their own files', async () => {
    const dir = fresh();
    const argv = ['fuzz', '--seeds', '2', '--workers', '1', '--jsonl', join(dir, 'f.jsonl'), '--junit', join(dir, 'j.xml'), '--out', join(dir, 'out')];
    expect((await cli(...argv)).code).toBe(0);
    expect((await cli(...argv)).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['f.jsonl', 'j.xml']);
  }, 60_000);
});

describe('fuzz checks its output paths before the campaign, with a message and exit 2, never a stack trace', () => {
  it.each(['--jsonl', '--junit'])('%s in a directory that does not exist', async (flag) => {
    const dir = fresh();
    const file = join(dir, 'missing', 'x');
    const { code, out, err } = await cli('fuzz', '--seeds', '1', flag, file);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`raftsim: ${flag}: cannot write ${file}: the directory ${join(dir, 'missing')} does not exist; expected a file in an existing directory\n`);
  });

  it('--out under a file', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'f'), NOTES);
    const { code, out, err } = await cli('fuzz', '--seeds', '1', '--out', join(dir, 'f', 'sub'));
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^raftsim: --out: .*f \(in .*f\/sub\) is a file; expected a directory \(it is made when missing\)\n$/);
    expect(existsSync(join(dir, 'f', 'sub'))).toBe(false);
  });

  it('--merge of a file that does not exist, or of a directory, says what it expected', async () => {
    const dir = fresh();
    const missing = await cli('fuzz', '--merge', join(dir, 'nope.jsonl'), '--jsonl', join(dir, 'all.jsonl'));
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`${join(dir, 'nope.jsonl')}: cannot read: no such file; expected a --jsonl file written by raftsim fuzz\n`);
    const directory = await cli('fuzz', '--merge', dir);
    expect(directory.code).toBe(2);
    expect(directory.err).toBe(`${dir}: cannot read: it is a directory; expected a --jsonl file written by raftsim fuzz\n`);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('--svg DIR and a file output naming the same path is a usage error before the run, and nothing is made', () => {
  it.each(['--html', '--trace', '--history', '--junit'])('%s', async (flag) => {
    const dir = fresh();
    const same = join(dir, 'same');
    const { code, out, err } = await cli('run', S, flag, same, '--svg', same);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`raftsim: ${flag} and --svg both name ${same}; expected a file for ${flag} and a directory for --svg\n`);
    expect(readdirSync(dir)).toEqual([]);
  });
});
