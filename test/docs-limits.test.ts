import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STEPS } from '../src/check/linearizability/index.ts';
import { CACHE_WORDS_MAX } from '../src/check/linearizability/search.ts';
import { InputError } from '../src/core/errors.ts';
import { NAME_LENGTH_MAX, NODES_MAX, TIME_US_MAX } from '../src/scenario/fields.ts';
import { FILE_BYTES_MAX, parseScenario } from '../src/scenario/load.ts';

/**
 * docs/scenario-format.md's "Limits" table states every bound a scenario
 * meets; each row here is read from the page and tried on the loader: the
 * bound itself loads, one step beyond it does not.
 */
const page = readFileSync('docs/scenario-format.md', 'utf8');
const limits = page.slice(page.indexOf('## Limits'), page.indexOf('\n## ', page.indexOf('## Limits') + 1));

/** The bound column of the row whose first cell is `what`. */
function row(what: string): string {
  const line = limits.split('\n').find((l) => l.startsWith(`| ${what} |`));
  expect(line, `a row for ${what} in the Limits table`).toBeDefined();
  return line!.split(' | ')[1]!.replace(/ \|$/, '');
}

function loads(...lines: string[]): boolean {
  try {
    parseScenario(lines.join('\n'), 'x.yaml');
    return true;
  } catch (error) {
    if (error instanceof InputError) return false;
    throw error;
  }
}

const base = (over: Record<string, string>) => {
  const keys = { name: 'x', duration: '1s', nodes: '3', models: '[{kind: raft}]', ...over };
  return Object.entries(keys).map(([k, v]) => `${k}: ${v}`);
};

describe('docs/scenario-format.md states the limits the loader enforces', () => {
  it('nodes', () => {
    expect(row('`nodes`')).toBe(`1 to ${NODES_MAX}`);
    expect(loads(...base({ nodes: String(NODES_MAX) }))).toBe(true);
    expect(loads(...base({ nodes: String(NODES_MAX + 1) }))).toBe(false);
    expect(loads(...base({ nodes: '0' }))).toBe(false);
  });

  it('names', () => {
    expect(row('node and model names')).toContain(`at most ${NAME_LENGTH_MAX} characters`);
    const name = (n: number) => 'a'.repeat(n);
    expect(loads(...base({ nodes: `[${name(NAME_LENGTH_MAX)}, b, c]` }))).toBe(true);
    expect(loads(...base({ nodes: `[${name(NAME_LENGTH_MAX + 1)}, b, c]` }))).toBe(false);
    expect(loads(...base({ models: `[{kind: raft, name: ${name(NAME_LENGTH_MAX + 1)}}]` }))).toBe(false);
  });

  it('times', () => {
    expect(TIME_US_MAX).toBe(24 * 3600 * 1_000_000);
    expect(row('times')).toMatch(/^0 to `24h`/);
    expect(loads(...base({ duration: '24h' }))).toBe(true);
    expect(loads(...base({ duration: '24.001h' }))).toBe(false);
    expect(loads(...base({ duration: '0s' }))).toBe(false);
    expect(row('times')).toContain('`settle`');
    expect(loads(...base({ settle: '0s' }))).toBe(false);
    expect(row('times')).toContain('a Raft `heartbeat` shorter than the minimum `electionTimeout`');
    expect(loads(...base({ models: '[{kind: raft, heartbeat: 149ms, electionTimeout: 150ms..300ms}]' }))).toBe(true);
    expect(loads(...base({ models: '[{kind: raft, heartbeat: 150ms, electionTimeout: 150ms..300ms}]' }))).toBe(false);
  });

  it('seed', () => {
    expect(row('`seed`')).toContain(String(Number.MAX_SAFE_INTEGER));
    expect(loads(...base({ seed: String(Number.MAX_SAFE_INTEGER) }))).toBe(true);
    expect(loads(...base({ seed: '-1' }))).toBe(false);
  });

  it.each([
    ['`workload.clients`', 'clients', 0, 1000],
    ['`workload.keys`', 'keys', 1, 1000],
  ])('%s', (what, key, min, max) => {
    expect(row(what)).toBe(`${min} to ${max}`);
    expect(loads(...base({ workload: `{${key}: ${max}}` }))).toBe(true);
    expect(loads(...base({ workload: `{${key}: ${max + 1}}` }))).toBe(false);
    expect(loads(...base({ workload: `{${key}: ${min - 1}}` }))).toBe(false);
  });

  it('clockDrift and snapshotEvery', () => {
    expect(row('`clockDrift`')).toBe('per node, from -0.9 (a clock at a tenth of real speed) to 10');
    expect(loads(...base({ models: '[{kind: raft, clockDrift: {n1: -0.9, n2: 10}}]' }))).toBe(true);
    expect(loads(...base({ models: '[{kind: raft, clockDrift: {n1: -0.91}}]' }))).toBe(false);
    expect(loads(...base({ models: '[{kind: raft, clockDrift: {n1: 10.01}}]' }))).toBe(false);
    expect(row('`maxClockDrift`')).toBe('0 to 0.5');
    expect(loads(...base({ models: '[{kind: raft, maxClockDrift: 0.5}]' }))).toBe(true);
    expect(loads(...base({ models: '[{kind: raft, maxClockDrift: 0.51}]' }))).toBe(false);
    expect(row('`snapshotEvery`')).toBe('0 to 1000000');
    expect(loads(...base({ models: '[{kind: raft, snapshotEvery: 1000000}]' }))).toBe(true);
    expect(loads(...base({ models: '[{kind: raft, snapshotEvery: 1000001}]' }))).toBe(false);
  });

  it('the file size', () => {
    expect(FILE_BYTES_MAX).toBe(1024 * 1024);
    expect(row('the file')).toMatch(/^at most 1 MiB of UTF-8 text/);
  });

  it("the linearizability checker's budget per key", () => {
    expect(limits).toContain(`${DEFAULT_MAX_STEPS} search steps`);
    expect(limits).toContain(`cache of 2^${Math.log2(CACHE_WORDS_MAX)} words (${(CACHE_WORDS_MAX * 4) / 2 ** 20} MiB)`);
  });
});
