import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { loadScenario } from '../src/scenario/load.ts';

/**
 * Every file in scenarios/cap/ runs Raft next to primary/replica
 * configurations under one fault script, and must show both sides of the
 * trade-off in one table: a model that stayed available and lost or staled
 * data, and one that stayed consistent and lost availability.
 */
const DIR = 'scenarios/cap';
/** The leaderless lessons: each pins what its configurations do differently; the split brain compares four kinds of system. */
const LEADERLESS = ['leaderless-split-brain.yaml', 'lww-clock-skew.yaml', 'quorum-not-linearizable.yaml', 'read-repair-anti-entropy.yaml', 'sloppy-quorum.yaml'];
const all = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
/** Primary/replica topologies compared among themselves (no Raft column). */
const TOPOLOGIES = ['cascade.yaml'];
const files = all.filter((f) => !LEADERLESS.includes(f) && !TOPOLOGIES.includes(f));

describe('scenarios/cap', () => {
  it('has the seven scripts of the outcome table, and the promoted replica that must not serve what nobody acknowledged', () => {
    expect(files).toEqual([
      'one-way-cut.yaml',
      'primary-crash.yaml',
      'promoted-replica-reads.yaml',
      'replica-reads.yaml',
      'semi-sync-degrades.yaml',
      'split-brain-lease.yaml',
      'split-brain.yaml',
      'sync-standby-crash.yaml',
    ]);
  });

  it.each(files)('%s: holds its expect lines and shows one model choosing availability and one choosing consistency', (file) => {
    const path = join(DIR, file);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../schema/scenario.schema.json');
    const scenario = loadScenario(path);
    expect(scenario.description.length).toBeGreaterThan(200);
    const kinds = scenario.models.map((m) => m.kind);
    expect(kinds.filter((k) => k === 'raft')).toHaveLength(1);
    const pr = kinds.filter((k) => k === 'primary-replica').length;
    expect(pr).toBeGreaterThanOrEqual(2);
    expect(pr).toBeLessThanOrEqual(4);

    const result = runScenario(scenario);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.expectations.length).toBeGreaterThan(0);
    for (const run of result.runs) expect(run.summary.violations, run.name).toEqual([]);
    const verdicts = result.runs.map((r) => r.verdict);
    expect(verdicts.some((v) => v.startsWith('chose availability')), verdicts.join('\n')).toBe(true);
    expect(verdicts.some((v) => v.startsWith('chose consistency')), verdicts.join('\n')).toBe(true);
  });
});

describe('scenarios/cap: leaderless replication', () => {
  it('has the five leaderless lessons', () => {
    expect(all.filter((f) => LEADERLESS.includes(f))).toEqual(LEADERLESS);
  });

  it.each(LEADERLESS)('%s: holds its expect lines, breaks no promise, and its models reach different verdicts', (file) => {
    const path = join(DIR, file);
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../schema/scenario.schema.json');
    const scenario = loadScenario(path);
    expect(scenario.description.length).toBeGreaterThan(200);
    expect(scenario.models.some((m) => m.kind === 'leaderless')).toBe(true);
    const result = runScenario(scenario);
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.expectations.length).toBeGreaterThan(0);
    for (const run of result.runs) expect(run.summary.violations, run.name).toEqual([]);
    const verdicts = result.runs.map((r) => r.verdict);
    expect(new Set(verdicts).size, verdicts.join('\n')).toBe(verdicts.length);
  });

  it('the split brain under Raft, async failover, leaderless ONE and QUORUM: four different verdicts, two choosing consistency (Raft for the minority side, QUORUM per key), two availability', () => {
    const result = runScenario(loadScenario(join(DIR, 'leaderless-split-brain.yaml')));
    const verdict = Object.fromEntries(result.runs.map((r) => [r.name, r.verdict]));
    expect(Object.keys(verdict)).toEqual(['raft', 'async-failover', 'leaderless-one', 'leaderless-quorum']);
    expect(verdict['raft']).toMatch(/^chose consistency/);
    expect(verdict['async-failover']).toMatch(/^chose availability: .*lost \d+ acknowledged writes/);
    expect(verdict['leaderless-one']).toMatch(/^chose availability: .*stale reads/);
    expect(verdict['leaderless-one']).not.toMatch(/lost/);
    // Availability per key: every client is refused on the keys whose quorum is across the partition, while Raft
    // refuses only the minority side's clients.
    expect(verdict['leaderless-quorum']).toMatch(/^chose consistency: unavailable for [\d.]+ s( \(reads\))? to 5 of 5 clients, lost nothing$/);
    expect(verdict['raft']).toMatch(/to 2 of 5 clients/);
  });
});

describe('scenarios/cap: cascading replication', () => {
  it('cascade.yaml: holds its expect lines, and the chain serves more stale reads than the fan-out', () => {
    const result = runScenario(loadScenario(join(DIR, 'cascade.yaml')));
    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    for (const run of result.runs) expect(run.summary.violations, run.name).toEqual([]);
    const [fanOut, chain] = result.runs;
    expect(chain!.summary.staleReads).toBeGreaterThan(fanOut!.summary.staleReads);
  });
});
