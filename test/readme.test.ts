import { readFileSync } from 'node:fs';
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

  it('its example scenario is valid', () => {
    expect(() => parseScenario(blockAfter('## A scenario', '```yaml\n'), 'README.md')).not.toThrow();
  });
});
