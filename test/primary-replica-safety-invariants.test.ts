import { describe, expect, it } from 'vitest';
import { PrimaryReplicaSafetyChecker } from '../src/check/primary-replica-safety.ts';
import { VIOLATIONS_MAX, type CheckClock, type Violation } from '../src/check/violations.ts';
import type { Entry } from '../src/protocols/primary-replica/types.ts';

/**
 * The primary/replica model's safety properties as its online checker sees
 * them: for each, a hand-built sequence of observer calls that breaks it and
 * must be reported, and a near miss that must not. (Losing acknowledged
 * writes is not among them: that is counted in lostWrites.)
 */

const MS = 1000;

function setup() {
  const watched: Violation[] = [];
  const rewinds: number[][] = [];
  const clock: CheckClock & { t: number } = { t: 0, nowUs: () => clock.t, describeEvent: () => `at ${clock.t}`, nodeName: (i) => `n${i + 1}` };
  const checker = new PrimaryReplicaSafetyChecker(clock, { rewound: (node, fromIndex, count) => rewinds.push([node, fromIndex, count]) }, { violated: (v) => watched.push(v) });
  const at = (ms: number) => {
    clock.t = ms * MS;
  };
  const invariants = () => checker.violations.map((v) => v.invariant);
  return { checker, at, invariants, watched, rewinds };
}

function entry(epoch: number, seq: number): Entry {
  return { epoch, op: { f: 'write', key: 'k', value: epoch * 1000 + seq }, client: 0, seq };
}

describe('Single Lock Holder: one holder at any instant, and epochs only go up', () => {
  it('a second node taking the lock while the first one\'s lease runs is a violation', () => {
    const { checker, at, invariants } = setup();
    checker.lockHeld(0, 1, 1000 * MS);
    at(999);
    checker.lockHeld(1, 2, 1000 * MS);
    expect(invariants()).toEqual(['Single Lock Holder']);
    expect(checker.violations[0]!.detail).toContain('n2 holds the lock of epoch 2 while n1 still holds epoch 1 for 1.000 ms');
  });

  it('a second node taking the lock the instant the first one\'s lease ends is no violation', () => {
    const { checker, at } = setup();
    checker.lockHeld(0, 1, 1000 * MS);
    at(1000);
    checker.lockHeld(1, 2, 1000 * MS);
    expect(checker.violations).toEqual([]);
    expect(checker.lockHoldings).toEqual([
      { node: 0, epoch: 1, fromUs: 0, untilUs: 1000 * MS },
      { node: 1, epoch: 2, fromUs: 1000 * MS, untilUs: 2000 * MS },
    ]);
  });

  it('a holder that lost the lock ends its holding then: another may take it before the lease would have run out', () => {
    const { checker, at } = setup();
    checker.lockHeld(0, 1, 1000 * MS);
    at(300);
    checker.lockLost(0, 1, true);
    at(400);
    checker.lockHeld(1, 2, 1000 * MS);
    expect(checker.violations).toEqual([]);
    expect(checker.lockHoldings[0]).toEqual({ node: 0, epoch: 1, fromUs: 0, untilUs: 300 * MS });
  });

  it('a renewal extends the holding it renews; a renewal of the same holder in its own epoch after a lapse no one used is no violation', () => {
    const { checker, at } = setup();
    checker.lockHeld(0, 1, 1000 * MS);
    at(500);
    checker.lockHeld(0, 1, 1000 * MS);
    at(3000);
    checker.lockHeld(0, 1, 1000 * MS);
    expect(checker.violations).toEqual([]);
    expect(checker.lockHoldings).toEqual([
      { node: 0, epoch: 1, fromUs: 0, untilUs: 1500 * MS },
      { node: 0, epoch: 1, fromUs: 3000 * MS, untilUs: 4000 * MS },
    ]);
  });

  it('a renewal at the very instant the holding ends extends it (one holding, not two)', () => {
    const { checker, at } = setup();
    checker.lockHeld(0, 1, 1000 * MS);
    at(1000);
    checker.lockHeld(0, 1, 1000 * MS);
    expect(checker.lockHoldings).toEqual([{ node: 0, epoch: 1, fromUs: 0, untilUs: 2000 * MS }]);
  });

  it('a holder that learns late that it lost the lock ends its own holding, not the next holder\'s', () => {
    const { checker, at } = setup();
    checker.lockHeld(0, 1, 1000 * MS);
    at(1000);
    checker.lockHeld(1, 2, 1000 * MS);
    at(1500);
    checker.lockLost(0, 1, false);
    expect(checker.violations).toEqual([]);
    expect(checker.lockHoldings).toEqual([
      { node: 0, epoch: 1, fromUs: 0, untilUs: 1000 * MS },
      { node: 1, epoch: 2, fromUs: 1000 * MS, untilUs: 2000 * MS },
    ]);
  });

  it('a later holder at a lower epoch than an earlier one is a violation, though the holdings do not overlap', () => {
    const { checker, at, invariants } = setup();
    checker.lockHeld(0, 3, 1000 * MS);
    at(2000);
    checker.lockHeld(1, 2, 1000 * MS);
    expect(invariants()).toEqual(['Single Lock Holder']);
    expect(checker.violations[0]!.detail).toContain("n2 took the lock at epoch 2, not above the earlier holders' epoch 3");
  });

  it('another node taking the lock in an epoch someone already held is a violation, though the holdings do not overlap', () => {
    const { checker, at, invariants } = setup();
    checker.lockHeld(0, 3, 1000 * MS);
    at(2000);
    checker.lockHeld(1, 3, 1000 * MS);
    expect(invariants()).toEqual(['Single Lock Holder']);
  });

  it('a holding is extended only by its own holder in its own epoch: another node in the same epoch, or the holder at a new epoch, starts a holding of its own', () => {
    const { checker, at, invariants } = setup();
    checker.lockHeld(0, 1, 1000 * MS);
    at(500);
    // The same holder, re-elected at epoch 2 while its lease of epoch 1 runs: a new holding, no violation.
    checker.lockHeld(0, 2, 1000 * MS);
    expect(checker.violations).toEqual([]);
    at(700);
    // Another node at epoch 2 while the lease runs: a violation (two: the overlap and the epoch), and a holding of its own.
    checker.lockHeld(1, 2, 1000 * MS);
    expect(invariants()).toEqual(['Single Lock Holder', 'Single Lock Holder']);
    expect(checker.lockHoldings).toEqual([
      { node: 0, epoch: 1, fromUs: 0, untilUs: 1000 * MS },
      { node: 0, epoch: 2, fromUs: 500 * MS, untilUs: 1500 * MS },
      { node: 1, epoch: 2, fromUs: 700 * MS, untilUs: 1700 * MS },
    ]);
  });
});

