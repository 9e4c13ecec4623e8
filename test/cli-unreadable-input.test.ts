import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'raftsim-unreadable-'));
const missing = join(dir, 'missing.yaml');

describe('an input that is missing or a directory: FILE: what is wrong, what was expected; exit 2; no stack trace', () => {
  it.each([
    [['run', missing], `${missing}: cannot read the scenario: no such file; expected a YAML scenario file\n`],
    [['run', dir], `${dir}: cannot read the scenario: it is a directory; expected a YAML scenario file\n`],
    [['validate', missing], `${missing}: cannot read the scenario: no such file; expected a YAML scenario file\n`],
    [['validate', dir], `${dir}: cannot read the scenario: it is a directory; expected a YAML scenario file\n`],
    [['check-history', missing], `${missing}: cannot read: no such file; expected a history file (jsonl, jepsen-log, jepsen-edn)\n`],
    [['check-history', dir], `${dir}: cannot read: it is a directory; expected a history file (jsonl, jepsen-log, jepsen-edn)\n`],
    [['fuzz', '--merge', missing], `${missing}: cannot read: no such file; expected a --jsonl file written by raftsim fuzz\n`],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toBe(message);
    expect(out).not.toMatch(/\n\s+at /);
  });
});
