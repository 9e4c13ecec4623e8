/**
 * The acknowledgement maths of synchronous replication, on its own (like
 * etcd's quorum/majority.go): pure functions with their own table tests.
 */
import type { LogPosition } from './types.ts';

/**
 * The highest index that `syncStandbys` replicas have confirmed.
 * `first` (PostgreSQL `FIRST k (...)`): every member of `syncSet` must have
 * confirmed it — a missing member stalls commits. `any` (`ANY k (...)`): any
 * k replicas. `matchIndex[primary]` is ignored. `scratch` (length >= n)
 * avoids an allocation per call.
 */
export function syncConfirmedIndex(
  matchIndex: ArrayLike<number>,
  primary: number,
  syncSet: readonly number[],
  syncStandbys: number,
  mode: 'first' | 'any',
  scratch: Float64Array,
): number {
  if (mode === 'first') {
    let min = Infinity;
    for (const member of syncSet) if (member !== primary) min = Math.min(min, matchIndex[member]!);
    return min === Infinity ? 0 : min;
  }
  let count = 0;
  for (let i = 0; i < matchIndex.length; i++) if (i !== primary) scratch[count++] = matchIndex[i]!;
  if (count < syncStandbys) return 0;
  const sorted = scratch.subarray(0, count).sort();
  // Ascending: the element syncStandbys from the top is held by at least syncStandbys replicas.
  return sorted[count - syncStandbys]!;
}

/**
 * The sync set of a primary taking office: with `first`, the first
 * `syncStandbys` nodes in name order, preferring those that answered its
 * probe (Patroni picks healthy members); with `any`, every other node.
 */
export function chooseSyncSet(primary: number, nodeCount: number, syncStandbys: number, mode: 'first' | 'any', answered: ArrayLike<number> | null): number[] {
  const others: number[] = [];
  for (let i = 0; i < nodeCount; i++) if (i !== primary) others.push(i);
  if (mode === 'any') return others;
  if (answered !== null) {
    const heard = others.filter((i) => answered[i] === 1);
    const unheard = others.filter((i) => answered[i] !== 1);
    return [...heard, ...unheard].slice(0, syncStandbys).sort((a, b) => a - b);
  }
  return others.slice(0, syncStandbys);
}

/** a is at least as up to date as b: a later epoch of the last entry, or the same epoch and at least as long. */
export function atLeast(a: LogPosition, b: LogPosition): boolean {
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.index >= b.index);
}

/** Who is the better candidate for promotion: the more up-to-date log, ties to the lower node (name order). */
export function betterCandidate(a: number, aPos: LogPosition, b: number, bPos: LogPosition): boolean {
  if (aPos.epoch !== bPos.epoch) return aPos.epoch > bPos.epoch;
  if (aPos.index !== bPos.index) return aPos.index > bPos.index;
  return a < b;
}
