import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.ts';

/**
 * Every scenario in the repository is a golden transcript: its text report
 * and its JSON summary are kept in test/golden/ and must not change unless
 * the behaviour was meant to. `UPDATE_GOLDEN=1 npm test` rewrites them.
 */
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const scenarios = readdirSync('scenarios', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function golden(path: string, actual: string): void {
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE) throw new Error(`${path} is missing: run UPDATE_GOLDEN=1 npm test and review the new file`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(actual, `${path} differs; if the change is intended, run UPDATE_GOLDEN=1 npm test`).toBe(readFileSync(path, 'utf8'));
}

describe('scenario transcripts (golden files)', () => {
  // scenarios/bugs/ switch a rule off on purpose: they must break (exit 1); every other scenario must hold (exit 0),
  // except a model whose bug switch a lesson shows on purpose: its expect lines pin the violations it must have.
  it.each(scenarios)('%s: the expected exit code, and summary and report as recorded', async (file) => {
    const path = join('scenarios', file);
    const json = await cli('run', path, '--json');
    expect(json.err).toBe('');
    const summary = JSON.parse(json.out);
    if (file.startsWith('bugs/')) {
      expect(json.code).toBe(1);
    } else {
      const failed = summary.expectations.filter((e: { ok: boolean }) => !e.ok);
      expect(failed).toEqual([]);
      const meantToBreak = new Set(
        summary.expectations.filter((e: { field: string; want: string }) => e.field === 'violations' && /^(>|>=)?\s*[1-9]/.test(e.want)).map((e: { model: string }) => e.model),
      );
      for (const [name, model] of Object.entries(summary.models) as [string, { violations: unknown[] }][]) {
        if (!meantToBreak.has(name)) expect(model.violations, name).toEqual([]);
      }
      expect(json.code).toBe(meantToBreak.size > 0 ? 1 : 0);
    }
    const base = join('test/golden', file.replace(/\.yaml$/, ''));
    golden(`${base}.json`, JSON.stringify(summary, null, 2) + '\n');
    const text = await cli('run', path, '--ui', 'text');
    golden(`${base}.txt`, text.out);
  });
});
