import { describe, expect, it } from 'vitest';
import { campaignReport, type CampaignHeader } from '../src/fuzz/report.ts';

/**
 * The report's first lines say what worlds are drawn and what each seed is
 * held to. A leaderless campaign draws N, W, R, read repair, sloppy quorums,
 * anti-entropy and conflicts per world, so the promises of its first world
 * are not what every seed is held to; a pinned replica count sets the
 * smallest world.
 */
function header(model: string, options: CampaignHeader['options'], allow: string[] = []): CampaignHeader {
  return { raftsim: 'fuzz', model, options, allow, durationMs: 5000, settleMs: 3000, start: 1, seeds: 10 };
}

const lineOf = (text: string, head: string) => text.split('\n').find((l) => l.startsWith(head))!;

describe('the campaign report names what its worlds are and what they are held to', () => {
  it('a leaderless campaign with drawn options is held to what each world promises, not to the first world’s promises', () => {
    const text = campaignReport({ header: header('leaderless', {}), results: [], promised: ['no stale reads', 'no lost writes'] });
    expect(lineOf(text, 'held to:')).toBe("held to: what each world's drawn configuration promises (docs/promises.md), no lost writes in every world, and its safety invariants");
  });

  it('allowing lost writes drops "no lost writes in every world"', () => {
    const text = campaignReport({ header: header('leaderless', {}, ['lostWrites']), results: [], promised: [] });
    expect(lineOf(text, 'held to:')).toBe("held to: what each world's drawn configuration promises (docs/promises.md), and its safety invariants; allowed: lostWrites");
  });

  it('a leaderless campaign with every promise-changing option pinned, and Raft, list the promises', () => {
    const pinned = { replicas: 3, writeQuorum: 'quorum', readQuorum: 'quorum', readRepair: 'blocking', sloppyQuorum: false, antiEntropy: '500ms', conflicts: 'lww' };
    const promised = ['linearizable history', 'no lost writes'];
    expect(lineOf(campaignReport({ header: header('leaderless', pinned), results: [], promised }), 'held to:')).toBe('held to: linearizable history, no lost writes, and its safety invariants');
    expect(lineOf(campaignReport({ header: header('raft', {}), results: [], promised }), 'held to:')).toBe('held to: linearizable history, no lost writes, and its safety invariants');
  });

  it('worlds have 3, 5 or 7 nodes, but at least a pinned replica count', () => {
    expect(lineOf(campaignReport({ header: header('leaderless', {}), results: [], promised: [] }), 'worlds:')).toMatch(/^worlds: 3, 5 or 7 nodes;/);
    expect(lineOf(campaignReport({ header: header('leaderless', { replicas: 5 }), results: [], promised: [] }), 'worlds:')).toMatch(/^worlds: 5 or 7 nodes;/);
    expect(lineOf(campaignReport({ header: header('leaderless', { replicas: 6 }), results: [], promised: [] }), 'worlds:')).toMatch(/^worlds: 7 nodes;/);
    expect(lineOf(campaignReport({ header: header('leaderless', { replicas: 9 }), results: [], promised: [] }), 'worlds:')).toMatch(/^worlds: 9 nodes;/);
  });
});
