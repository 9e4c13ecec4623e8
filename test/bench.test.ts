import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { electionLine, electionTrial, PAPER_SETUP, trialSeed } from '../src/bench/election.ts';
import { quantile, summarize } from '../src/bench/stats.ts';
import { cli } from './helpers/cli.ts';

/**
 * The benchmarks' shape and determinism, never their timing: a trial of the
 * Figure 16 bench is a pure function of (seed, line, trial index), so the same
 * seed prints the same table.
 */

const LINE = { minUs: 150_000, maxUs: 300_000 };

describe('bench election (Figure 16)', () => {
  it('prints {"lines": [...]} with the fields of the issue, one entry per requested line', async () => {
    const r = await cli('bench', 'election', '--timeout', '150ms..155ms', '--timeout', '12ms..24ms', '--trials', '20', '--json');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const json = JSON.parse(r.out);
    expect(json.lines.map((l: { timeout: string }) => l.timeout)).toEqual(['150ms..155ms', '12ms..24ms']);
    for (const line of json.lines) {
      expect(Object.keys(line)).toEqual(expect.arrayContaining(['timeout', 'trials', 'meanMs', 'medianMs', 'p90Ms', 'p99Ms', 'maxMs']));
      expect(line.trials).toBe(20);
      expect(line.medianMs).toBeLessThanOrEqual(line.p90Ms);
      expect(line.p90Ms).toBeLessThanOrEqual(line.p99Ms);
      expect(line.p99Ms).toBeLessThanOrEqual(line.maxMs);
      // The leader dies at most a heartbeat (half the minimum timeout) after the followers heard from it.
      expect(line.medianMs).toBeGreaterThan(parseInt(line.timeout, 10) / 2);
    }
  });

  it('the same seed gives the same table; another seed gives another', async () => {
    const args = ['bench', 'election', '--timeout', '150ms..200ms', '--timeout', '25ms..50ms', '--trials', '25', '--json'];
    const a = await cli(...args, '--seed', '7');
    const b = await cli(...args, '--seed', '7');
    const c = await cli(...args, '--seed', '8');
    expect(a.out).toBe(b.out);
    expect(c.out).not.toBe(a.out);
  });

  it('a trial depends on (seed, line, trial index) only, not on which other trials ran before it', () => {
    const alone = electionTrial(3, LINE, 17);
    electionLine(3, { minUs: 50_000, maxUs: 100_000 }, 5);
    expect(electionTrial(3, LINE, 17)).toEqual(alone);
    expect(electionLine(3, LINE, 18).downtimesUs).toContain(alone.downtimeUs);
    expect(trialSeed(3, LINE, 17)).not.toBe(trialSeed(3, LINE, 18));
  });

  it('measures from the crash: at least the election timeout minus the heartbeat interval, and a leader is always found', () => {
    const line = electionLine(1, LINE, 30);
    expect(line.censored).toBe(0);
    expect(line.premature).toBe(0);
    expect(line.summary.min).toBeGreaterThanOrEqual(LINE.minUs - LINE.minUs / 2);
    expect(line.meanTerms).toBeGreaterThanOrEqual(1);
  });

  it('no randomness: the survivors split their votes in lock-step and no leader is elected within the limit', () => {
    const trial = electionTrial(1, { minUs: 150_000, maxUs: 150_000 }, 0, { ...PAPER_SETUP, trialLimitUs: 5_000_000 });
    expect(trial.censored).toBe(true);
    expect(trial.terms).toBeGreaterThan(10);
  });

  it('variants of the set-up run and change the outcome without breaking determinism', () => {
    const variants = [
      { ...PAPER_SETUP, diskWriteUs: 3_000 },
      { ...PAPER_SETUP, candidateStepDownResetsTimer: false },
      { ...PAPER_SETUP, timerJitterUs: 1_000 },
      { ...PAPER_SETUP, logs: 'equal' as const, crash: 'after-broadcast' as const },
    ];
    for (const setup of variants) {
      const a = electionLine(2, { minUs: 150_000, maxUs: 155_000 }, 8, setup);
      const b = electionLine(2, { minUs: 150_000, maxUs: 155_000 }, 8, setup);
      expect(Array.from(a.downtimesUs)).toEqual(Array.from(b.downtimesUs));
      expect(a.censored).toBe(0);
    }
  });

  it('writes both graphs as an SVG and draws the distribution in the text report', async () => {
    const file = join(tmpdir(), `raftsim-bench-${process.pid}.svg`);
    try {
      const r = await cli('bench', 'election', '--timeout', '150ms..175ms', '--timeout', '50ms..100ms', '--trials', '10', '--svg', file);
      expect(r.code).toBe(0);
      expect(r.out).toContain('150ms..175ms');
      expect(r.out).toContain('(log scale)');
      const svg = readFileSync(file, 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.match(/<polyline/g)).toHaveLength(2);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('bad options are usage errors (exit 2)', async () => {
    expect((await cli('bench', 'election', '--timeout', 'fast')).code).toBe(2);
    expect((await cli('bench', 'election', '--trials', '0')).code).toBe(2);
    expect((await cli('bench', 'election', '--crash', 'sometimes')).code).toBe(2);
    expect((await cli('bench', 'nothing')).code).toBe(2);
    expect((await cli('bench', 'election', '--help')).out).toContain('--timeout A..B');
    expect((await cli('bench', 'speed', '--help')).out).toContain('bare event loop');
  });
});

describe('bench speed', () => {
  it('prints the bare loop and every model kind, with and without tracing, in the shape of the issue', async () => {
    const r = await cli('bench', 'speed', '--duration', '2s', '--repeat', '1', '--json');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.bareLoop.eventsPerSecond).toBeGreaterThan(0);
    expect(Object.keys(json.models)).toEqual(expect.arrayContaining(['raft', 'primary-replica']));
    interface Figures {
      eventsPerSecond: number;
      simSecondsPerWallSecond: number;
      ratioToBareLoop: number;
    }
    for (const model of Object.values(json.models) as (Figures & { tracing: Figures })[]) {
      for (const figures of [model, model.tracing]) {
        expect(figures.eventsPerSecond).toBeGreaterThan(0);
        expect(figures.simSecondsPerWallSecond).toBeGreaterThan(0);
        expect(figures.ratioToBareLoop).toBeGreaterThan(0);
      }
    }
    // The timed run is the same pure function of the seed as any other run: its trace does not depend on the timing.
    const again = JSON.parse((await cli('bench', 'speed', '--duration', '2s', '--repeat', '1', '--json')).out);
    expect(again.models.raft.traceHash).toBe(json.models.raft.traceHash);
    expect(again.models.raft.events).toBe(json.models.raft.events);
  });
});

describe('bench statistics', () => {
  it('percentiles are nearest-rank: always a measured value', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(quantile(sorted, 0.5)).toBe(5);
    expect(quantile(sorted, 0.9)).toBe(9);
    expect(quantile(sorted, 0.99)).toBe(10);
    expect(summarize(sorted)).toMatchObject({ mean: 5.5, median: 5, max: 10, min: 1 });
  });
});
