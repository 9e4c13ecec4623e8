import type { Value } from '../../core/protocol.ts';
import { effectiveWrites as replay } from '../kv.ts';
import type { Entry } from './types.ts';

/**
 * Replays a committed log prefix through the state machine and returns the
 * writes that took effect (writes, and cas whose compare held), in log order.
 * `entryAt` gives the entry at each index from 1 to `commitIndex` (a
 * compacted index may come from elsewhere, e.g. what the checker saw committed).
 */
export function effectiveWrites(entryAt: (index: number) => Entry | undefined, commitIndex: number): { key: string; value: Value }[] {
  return replay(entryAt, 1, commitIndex);
}
