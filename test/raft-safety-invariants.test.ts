import { describe, expect, it } from 'vitest';
import { RaftSafetyChecker } from '../src/check/raft-safety.ts';
import { VIOLATIONS_MAX, type Violation } from '../src/check/violations.ts';
import { VoteReason, type Entry, type LogView } from '../src/protocols/raft/types.ts';

/**
 * Each of Raft's safety properties (extended paper, Figure 3) as the online
 * checker sees it: for every invariant, a hand-built sequence of observer
 * calls that breaks it and must be reported, and one close to it — the
 * same calls with the one difference correct Raft allows — that must not.
 * A checker that sleeps fails the first kind; one that cries wolf, the
 * second. (Leader Completeness's finer points are in raft-safety-checker.test.ts.)
 */

function entry(term: number, seq: number): Entry {
  return { term, op: { f: 'write', key: 'k1', value: term * 1000 + seq }, client: 1, seq, origin: 0 };
}

/** A log holding `entries` at indexes snapshotIndex + 1, ...; below that, compacted. */
function logOf(entries: readonly Entry[], snapshotIndex = 0): LogView {
  return {
    snapshotIndex,
    lastIndex: () => snapshotIndex + entries.length,
    entryAt: (index) => (index > snapshotIndex ? entries[index - snapshotIndex - 1] : undefined),
  };
}

function checker(watched: Violation[] = []): RaftSafetyChecker {
  let now = 0;
  return new RaftSafetyChecker(
    { nowUs: () => (now += 1000), describeEvent: () => 'the test event', nodeName: (n) => `n${n + 1}` },
    () => {},
    () => {},
    { violated: (v) => watched.push(v) },
  );
}

const invariants = (c: RaftSafetyChecker) => c.violations.map((v) => v.invariant);

describe('Election Safety: at most one leader per term', () => {
  it('two nodes taking office in the same term is a violation, naming both and the term', () => {
    const c = checker();
    c.becameLeader(0, 5, logOf([]));
    c.becameLeader(2, 5, logOf([]));
    expect(invariants(c)).toEqual(['Election Safety']);
    expect(c.violations[0]!.detail).toContain('n3 and n1 are both leaders of term 5');
    expect(c.violations[0]!.detail).toContain('the test event');
  });

  it('one node per term, however many terms and whoever leads them, is no violation', () => {
    const c = checker();
    c.becameLeader(0, 5, logOf([]));
    c.becameLeader(2, 6, logOf([]));
    c.becameLeader(0, 7, logOf([]));
    c.becameLeader(1, 4, logOf([])); // a late candidate of an older term that nobody else led
    expect(c.violations).toEqual([]);
    expect(c.leaderships.map((l) => [l.term, l.node])).toEqual([
      [5, 0],
      [6, 2],
      [7, 0],
      [4, 1],
    ]);
  });

  it('the same node reported taking office twice in its term is no violation (one leader, told twice)', () => {
    const c = checker();
    c.becameLeader(0, 5, logOf([]));
    c.becameLeader(0, 5, logOf([]));
    expect(c.violations).toEqual([]);
  });
});

describe('Leader Append-Only: a leader never overwrites or deletes its entries', () => {
  it('a node that truncates its log while leader is a violation', () => {
    const c = checker();
    c.truncated(1, 4, 'leader');
    expect(invariants(c)).toEqual(['Leader Append-Only']);
    expect(c.violations[0]!.detail).toContain('leader n2 deleted its entries from index 4');
  });

  it('a follower, candidate or pre-candidate truncating a conflicting suffix is no violation', () => {
    const c = checker();
    c.truncated(1, 4, 'follower');
    c.truncated(1, 3, 'candidate');
    c.truncated(1, 2, 'preCandidate');
    expect(c.violations).toEqual([]);
  });
});

