import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';

const doc = readFileSync('docs/command-line.md', 'utf8');
const flags = (text: string) => [...new Set(text.match(/--[a-z][a-z-]+/g) ?? [])].sort();

/** The text of docs/command-line.md from `heading` to the next heading of the same level. */
function section(heading: string): string {
  const at = doc.indexOf(`\n${heading}\n`);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const next = doc.indexOf('\n## ', at + heading.length + 2);
  return doc.slice(at, next < 0 ? undefined : next);
}

describe('raftsim --help and each command\'s --help say what docs/command-line.md says', () => {
  it('the usage lines of raftsim --help are the synopsis at the top of the document', async () => {
    const { code, out } = await cli('--help');
    expect(code).toBe(0);
    const usage = out.slice(out.indexOf('Usage:\n') + 7, out.indexOf('\n\n', out.indexOf('Usage:\n'))).split('\n').map((l) => l.replace(/^ {2}/, ''));
    const synopsis = doc.slice(doc.indexOf('\n\n') + 2, doc.indexOf('\n\n', doc.indexOf('\n\n') + 2)).split('\n').map((l) => l.replace(/^ {4}/, ''));
    expect(usage).toEqual(synopsis);
  });

  it.each(['run', 'validate', 'check-history', 'fuzz', 'learn'])('%s: every option of its --help is in its section, and every option of the section\'s table in its --help', async (command) => {
    const { code, out } = await cli(command, '--help');
    expect(code).toBe(0);
    const text = section(`## raftsim ${command}`);
    const table = text.split('\n').filter((l) => /^\| `-/.test(l)).map((l) => l.split(' | ')[0]!).join(' ');
    const help = flags(out).filter((f) => f !== '--help');
    expect(help.filter((f) => !flags(text).includes(f))).toEqual([]);
    expect(flags(table).filter((f) => f !== '--help' && !help.includes(f))).toEqual([]);
  });

  it.each(['election', 'speed', 'run', 'long', 'seek', 'tui', 'fuzz'])('bench %s: every option of its --help is in its paragraph', async (bench) => {
    const { code, out } = await cli('bench', bench, '--help');
    expect(code).toBe(0);
    const bench_ = section('## raftsim bench');
    const start = bench_.indexOf(`- \`raftsim bench ${bench}\``);
    expect(start).toBeGreaterThanOrEqual(0);
    const end = bench_.indexOf('\n- `raftsim bench ', start + 1);
    const paragraph = bench_.slice(start, end < 0 ? undefined : end);
    expect(flags(out).filter((f) => f !== '--help' && !flags(paragraph).includes(f))).toEqual([]);
  });
});

describe('no command (raftsim, raftsim bench) is a usage error: the help on stderr, exit 2; --help is the same help on stdout, exit 0', () => {
  it.each([[[]], [['bench']]])('%j', async (argv) => {
    const bare = await cli(...argv);
    const help = await cli(...argv, '--help');
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(help.code).toBe(0);
    expect(help.err).toBe('');
    expect(bare.err).toBe(help.out);
  });
});
