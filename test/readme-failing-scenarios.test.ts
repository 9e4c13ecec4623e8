import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The golden transcripts (checked against real runs by scenarios-golden.test.ts) of the scenarios whose run fails: they end with a replay line. */
function failingScenarios(dir = 'test/golden'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return failingScenarios(path);
    return e.name.endsWith('.txt') && /^replay: /m.test(readFileSync(path, 'utf8')) ? [relative('test/golden', path).replace(/\.txt$/, '')] : [];
  });
}

describe('every scenario in the box that exits 1 is said to in the README (a newcomer running it must not think raftsim broken)', () => {
  const readme = readFileSync('README.md', 'utf8');
  const box = readme.slice(readme.indexOf('## Scenarios in the box'), readme.indexOf('\n## ', readme.indexOf('## Scenarios in the box') + 5));

  it('there are failing scenarios to look for', () => {
    expect(failingScenarios().length).toBeGreaterThan(0);
  });

  it.each(failingScenarios())('%s', (scenario) => {
    if (scenario.startsWith('bugs/')) expect(box).toMatch(/`scenarios\/bugs\/` \| [^\n]*exit 1 on purpose/);
    else expect(box).toMatch(new RegExp(`\`${basename(scenario)}\` exits 1 on purpose`));
  });
});
