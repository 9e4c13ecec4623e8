import { describe, expect, it } from 'vitest';
import { fuzzPromises } from '../src/fuzz/judge.ts';
import { campaignReport, type CampaignHeader } from '../src/fuzz/report.ts';
import { runSeed, worldOf, type CampaignConfig, type SeedResult } from '../src/fuzz/seed.ts';
import { worldScenario } from '../src/fuzz/world.ts';
import { PROMISE_NAMES, type PromiseKey } from '../src/run/promises.ts';

/**
 * The report's first lines say what worlds are drawn and what each seed is
 * held to. Each seed's result records what its own world promised (less what
 * was withdrawn or allowed), and the report is computed from those: a
 * leaderless campaign draws N, W, R, read repair, sloppy quorums,
 * anti-entropy and conflicts per world, so its first world's promises are
 * not the campaign's. A pinned replica count sets the smallest world.
 */
function header(model: string, options: CampaignHeader['options'], allow: string[] = []): CampaignHeader {
  return { raftsim: 'fuzz', model, options, allow, durationMs: 5000, settleMs: 3000, start: 1, seeds: 10 };
}

function result(seed: number, promised: readonly PromiseKey[] | undefined): SeedResult {
  return { seed, ok: true, nodes: 3, faults: 0, switchedOn: [], ...(promised === undefined ? {} : { promised: promised.map((k) => `promise:${k}`) }), failures: [], undecided: [], events: 0, traceHash: '' };
}

const lineOf = (text: string, head: string) => text.split('\n').find((l) => l.startsWith(head))!;

describe('each seed records what it is held to: its own world’s promises', () => {
  it('a leaderless campaign with drawn options: each seed’s promised list is its own world’s, and they differ from world to world', () => {
    const config: CampaignConfig = { kind: 'leaderless', pinned: {}, allowed: [] };
    const lists = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) {
      const own = worldScenario(worldOf(seed, config), 'seed');
      const expected = fuzzPromises(own.models[0]!, own, null, new Set()).map((k) => `promise:${k}`);
      const r = runSeed(seed, config);
      expect(r.promised).toEqual(expected);
      lists.add(JSON.stringify(r.promised));
    }
    expect(lists.size).toBeGreaterThan(1);
  }, 60_000);

  it('an allowed promise is not in a seed’s list', () => {
    const r = runSeed(1, { kind: 'raft', pinned: {}, allowed: ['noLostWrites', 'converges'] });
    expect(r.promised).not.toContain('promise:noLostWrites');
    expect(r.promised).not.toContain('promise:converges');
    expect(r.promised!.length).toBeGreaterThan(0);
  }, 60_000);
});

describe('the campaign report names what its worlds are and what they are held to', () => {
  it('seeds held to different promises: each promise with the share of seeds held to it', () => {
    const results = [result(1, ['noLostWrites', 'converges']), result(2, ['linearizable', 'noLostWrites']), result(3, ['noLostWrites'])];
    const line = lineOf(campaignReport({ header: header('leaderless', {}), results }), 'held to:');
    expect(line).toBe(
      `held to: what each world's configuration promises (docs/promises.md): ${PROMISE_NAMES.linearizable} (1 of 3 seeds), ${PROMISE_NAMES.noLostWrites} (every seed), ${PROMISE_NAMES.converges} (1 of 3 seeds); and its safety invariants`,
    );
  });

  it('seeds all held to the same promises: the list, whatever the model', () => {
    const results = [result(1, ['linearizable', 'noLostWrites']), result(2, ['linearizable', 'noLostWrites'])];
    for (const model of ['raft', 'leaderless']) {
      expect(lineOf(campaignReport({ header: header(model, {}), results }), 'held to:')).toBe(`held to: ${PROMISE_NAMES.linearizable}, ${PROMISE_NAMES.noLostWrites}, and its safety invariants`);
    }
    expect(lineOf(campaignReport({ header: header('raft', {}, ['lostWrites']), results: [result(1, [])] }), 'held to:')).toBe('held to: nothing but its safety invariants; allowed: lostWrites');
  });

  it('no seed run, or seeds from a build that did not record it: what each world promises, without a list', () => {
    for (const results of [[], [result(1, ['noLostWrites']), result(2, undefined)]]) {
      expect(lineOf(campaignReport({ header: header('raft', {}), results }), 'held to:')).toBe("held to: what each world's configuration promises (docs/promises.md), and its safety invariants");
    }
  });

  it('worlds have 3, 5 or 7 nodes, but at least a pinned replica count', () => {
    expect(lineOf(campaignReport({ header: header('leaderless', {}), results: [] }), 'worlds:')).toMatch(/^worlds: 3, 5 or 7 nodes;/);
    expect(lineOf(campaignReport({ header: header('leaderless', { replicas: 5 }), results: [] }), 'worlds:')).toMatch(/^worlds: 5 or 7 nodes;/);
    expect(lineOf(campaignReport({ header: header('leaderless', { replicas: 6 }), results: [] }), 'worlds:')).toMatch(/^worlds: 7 nodes;/);
    expect(lineOf(campaignReport({ header: header('leaderless', { replicas: 9 }), results: [] }), 'worlds:')).toMatch(/^worlds: 9 nodes;/);
  });
});
