import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario/load.ts';

const readme = readFileSync('README.md', 'utf8');

function blockAfter(marker: string, fence: string): string {
  const at = readme.indexOf(marker);
  expect(at, `README has "${marker}"`).toBeGreaterThanOrEqual(0);
  const start = readme.indexOf(fence, at) + fence.length;
  return readme.slice(start, readme.indexOf('\n```', start) + 1);
}

describe('the README tells the truth', () => {
  it('shows the set-up and test commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });

  it('shows the output npm start really prints (the split-brain transcript)', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
    expect(pkg.scripts.start).toContain('scenarios/cap/split-brain.yaml');
    expect(blockAfter('`npm start` runs', '```\n')).toBe(readFileSync('test/golden/cap/split-brain.txt', 'utf8'));
  });

  it('runs raftsim through npm only with -s, so that --json output is nothing but the JSON', () => {
    for (const file of ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]) {
      const text = readFileSync(file, 'utf8');
      expect(text.match(/npm run (?!-s )[^`\n]*raftsim --/g) ?? [], file).toEqual([]);
    }
    expect(readme).toContain('npm run -s raftsim -- run');
  });

  it('every relative link in the README and docs/ names a file that exists, and an anchor a heading in it', () => {
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-');
    const broken: string[] = [];
    for (const file of ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]) {
      const text = readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue; // https:, mailto:
        const [path, anchor] = target!.split('#');
        const linked = path === '' ? file : join(dirname(file), path!);
        if (!existsSync(linked)) {
          broken.push(`${file}: ${target} (no such file)`);
          continue;
        }
        if (anchor === undefined || !linked.endsWith('.md')) continue;
        const headings = readFileSync(linked, 'utf8')
          .split('\n')
          .filter((l) => /^#+ /.test(l))
          .map((l) => slug(l.replace(/^#+ /, '')));
        if (!headings.includes(anchor)) broken.push(`${file}: ${target} (no heading #${anchor})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('its example scenario is valid', () => {
    expect(() => parseScenario(blockAfter('## A scenario', '```yaml\n'), 'README.md')).not.toThrow();
  });
});
