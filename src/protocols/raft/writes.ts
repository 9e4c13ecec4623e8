import type { Value } from '../../core/protocol.ts';
import { KvStateMachine } from './kv.ts';
import type { Entry } from './types.ts';

/**
 * Replays a committed log prefix through the state machine and returns the
 * writes that took effect (writes, and cas whose compare held), in log order.
 * `entryAt` gives the entry at each index from 1 to `commitIndex` (a
 * compacted index may come from elsewhere, e.g. what the checker saw committed).
 */
export function effectiveWrites(entryAt: (index: number) => Entry | undefined, commitIndex: number): { key: string; value: Value }[] {
  const kv = new KvStateMachine();
  const writes: { key: string; value: Value }[] = [];
  for (let i = 1; i <= commitIndex; i++) {
    const entry = entryAt(i);
    if (entry === undefined || entry.op === null || entry.op.f === 'read') continue;
    const outcome = kv.apply(entry.client, entry.seq, entry.op);
    if (outcome === null || !outcome.ok) continue;
    const value = entry.op.f === 'write' ? (entry.op.value as Value) : (entry.op.value as readonly [Value, Value])[1];
    writes.push({ key: entry.op.key, value });
  }
  return writes;
}
