/**
 * Majority quorum maths, on its own (etcd `quorum/majority.go`): pure
 * functions with their own table tests, used by elections and commitment.
 */

export type VoteResult = 'won' | 'pending' | 'lost';

/** The smallest number of nodes that is a majority of `voters`. */
export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** An election's outcome given the votes granted and rejected so far among `voters`. */
export function voteResult(granted: number, rejected: number, voters: number): VoteResult {
  const need = majority(voters);
  if (granted >= need) return 'won';
  if (voters - rejected < need) return 'lost';
  return 'pending';
}

/**
 * The highest log index stored on a majority, given each voter's match index
 * (the leader's own last index included): the first `voters` values of
 * `matchIndex` (all of them by default). `scratch` (length >= voters) avoids
 * an allocation per call.
 */
export function committedIndex(matchIndex: ArrayLike<number>, scratch: Float64Array = new Float64Array(matchIndex.length), voters = matchIndex.length): number {
  const n = voters;
  if (n === 0) return 0;
  // Insertion sort into scratch, ascending: n is a cluster size and this runs on every
  // acknowledgement, where a typed-array subarray and its sort cost more than the maths.
  for (let i = 0; i < n; i++) {
    const value = matchIndex[i]!;
    let j = i;
    while (j > 0 && scratch[j - 1]! > value) {
      scratch[j] = scratch[j - 1]!;
      j--;
    }
    scratch[j] = value;
  }
  // The (n - majority)-th element is held by at least a majority.
  return scratch[n - majority(n)]!;
}
