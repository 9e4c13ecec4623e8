import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunEvent, VoteDecided, VoteReasonName } from '../src/run/events.ts';
import { SteppableRun } from '../src/run/steppable.ts';
import { loadScenario } from '../src/scenario/load.ts';
import { EventLog } from '../src/tui/event-log.ts';
import { buildFrame, frameText } from '../src/tui/frame.ts';
import { LiveRun } from '../src/tui/live-run.ts';

/**
 * The event log names the rule that decided each vote (issue: "n3 refused
 * vote to n2: log not up to date, §5.4.1"): the votes of one election are
 * told on its candidate's line, grouped by rule; a storm of alike elections
 * is one line; going back forgets the votes undone.
 */

const FILE = 'scenarios/cap/split-brain.yaml';

describe('votes in the terminal UI', () => {
  it('a vote refused because the candidate’s log is not up to date appears in the 100×30 frame with its rule (§5.4.1)', () => {
    const scenario = loadScenario(FILE);
    // What the engine says happened: the refusals of the first election after the partition.
    const run = new SteppableRun(scenario, scenario.models[0]!, { seed: scenario.seed });
    const refused: VoteDecided[] = [];
    run.subscribe((e) => {
      if (e.type === 'vote' && e.reason === 'log-not-up-to-date') refused.push(e);
    });
    run.runUntil(5_300_000);
    expect(refused.length).toBeGreaterThan(0);
    const candidate = refused[0]!.candidate;
    const voters = refused.filter((v) => v.candidate === candidate && v.term === refused[0]!.term).map((v) => v.voter);

    const live = new LiveRun(scenario, { source: readFileSync(FILE, 'utf8') });
    try {
      live.group.runUntil(5_300_000);
      const frame = frameText(buildFrame(live, { cols: 100, rows: 29, color: false }));
      const events = frame.split('\n').map((l) => l.split('│')[0]!.trimEnd());
      const at = events.findIndex((l) => l.includes(`${candidate} timed out, stands for term ${refused[0]!.term}:`));
      expect(at, frame).toBeGreaterThanOrEqual(0);
      // The line goes on, wrapped, until its rule.
      const told = [events[at], events[at + 1]].join(' ').replace(/\s+/g, ' ');
      expect(told).toContain(`${voters.join(' ')} refused: log not up to date (§5.4.1)`);
    } finally {
      live.dispose();
    }
  });
});

// ---- the event log on its own, fed by hand -------------------------------------------

let ordinal = 0;
const role = (node: string, r: string, term: number, atUs: number): RunEvent => ({ type: 'role', event: ++ordinal, atUs, node, role: r, term });
function vote(voter: string, candidate: string, term: number, reason: VoteReasonName, atUs: number, extra: Partial<VoteDecided> = {}): VoteDecided {
  return {
    type: 'vote',
    event: ++ordinal,
    atUs,
    voter,
    candidate,
    term,
    preVote: false,
    granted: reason === 'granted',
    ignored: reason.startsWith('ignored-'),
    reason,
    voterTerm: term,
    leader: null,
    votedFor: null,
    ...extra,
  };
}
const texts = (log: EventLog): string[] => log.lines(20, ['raft']).map((l) => l.text);

describe('the event log groups the votes of an election by rule', () => {
  it('grants (§5.2), refusals (§5.4.1, §5.2, §5.1) and the ignored (§4.2.3) are on the candidate’s line', () => {
    const log = new EventLog();
    const feed = (e: RunEvent): void => log.listener('raft', e);
    feed(role('n5', 'candidate', 3, 1000));
    feed(vote('n3', 'n5', 3, 'granted', 1100));
    feed(vote('n1', 'n5', 3, 'log-not-up-to-date', 1200));
    feed(vote('n4', 'n5', 3, 'granted', 1300));
    feed(vote('n2', 'n5', 3, 'already-voted', 1400, { votedFor: 'n4' }));
    feed(vote('n6', 'n5', 3, 'stale-term', 1450, { voterTerm: 4 }));
    feed(vote('n7', 'n5', 3, 'ignored-leader-alive', 1500, { leader: 'n2', voterTerm: 2 }));
    expect(texts(log)).toEqual([
      'n5 timed out, stands for term 3: votes from n3 n4 (§5.2); n1 refused: log not up to date (§5.4.1); n2 refused: already voted for n4 in term 3 (§5.2); ' +
        'n6 refused: stale term, it is in term 4 (§5.1); n7 ignored it: heard leader n2 within the minimum election timeout (§4.2.3)',
    ]);
  });

  it('a pre-vote round is shown only once answered, with §9.6', () => {
    const log = new EventLog();
    const feed = (e: RunEvent): void => log.listener('raft', e);
    feed(role('n5', 'preCandidate', 15, 1000));
    expect(texts(log)).toEqual([]);
    feed(vote('n2', 'n5', 16, 'leader-alive', 1100, { preVote: true, leader: 'n1', voterTerm: 15 }));
    feed(vote('n3', 'n5', 16, 'leader-alive', 1200, { preVote: true, leader: 'n1', voterTerm: 15 }));
    expect(texts(log)).toEqual(['n5 asks for pre-votes for term 16: n2 n3 refused: heard leader n1 within the minimum election timeout (§9.6)']);
  });

  it('a storm of alike elections of one candidate is one line, past the commits between them', () => {
    const log = new EventLog();
    const feed = (e: RunEvent): void => log.listener('raft', e);
    for (let term = 6; term <= 9; term++) {
      const t = term * 1000;
      feed(role('n5', 'candidate', term, t));
      feed(vote('n1', 'n5', term, 'ignored-leader-alive', t + 10, { leader: 'n2', voterTerm: 1 }));
      feed(vote('n2', 'n5', term, 'ignored-is-leader', t + 20, { leader: 'n2', voterTerm: 1 }));
      feed({ type: 'commit', event: ++ordinal, atUs: t + 500, node: 'n2', index: term, term: 1 });
    }
    expect(texts(log)).toEqual([
      'committed raft #6–8',
      'n5 stood for terms 6–9 (4 elections): n1 ignored it: heard leader n2 within the minimum election timeout (§4.2.3); n2 ignored it: is the leader (§4.2.3)',
      'committed raft #9',
    ]);
  });

  it('going back forgets the votes of the events undone, and stepping forward tells them again', () => {
    const log = new EventLog();
    const feed = (e: RunEvent): void => log.listener('raft', e);
    feed(role('n4', 'candidate', 2, 1000));
    const first = vote('n5', 'n4', 2, 'log-not-up-to-date', 1100);
    feed(first);
    const second = vote('n3', 'n4', 2, 'log-not-up-to-date', 1200);
    feed(second);
    const both = texts(log);
    expect(both).toEqual(['n4 timed out, stands for term 2: n5 n3 refused: log not up to date (§5.4.1)']);
    feed({ type: 'rewind', event: first.event, atUs: first.atUs });
    expect(texts(log)).toEqual(['n4 timed out, stands for term 2: n5 refused: log not up to date (§5.4.1)']);
    feed(second);
    expect(texts(log)).toEqual(both);
  });
});