describe('One Primary per Epoch', () => {
  it('two nodes taking office in the same epoch is a violation', () => {
    const { checker, invariants } = setup();
    checker.tookOffice(0, 4);
    checker.tookOffice(2, 4);
    expect(invariants()).toEqual(['One Primary per Epoch']);
    expect(checker.violations[0]!.detail).toContain('n3 and n1 both took office as primary of epoch 4');
  });

  it('one node per epoch, the same node again in its epoch, or in a later one, is no violation', () => {
    const { checker } = setup();
    checker.tookOffice(0, 4);
    checker.tookOffice(0, 4);
    checker.tookOffice(2, 5);
    checker.tookOffice(0, 6);
    expect(checker.violations).toEqual([]);
    expect(checker.tookOfficeLog.map((o) => [o.epoch, o.node])).toEqual([
      [4, 0],
      [4, 0],
      [5, 2],
      [6, 0],
    ]);
  });
});

describe('Epoch Log Matching: one (index, epoch) names one entry, after one predecessor epoch', () => {
  it('two different entries at the same index and epoch are a violation', () => {
    const { checker, invariants } = setup();
    checker.appended(0, 3, entry(2, 3), 1);
    checker.appended(1, 3, entry(2, 99), 1);
    expect(invariants()).toEqual(['Epoch Log Matching']);
    expect(checker.violations[0]!.detail).toContain('n2 holds a different entry at index 3 epoch 2');
  });

  it('the same entry after a different predecessor epoch is a violation', () => {
    const { checker, invariants } = setup();
    const e = entry(2, 3);
    checker.appended(0, 3, e, 1);
    checker.appended(1, 3, e, 2);
    expect(invariants()).toEqual(['Epoch Log Matching']);
  });

  it('the same entry on every node, and entries of different epochs at one index (a deposed primary\'s), are no violation', () => {
    const { checker } = setup();
    const e = entry(2, 3);
    checker.appended(0, 3, e, 1);
    checker.appended(1, 3, e, 1);
    checker.appended(2, 3, entry(3, 3), 1);
    checker.appended(2, 3, e, 1);
    expect(checker.violations).toEqual([]);
  });

  it('an index and epoch that would collide in a careless key (index 1 epoch 2 and index 2 epoch 1) are told apart', () => {
    const { checker: clean } = setup();
    const e21 = entry(2, 1);
    const e12 = entry(1, 2);
    clean.appended(0, 1, e21, 0);
    clean.appended(0, 2, e12, 2);
    clean.appended(1, 2, e12, 2);
    expect(clean.violations).toEqual([]);
  });
});

describe('Primary Append-Only: a node acting as primary never discards its entries', () => {
  it('a primary that rewinds is a violation', () => {
    const { checker, invariants, rewinds } = setup();
    checker.rewound(1, 5, 2, 'primary');
    expect(invariants()).toEqual(['Primary Append-Only']);
    expect(checker.violations[0]!.detail).toContain('primary n2 discarded its entries from index 5');
    expect(rewinds).toEqual([[1, 5, 2]]);
  });

  it('a replica or candidate that rewinds (pg_rewind after a failover) is no violation', () => {
    const { checker, rewinds } = setup();
    checker.rewound(1, 5, 2, 'replica');
    checker.rewound(2, 3, 1, 'candidate');
    expect(checker.violations).toEqual([]);
    expect(rewinds).toEqual([
      [1, 5, 2],
      [2, 3, 1],
    ]);
  });
});

