import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { loadScenario } from '../src/scenario/load.ts';

/**
 * Every file in test/fixtures/scenarios-bad/ states on its first line what it
 * must report: `# expect: LINE:COL TEXT`. The CLI tests use the same files.
 */
const DIR = 'test/fixtures/scenarios-bad';
const EXPECT_LINE = /^# expect: (\d+):(\d+) (.+)$/;

const files = readdirSync(DIR)
  .filter((name) => name.endsWith('.yaml'))
  .sort();

describe('broken scenario fixtures report what their first line says', () => {
  it('there are fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('%s', (name) => {
    const path = join(DIR, name);
    const firstLine = readFileSync(path, 'utf8').split('\n')[0]!;
    const match = EXPECT_LINE.exec(firstLine);
    expect(match, `${name}: first line must be "# expect: LINE:COL TEXT"`).not.toBeNull();
    const [, line, col, text] = match!;

    let error: unknown;
    try {
      loadScenario(path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    const diagnostics = (error as InputError).diagnostics;
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ file: path, line: Number(line), col: Number(col) });
    // The CLI tests look for `FILE:LINE:COL: TEXT`, so TEXT is where the message starts.
    expect(diagnostics[0]!.message.startsWith(text), `"${diagnostics[0]!.message}" should start with "${text}"`).toBe(true);
  });
});