describe('Log Matching: one (index, term) names one entry, after one predecessor term', () => {
  const e1 = entry(1, 1);
  const e2 = entry(1, 2);

  it('two different entries at the same index and term are a violation', () => {
    const c = checker();
    c.appended(0, 1, e1, 0);
    c.appended(0, 2, e2, 1);
    c.appended(1, 1, e1, 0);
    c.appended(1, 2, entry(1, 99), 1);
    expect(invariants(c)).toEqual(['Log Matching']);
    expect(c.violations[0]!.detail).toContain('n2 holds a different entry at index 2 term 1');
  });

  it('the same entry after a different predecessor term is a violation (the logs differ before it)', () => {
    const c = checker();
    c.appended(0, 2, e2, 1);
    c.appended(1, 2, e2, 0);
    expect(invariants(c)).toEqual(['Log Matching']);
  });

  it('the same entry at the same index on every node, after the same predecessor term, is no violation', () => {
    const c = checker();
    for (const node of [0, 1, 2]) {
      c.appended(node, 1, e1, 0);
      c.appended(node, 2, e2, 1);
    }
    expect(c.violations).toEqual([]);
  });

  it('entries of different terms at one index (a conflict a later leader resolves) are no violation; two different ones of that later term are', () => {
    const c = checker();
    const e2b = entry(2, 2);
    c.appended(0, 2, e2, 1);
    c.appended(1, 2, e2b, 1);
    c.appended(2, 2, e2b, 1);
    c.appended(0, 2, e2b, 1);
    expect(c.violations).toEqual([]);
    c.appended(2, 2, entry(2, 77), 1);
    expect(invariants(c)).toEqual(['Log Matching']);
  });

  it('a later term at one index with the same entry after a different predecessor term is a violation', () => {
    const c = checker();
    const e2b = entry(2, 2);
    c.appended(0, 2, e2, 1);
    c.appended(1, 2, e2b, 1);
    c.appended(2, 2, e2b, 2);
    expect(invariants(c)).toEqual(['Log Matching']);
  });

  it('holds past the first chunk of its per-index records (index 20000)', () => {
    const c = checker();
    c.appended(0, 20_000, e2, 1);
    c.appended(1, 20_000, e2, 1);
    expect(c.violations).toEqual([]);
    c.appended(2, 20_000, entry(1, 3), 1);
    expect(invariants(c)).toEqual(['Log Matching']);
  });
});

describe('Leader Completeness: a leader holds every entry committed in an earlier term', () => {
  const e1 = entry(1, 1);
  const e2 = entry(1, 2);

  it('a leader of a later term whose log has another entry (not merely none) at a committed index is a violation', () => {
    const c = checker();
    c.becameLeader(0, 1, logOf([]));
    c.appended(0, 1, e1, 0);
    c.appended(0, 2, e2, 1);
    c.committed(0, 2, logOf([e1, e2]), 1);
    c.becameLeader(1, 2, logOf([e1, entry(1, 50)]));
    expect(invariants(c)).toEqual(['Leader Completeness']);
    expect(c.violations[0]!.detail).toContain('without committed entry 2 (term 1) in term 1; its log has an entry of term 1 there');
  });

  it('commits reported one index at a time each bind every later leader', () => {
    const c = checker();
    c.committed(0, 1, logOf([e1]), 1);
    c.becameLeader(1, 2, logOf([]));
    expect(invariants(c)).toEqual(['Leader Completeness']);
    expect(c.violations[0]!.detail).toContain('without committed entry 1 (term 1) in term 1');
  });

  it('a leader of a later term re-reporting an earlier commit does not raise the term it was committed in', () => {
    const c = checker();
    c.committed(0, 2, logOf([e1, e2]), 1);
    c.committed(1, 2, logOf([e1, e2]), 5);
    // Committed in term 1: a leader of term 3 must hold it.
    c.becameLeader(2, 3, logOf([e1]));
    expect(invariants(c)).toEqual(['Leader Completeness']);
  });

  it('a stale leader reporting a longer commit lowers the commit term of the prefix recorded before it, not only of the new indexes', () => {
    const c = checker();
    const e3 = entry(1, 3);
    c.committed(1, 2, logOf([e1, e2]), 24);
    c.committed(0, 3, logOf([e1, e2, e3]), 20);
    // Index 2 is now committed in term 20: a leader of term 22 without it breaks Leader Completeness.
    c.becameLeader(2, 22, logOf([e1]));
    expect(invariants(c)).toEqual(['Leader Completeness']);
    expect(c.violations[0]!.detail).toContain('committed entry 2 (term 1) in term 20');
  });

  it('a leader holding every committed entry, or having compacted them into its snapshot, is no violation', () => {
    const c = checker();
    c.becameLeader(0, 1, logOf([]));
    c.committed(0, 2, logOf([e1, e2]), 1);
    c.becameLeader(1, 2, logOf([e1, e2, entry(2, 3)]));
    c.becameLeader(2, 3, logOf([entry(2, 3)], 2));
    expect(c.violations).toEqual([]);
  });

  it('entries a committing leader had already compacted are not recorded (they were checked when first committed): nothing is held against a later leader there', () => {
    const c = checker();
    const e3 = entry(1, 3);
    // The leader's log starts after a snapshot of indexes 1 and 2: only index 3 is seen committed.
    c.committed(0, 3, logOf([e3], 2), 1);
    expect(c.highestCommitted).toBe(3);
    expect(c.committedEntry(1)).toBeUndefined();
    // An entry appended at index 1 afterwards is not taken for the committed one.
    c.appended(1, 1, entry(7, 1), 0);
    expect(c.committedEntry(1)).toBeUndefined();
    c.becameLeader(2, 2, logOf([e1, e2, e3]));
    expect(c.violations).toEqual([]);
    // Index 3 still binds.
    c.becameLeader(1, 3, logOf([e1, e2]));
    expect(invariants(c)).toEqual(['Leader Completeness']);
  });

  it('a commit of a shorter prefix keeps the longer one recorded: the highest committed index and the later leaders it binds', () => {
    const c = checker();
    const e3 = entry(1, 3);
    c.committed(0, 3, logOf([e3], 2), 1);
    // Index 1, compacted when index 3 was committed, reported by a slower leader of the same term.
    c.committed(1, 1, logOf([e1]), 1);
    expect(c.highestCommitted).toBe(3);
    expect(c.committedEntry(1)).toBe(e1);
    c.becameLeader(2, 2, logOf([e1, e2]));
    expect(invariants(c)).toEqual(['Leader Completeness']);
    expect(c.violations[0]!.detail).toContain('without committed entry 3');
  });
});