describe('In-Order Apply: 1, 2, 3, ... with no gap and no repeat, from 1 again only after a reset', () => {
  const e = entry(1, 1);

  it('a gap is a violation', () => {
    const { checker, invariants } = setup();
    checker.applied(0, 1, e);
    checker.applied(0, 3, e);
    expect(invariants()).toEqual(['In-Order Apply']);
    expect(checker.violations[0]!.detail).toContain('n1 applied index 3 (epoch 1) when index 2 was next');
  });

  it('a repeat is a violation', () => {
    const { checker, invariants } = setup();
    checker.applied(0, 1, e);
    checker.applied(0, 2, e);
    checker.applied(0, 2, e);
    expect(invariants()).toEqual(['In-Order Apply']);
  });

  it('a node\'s first apply at an index other than 1 is a violation', () => {
    const { checker, invariants } = setup();
    checker.applied(2, 2, e);
    expect(invariants()).toEqual(['In-Order Apply']);
  });

  it('each node in order on its own, and from 1 again after a reset, is no violation', () => {
    const { checker } = setup();
    checker.applied(0, 1, e);
    checker.applied(1, 1, e);
    checker.applied(0, 2, e);
    checker.applied(1, 2, e);
    checker.applied(0, 3, e);
    checker.applyReset(0);
    checker.applied(0, 1, e);
    checker.applied(0, 2, e);
    expect(checker.violations).toEqual([]);
  });
});

describe('what the checker passes on', () => {
  /** One report of each kind the checker takes, in an order that breaks no invariant. */
  const reportOneOfEach = (checker: PrimaryReplicaSafetyChecker): void => {
    checker.tookOffice(0, 1);
    checker.lockHeld(0, 1, 5);
    checker.semiSyncChanged(0, true);
    checker.steppedDown(0, 1, 'lost the lock');
    checker.lockLost(0, 1, false);
    checker.rewound(1, 4, 2, 'replica');
  };

  it('office, step-downs, lock changes, rewinds and semi-sync changes go to the run\'s listeners unchanged', () => {
    const heard: unknown[][] = [];
    const clock: CheckClock = { nowUs: () => 0, describeEvent: () => '', nodeName: (i) => `n${i + 1}` };
    const checker = new PrimaryReplicaSafetyChecker(clock, {
      tookOffice: (...a) => heard.push(['tookOffice', ...a]),
      steppedDown: (...a) => heard.push(['steppedDown', ...a]),
      lockHeld: (...a) => heard.push(['lockHeld', ...a]),
      lockLost: (...a) => heard.push(['lockLost', ...a]),
      rewound: (...a) => heard.push(['rewound', ...a]),
      semiSyncChanged: (...a) => heard.push(['semiSyncChanged', ...a]),
    });
    reportOneOfEach(checker);
    expect(heard).toEqual([
      ['tookOffice', 0, 1],
      ['lockHeld', 0, 1, 5],
      ['semiSyncChanged', 0, true],
      ['steppedDown', 0, 1, 'lost the lock'],
      ['lockLost', 0, 1, false],
      ['rewound', 1, 4, 2, 'replica'],
    ]);
    expect(checker.violations).toEqual([]);
  });

  it('with no listeners, every report is taken and checked alone', () => {
    const clock: CheckClock = { nowUs: () => 0, describeEvent: () => '', nodeName: (i) => `n${i + 1}` };
    const checker = new PrimaryReplicaSafetyChecker(clock);
    expect(() => reportOneOfEach(checker)).not.toThrow();
    expect(checker.violations).toEqual([]);
  });
});

describe('reporting', () => {
  it('a repeated break with the same detail is reported once; a new detail is reported again; the watcher hears each', () => {
    const { checker, invariants, watched } = setup();
    checker.rewound(1, 5, 2, 'primary');
    checker.rewound(1, 5, 2, 'primary');
    checker.rewound(1, 4, 3, 'primary');
    expect(invariants()).toEqual(['Primary Append-Only', 'Primary Append-Only']);
    expect(watched).toEqual(checker.violations);
  });

  it('at most VIOLATIONS_MAX violations are recorded: a run broken that often is broken beyond use', () => {
    const { checker, watched } = setup();
    for (let i = 1; i <= VIOLATIONS_MAX + 10; i++) checker.rewound(1, i, 1, 'primary');
    expect(checker.violations).toHaveLength(VIOLATIONS_MAX);
    expect(watched).toHaveLength(VIOLATIONS_MAX);
    expect(checker.violations.at(-1)!.detail).toContain(`from index ${VIOLATIONS_MAX} `);
  });
});
