import { describe, expect, it } from 'vitest';
import { RaftSafetyChecker } from '../src/check/raft-safety.ts';
import type { Entry, LogView } from '../src/protocols/raft/types.ts';

/**
 * The safety checker driven directly, as a Raft node would drive it: each
 * test is a sequence of observer calls that correct Raft can produce (or,
 * for the true positives, one that it cannot).
 */

function entry(term: number, seq: number): Entry {
  return { term, op: { f: 'write', key: 'k1', value: seq }, client: 1, seq, origin: 0 };
}

function logOf(entries: readonly Entry[]): LogView {
  return { snapshotIndex: 0, lastIndex: () => entries.length, entryAt: (index) => entries[index - 1] };
}

function checker(): RaftSafetyChecker {
  let now = 0;
  return new RaftSafetyChecker({ nowUs: () => (now += 1000), describeEvent: () => 'test event', nodeName: (n) => `n${n + 1}` });
}

describe('Leader Completeness: a committed entry is in the log of every leader of a later term than the one that committed it', () => {
  // Entry 1 (term 1) is everywhere; entry 2 is of term 20, written by n1 as leader of term 20 on n1 and n2 only.
  const e1 = entry(1, 1);
  const e2 = entry(20, 2);
  const e3 = entry(24, 3);

  it('a candidate that collected its votes in term 22 and takes office after a term-24 leader committed an older-term entry is no violation', () => {
    const c = checker();
    c.becameLeader(0, 20, logOf([e1]));
    c.appended(0, 2, e2, 1);
    c.appended(1, 2, e2, 1);
    // n3 won term 22's election with the votes of n4 and n5 (logs [e1]), then paused before it took office.
    // Meanwhile n2 won term 24 and committed e2 with its own term-24 entry at index 3.
    c.becameLeader(1, 24, logOf([e1, e2]));
    c.appended(1, 3, e3, 20);
    c.appended(3, 2, e2, 1);
    c.appended(3, 3, e3, 20);
    c.committed(1, 3, logOf([e1, e2, e3]), 24);
    // n3 resumes, counts the votes of term 22 and takes office: Figure 3 says nothing of term 22 (< 24).
    c.becameLeader(2, 22, logOf([e1]));
    expect(c.violations).toEqual([]);
  });

  it('a leader of a later term than the committing leader that lacks the committed entry is a violation', () => {
    const c = checker();
    c.becameLeader(0, 20, logOf([e1]));
    c.appended(0, 2, e2, 1);
    c.appended(1, 2, e2, 1);
    c.becameLeader(1, 24, logOf([e1, e2]));
    c.appended(1, 3, e3, 20);
    c.appended(3, 3, e3, 20);
    c.committed(1, 3, logOf([e1, e2, e3]), 24);
    c.becameLeader(2, 25, logOf([e1]));
    expect(c.violations.map((v) => v.invariant)).toEqual(['Leader Completeness']);
    expect(c.violations[0]!.detail).toContain('committed entry 2 (term 20) in term 24');
  });

  it('an entry re-committed by a leader of an older term constrains every leader after that older term', () => {
    const c = checker();
    // n2 (term 24) reports the commit of index 2 first; n1, a stale leader of term 20 that holds the same entries, reports it later.
    c.becameLeader(0, 20, logOf([e1, e2]));
    c.appended(0, 2, e2, 1);
    c.becameLeader(1, 24, logOf([e1, e2]));
    c.committed(1, 2, logOf([e1, e2]), 24);
    c.committed(0, 2, logOf([e1, e2]), 20);
    // A leader of term 22 must hold entry 2: it was committed in term 20.
    c.becameLeader(2, 22, logOf([e1]));
    expect(c.violations.map((v) => v.invariant)).toEqual(['Leader Completeness']);
  });

  it('a leader of the committing term itself is not constrained', () => {
    const c = checker();
    c.becameLeader(0, 24, logOf([e1, e2]));
    c.committed(0, 2, logOf([e1, e2]), 24);
    // Election Safety catches a second leader of term 24; Leader Completeness has nothing to say about it.
    c.becameLeader(2, 24, logOf([e1]));
    expect(c.violations.map((v) => v.invariant)).toEqual(['Election Safety']);
  });
});
