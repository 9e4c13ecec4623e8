import { describe, expect, it } from 'vitest';
import { committedIndex, majority, voteResult } from '../src/protocols/raft/quorum.ts';

describe('quorum maths (a majority of the voters decides)', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [7, 4],
  ])('majority of %i voters is %i', (voters, need) => {
    expect(majority(voters)).toBe(need);
  });

  it.each([
    // granted, rejected, voters, result
    [1, 0, 1, 'won'],
    [1, 0, 3, 'pending'],
    [2, 0, 3, 'won'],
    [1, 2, 3, 'lost'],
    [1, 1, 3, 'pending'],
    [2, 2, 5, 'pending'],
    [2, 3, 5, 'lost'],
    [3, 2, 5, 'won'],
    // Raft needs 2f+1 nodes to survive f failures: 4 nodes survive only 1.
    [2, 0, 4, 'pending'],
    [2, 2, 4, 'lost'],
  ] as const)('%i granted, %i rejected of %i voters: %s', (granted, rejected, voters, result) => {
    expect(voteResult(granted, rejected, voters)).toBe(result);
  });

  it.each([
    [[5], 5],
    [[5, 3, 1], 3],
    [[1, 3, 5], 3],
    [[9, 9, 0, 0, 0], 0],
    [[9, 9, 7, 0, 0], 7],
    [[4, 4, 4, 4], 4],
    [[4, 4, 2, 2], 2],
    [[10, 8, 8, 6, 2], 8],
  ])('the committed index of match indexes %j is %i (held by a majority)', (match, index) => {
    expect(committedIndex(match)).toBe(index);
    expect(committedIndex(match, new Float64Array(8))).toBe(index);
  });

  it('only the first `voters` values count: slots past them (nodes outside the configuration, stale values) are ignored', () => {
    // Voters 1, 2, 3: a majority (2 of 3) holds index 2. The fourth slot (0) is not a voter's; counted, it would give 1.
    expect(committedIndex([1, 2, 3, 0], new Float64Array(4), 3)).toBe(2);
    expect(committedIndex([3, 1, 2, 9, 9], new Float64Array(5), 3)).toBe(2);
    expect(committedIndex([5, 5, 0, 0, 0], new Float64Array(5), 2)).toBe(5);
  });

  it('no voters: nothing is committed (index 0)', () => {
    expect(committedIndex([])).toBe(0);
    expect(committedIndex([7, 7], new Float64Array(2), 0)).toBe(0);
  });
});