describe('State Machine Safety: no two nodes commit or apply different entries at one index', () => {
  const e1 = entry(1, 1);
  const e2 = entry(1, 2);
  const other = entry(2, 2);

  it('a leader committing an entry where another leader committed a different one is a violation', () => {
    const c = checker();
    c.committed(0, 2, logOf([e1, e2]), 1);
    c.committed(1, 2, logOf([e1, other]), 2);
    expect(invariants(c)).toEqual(['State Machine Safety']);
    expect(c.violations[0]!.detail).toContain('n2 committed a different entry at index 2 (term 2, was term 1)');
    expect(c.committedEntry(2)).toBe(e2);
  });

  it('a later commit that extends the same prefix, or repeats it, is no violation', () => {
    const c = checker();
    c.committed(0, 1, logOf([e1]), 1);
    c.committed(1, 2, logOf([e1, e2]), 2);
    c.committed(0, 2, logOf([e1, e2]), 1);
    expect(c.violations).toEqual([]);
    expect(c.highestCommitted).toBe(2);
    expect(c.committedEntry(1)).toBe(e1);
    expect(c.committedEntry(2)).toBe(e2);
    expect(c.committedEntry(3)).toBeUndefined();
  });

  it('a commit that jumps past the recorded prefix records every index it covers, not only the last (a later leader lacking one breaks Leader Completeness)', () => {
    const c = checker();
    const e3 = entry(1, 3);
    c.committed(0, 1, logOf([e1]), 1);
    c.committed(0, 3, logOf([e1, e2, e3]), 1);
    expect(c.committedEntry(2)).toBe(e2);
    expect(c.highestCommitted).toBe(3);
    c.becameLeader(1, 2, logOf([e1, other, e3]));
    expect(invariants(c)).toEqual(['Leader Completeness']);
  });

  it('two nodes applying different entries at one index is a violation, at apply time, with nothing reported committed', () => {
    const c = checker();
    c.applied(0, 1, e1);
    c.applied(1, 1, e1);
    c.applied(0, 2, e2);
    c.applied(1, 2, other);
    expect(invariants(c)).toEqual(['State Machine Safety']);
    expect(c.violations[0]!.detail).toContain('n2 applied an entry of term 2 at index 2 where another node applied one of term 1');
  });

  it('every node applying the same entries is no violation, whatever the order of nodes and indexes', () => {
    const c = checker();
    for (const node of [2, 0, 1]) {
      c.applied(node, 1, e1);
      c.applied(node, 2, e2);
    }
    c.applied(0, 1, e1); // a restarted node applies again from the start
    expect(c.violations).toEqual([]);
  });

  it('an applied entry that is not the first reported at its index is still compared (another log took the index first)', () => {
    const c = checker();
    c.appended(0, 2, e2, 1);
    c.appended(1, 2, other, 1);
    c.applied(1, 2, other);
    c.applied(2, 2, other);
    expect(c.violations).toEqual([]);
    c.applied(0, 2, e2);
    expect(invariants(c)).toEqual(['State Machine Safety']);
  });

  it('a committed entry stays recorded once an entry is applied at its index, and an applied one once it is committed (two records per index that must not clear each other)', () => {
    const c = checker();
    c.committed(0, 1, logOf([e1]), 1);
    c.applied(0, 1, e1);
    expect(c.committedEntry(1)).toBe(e1);
    // A later leader lacking the committed entry: reported, though the index was applied since.
    c.becameLeader(1, 2, logOf([]));
    expect(invariants(c)).toEqual(['Leader Completeness']);
    const d = checker();
    d.applied(0, 2, e2);
    d.committed(0, 2, logOf([e1, e2]), 1);
    // Another entry applied at index 2 after the commit: still compared with the first applied.
    d.applied(1, 2, other);
    expect(invariants(d)).toEqual(['State Machine Safety']);
  });

  it('holds within the first chunk beyond a few indexes (index 100): the same entry reported, committed and applied by three nodes is no violation', () => {
    const c = checker();
    const far = entry(1, 100);
    for (const node of [0, 1, 2]) c.appended(node, 100, far, 1);
    const log = { snapshotIndex: 99, lastIndex: () => 100, entryAt: (i: number) => (i === 100 ? far : undefined) };
    c.committed(0, 100, log, 1);
    for (const node of [0, 1, 2]) c.applied(node, 100, far);
    expect(c.violations).toEqual([]);
    expect(c.committedEntry(100)).toBe(far);
    c.applied(1, 100, entry(2, 100));
    expect(invariants(c)).toEqual(['State Machine Safety']);
  });

  it('holds past the first chunk of its per-index records (index 20000)', () => {
    const c = checker();
    c.applied(0, 20_000, e2);
    c.applied(1, 20_000, e2);
    expect(c.violations).toEqual([]);
    c.applied(2, 20_000, other);
    expect(invariants(c)).toEqual(['State Machine Safety']);
  });
});

