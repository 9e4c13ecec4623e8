import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJunit } from '../src/export/junit.ts';
import { runScenario } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { cli } from './helpers/cli.ts';
import { parseXml, type XmlElement } from './helpers/xml.ts';

/**
 * `--junit FILE` on `run` and `fuzz` writes JUnit XML that CI systems read:
 * it validates against the JUnit schema (test/fixtures/junit/junit.xsd,
 * with xmllint when it is installed) and, always, against the rules those
 * readers rely on, checked here field by field.
 */

const dir = mkdtempSync(join(tmpdir(), 'raftsim-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const XSD = 'test/fixtures/junit/junit.xsd';
const xmllint = spawnSync('xmllint', ['--version']).status === 0;

/** The rules CI readers rely on; returns the cases, for the test to look at. */
function validJunit(text: string): { suites: XmlElement[]; cases: XmlElement[] } {
  const root = parseXml(text);
  expect(root.name).toBe('testsuites');
  const count = (el: XmlElement, attr: string) => {
    expect(el.attrs[attr], `${el.name} ${attr}`).toMatch(/^\d+$/);
    return Number(el.attrs[attr]);
  };
  const suites = root.children;
  const cases: XmlElement[] = [];
  for (const suite of suites) {
    expect(suite.name).toBe('testsuite');
    expect(suite.attrs['name']).toBeTruthy();
    const mine = suite.children.filter((c) => c.name === 'testcase');
    // testcases first, then at most one system-out: the schema's order.
    expect(suite.children.map((c) => c.name).join(' ')).toMatch(/^(testcase ?)*(system-out)?$/);
    expect(count(suite, 'tests')).toBe(mine.length);
    expect(count(suite, 'failures')).toBe(mine.filter((c) => c.children.some((x) => x.name === 'failure')).length);
    expect(count(suite, 'errors')).toBe(mine.filter((c) => c.children.some((x) => x.name === 'error')).length);
    expect(count(suite, 'skipped')).toBe(mine.filter((c) => c.children.some((x) => x.name === 'skipped')).length);
    expect(suite.attrs['time']).toMatch(/^\d+(\.\d+)?$/);
    const keys = mine.map((c) => `${c.attrs['classname']} / ${c.attrs['name']}`);
    expect(new Set(keys).size, 'a case is known by classname and name: no two alike').toBe(keys.length);
    for (const c of mine) {
      expect(c.attrs['name']).toBeTruthy();
      expect(c.attrs['classname']).toMatch(/^raftsim\./);
      expect(c.attrs['time']).toMatch(/^\d+(\.\d+)?$/);
      expect(c.children.length).toBeLessThanOrEqual(1);
      for (const x of c.children) {
        expect(['failure', 'skipped']).toContain(x.name);
        expect(x.attrs['message']).toBeTruthy();
        if (x.name === 'failure') expect(x.attrs['type']).toBeTruthy();
      }
    }
    cases.push(...mine);
  }
  expect(count(root, 'tests')).toBe(cases.length);
  expect(count(root, 'failures')).toBe(cases.filter((c) => c.children.some((x) => x.name === 'failure')).length);
  expect(count(root, 'errors')).toBe(0);
  return { suites, cases };
}

function schemaValid(path: string): void {
  if (!xmllint) return;
  execFileSync('xmllint', ['--noout', '--schema', XSD, path], { stdio: 'pipe' });
}

const failureOf = (c: XmlElement) => c.children.find((x) => x.name === 'failure');

describe('raftsim run --junit', () => {
  it('writes a case per promise, the safety invariants and each expect line, all passing for a run that passes', async () => {
    const path = join(dir, 'split-brain.xml');
    const run = await cli('run', 'scenarios/cap/split-brain.yaml', '--json', '--junit', path);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out) as { models: Record<string, { promises: string[] }>; expectations: { model: string }[] };
    const text = readFileSync(path, 'utf8');
    schemaValid(path);
    const { suites, cases } = validJunit(text);
    expect(suites.map((s) => s.attrs['name'])).toEqual(Object.keys(summary.models).map((m) => `split-brain.${m}`));
    for (const [model, s] of Object.entries(summary.models)) {
      const mine = cases.filter((c) => c.attrs['classname'] === `raftsim.split-brain.${model}`).map((c) => c.attrs['name']);
      expect(mine).toEqual(['safety invariants', ...s.promises.map((p) => `promise: ${p}`), ...summary.expectations.filter((e) => e.model === model).map((e) => expect.stringMatching(/^expect /))]);
    }
    expect(cases.filter(failureOf)).toEqual([]);
    // A pure function of the run: the same bytes again.
    await cli('run', 'scenarios/cap/split-brain.yaml', '--json', '--junit', join(dir, 'again.xml'));
    expect(readFileSync(join(dir, 'again.xml'), 'utf8')).toBe(text);
  });

  it('fails the safety case and the expect line a buggy run breaks, with the command that replays it', async () => {
    const path = join(dir, 'forget-vote.xml');
    const run = await cli('run', 'scenarios/bugs/forget-vote.yaml', '--ui', 'text', '--junit', path);
    expect(run.code).toBe(1);
    schemaValid(path);
    const { cases } = validJunit(readFileSync(path, 'utf8'));
    const failed = cases.filter(failureOf);
    expect(failed.map((c) => c.attrs['name'])).toEqual(['safety invariants', 'expect violations: 0', 'expect lostWrites: 0']);
    expect(failureOf(failed[0]!)!.attrs['message']).toBe('3 safety violations: Election Safety');
    expect(failureOf(failed[0]!)!.text).toContain('replay: raftsim run scenarios/bugs/forget-vote.yaml --seed 1');
    expect(failureOf(failed[1]!)!.attrs['message']).toBe('raft violations: got 3, expected 0');
  });

  it('fails a broken promise and skips an undecided one', () => {
    const scenario = loadScenario('scenarios/leader-crash.yaml');
    const result = runScenario(scenario, { untilUs: 6_000_000 });
    const run = result.runs[0]!;
    const broken = { ...result, runs: [{ ...run, summary: { ...run.summary, violations: [{ invariant: 'Promise: no lost writes', atMs: 6000, detail: '2 acknowledged writes are not in the authoritative log (lostWrites)' }] } }] };
    const path = join(dir, 'promise.xml');
    writeFileSync(path, runJunit(broken, 'replay: raftsim run x.yaml --seed 1'));
    schemaValid(path);
    const { cases } = validJunit(readFileSync(path, 'utf8'));
    const byName = new Map(cases.map((c) => [c.attrs['name'], c]));
    expect(failureOf(byName.get('promise: no lost writes')!)!.attrs).toMatchObject({ type: 'promise', message: 'broken: 2 acknowledged writes are not in the authoritative log (lostWrites)' });
    // --until before settle: convergence cannot be decided.
    expect(byName.get('promise: converges after settle')!.children[0]!.name).toBe('skipped');
  });

  it('escapes what it quotes: markup, quotes and control characters never break the XML', () => {
    const scenario = loadScenario('scenarios/leader-crash.yaml');
    const result = runScenario(scenario, { untilUs: 1_000_000 });
    const run = result.runs[0]!;
    const nasty = { ...result, scenario: 'a<b>&"c"\u0001', runs: [{ ...run, summary: { ...run.summary, violations: [{ invariant: 'X ]]> <y/>', atMs: 1, detail: 'd "q" & \u001b[31m' }] } }] };
    const path = join(dir, 'nasty.xml');
    writeFileSync(path, runJunit(nasty, 'replay'));
    schemaValid(path);
    const { suites, cases } = validJunit(readFileSync(path, 'utf8'));
    expect(suites[0]!.attrs['name']).toBe('a<b>&"c"\\x01.raft');
    expect(failureOf(cases[0]!)!.text).toContain('d "q" & \\x1b[31m');
  });
});

describe('raftsim fuzz --junit', () => {
  it('writes a case per seed, a failing seed failed with what broke and its replay command', async () => {
    const path = join(dir, 'fuzz.xml');
    const run = await cli('fuzz', '--options', 'bugs=no-up-to-date-check', '--seeds', '3', '--workers', '1', '--shrink-time', '0', '--out', join(dir, 'fuzz-out'), '--junit', path);
    expect(run.code).toBe(1);
    schemaValid(path);
    const { suites, cases } = validJunit(readFileSync(path, 'utf8'));
    expect(suites).toHaveLength(1);
    expect(cases.map((c) => c.attrs['name'])).toEqual(['seed 1', 'seed 2', 'seed 3']);
    const failed = cases.filter(failureOf);
    expect(failed.map((c) => c.attrs['name'])).toContain('seed 1');
    expect(failureOf(failed[0]!)!.attrs['message']).toContain('Leader Completeness');
    for (const c of failed) {
      const seed = c.attrs['name']!.slice('seed '.length);
      expect(run.out).toContain(`--start ${seed} --seeds 1`);
      expect(failureOf(c)!.text).toContain(`replay: raftsim fuzz --options bugs=no-up-to-date-check --start ${seed} --seeds 1`);
    }
  });

  it('refuses the same file for --jsonl and --junit', async () => {
    const path = join(dir, 'same.out');
    const run = await cli('fuzz', '--seeds', '1', '--jsonl', path, '--junit', path);
    expect(run.code).toBe(2);
    expect(run.err).toContain('--jsonl and --junit both name');
  });
});