describe('reporting', () => {
  it('each invariant is reported once, when it first breaks, with the time and the event; the watcher hears each report', () => {
    const watched: Violation[] = [];
    const c = checker(watched);
    c.truncated(0, 3, 'leader');
    c.truncated(0, 2, 'leader');
    c.becameLeader(0, 1, logOf([]));
    c.becameLeader(1, 1, logOf([]));
    c.becameLeader(2, 1, logOf([]));
    expect(invariants(c)).toEqual(['Leader Append-Only', 'Election Safety']);
    expect(c.violations[0]!.atMs).toBe(1);
    expect(c.violations[0]!.detail).toMatch(/from index 3 — the test event$/);
    expect(watched).toEqual(c.violations);
  });

  it('a clean run of the five checks in one sequence reports nothing (the near-misses together)', () => {
    const c = checker();
    const e1 = entry(1, 1);
    const e2 = entry(2, 2);
    c.becameLeader(0, 1, logOf([]));
    c.appended(0, 1, e1, 0);
    c.appended(1, 1, e1, 0);
    c.committed(0, 1, logOf([e1]), 1);
    c.applied(0, 1, e1);
    c.applied(1, 1, e1);
    c.truncated(2, 1, 'follower');
    c.becameLeader(1, 2, logOf([e1]));
    c.appended(1, 2, e2, 1);
    c.appended(2, 1, e1, 0);
    c.appended(2, 2, e2, 1);
    c.committed(1, 2, logOf([e1, e2]), 2);
    c.applied(2, 1, e1);
    c.applied(2, 2, e2);
    expect(c.violations).toEqual([]);
    expect(VIOLATIONS_MAX).toBeGreaterThan(5);
  });
});

describe('what the checker passes on', () => {
  it('votes, role changes and events go to the run\'s listeners unchanged, and are no violation', () => {
    const votes: unknown[][] = [];
    const roles: unknown[][] = [];
    const events: unknown[][] = [];
    const c = new RaftSafetyChecker(
      { nowUs: () => 0, describeEvent: () => '', nodeName: (n) => `n${n + 1}` },
      (...args) => roles.push(args),
      (...args) => events.push(args),
      {},
      (...args) => votes.push(args),
    );
    c.vote(1, 2, 3, true, VoteReason.Granted, 2, -1, -1);
    c.roleChanged(1, 'candidate', 3, 'follower');
    c.event(2, 'snapshot installed');
    expect(votes).toEqual([[1, 2, 3, true, VoteReason.Granted, 2, -1, -1]]);
    expect(roles).toEqual([[1, 'candidate', 3, 'follower']]);
    expect(events).toEqual([[2, 'snapshot installed']]);
    expect(c.violations).toEqual([]);
  });

  it('with no listeners, a vote is taken and dropped', () => {
    const c = new RaftSafetyChecker({ nowUs: () => 0, describeEvent: () => '', nodeName: (n) => `n${n + 1}` });
    expect(() => c.vote(1, 2, 3, false, VoteReason.Granted, 2, -1, -1)).not.toThrow();
    expect(c.violations).toEqual([]);
  });
});
