import { describe, expect, it } from 'vitest';
import { effectiveWrites, KvStateMachine } from '../src/protocols/kv.ts';
import type { ClientOp } from '../src/core/protocol.ts';

const entry = (client: number, seq: number, op: ClientOp) => ({ client, seq, op });

describe('the replicated key-value state machine', () => {
  it('applies each (client, seq) at most once: a duplicated entry changes nothing', () => {
    const kv = new KvStateMachine();
    expect(kv.apply(0, 1, { f: 'write', key: 'k', value: 1 })).toEqual({ ok: true });
    expect(kv.apply(0, 1, { f: 'write', key: 'k', value: 1 })).toBeNull();
    expect(kv.read('k')).toBe(1);
  });

  it('a cas whose compare fails reports mismatch and writes nothing', () => {
    const kv = new KvStateMachine();
    kv.apply(0, 1, { f: 'write', key: 'k', value: 1 });
    expect(kv.apply(0, 2, { f: 'cas', key: 'k', value: [2, 3] })).toEqual({ ok: false, error: 'mismatch' });
    expect(kv.read('k')).toBe(1);
  });

  it('a snapshot restores values and sessions', () => {
    const kv = new KvStateMachine();
    kv.apply(0, 5, { f: 'write', key: 'k', value: 7 });
    const copy = KvStateMachine.restore(kv.snapshot());
    expect(copy.read('k')).toBe(7);
    expect(copy.apply(0, 4, { f: 'write', key: 'k', value: 8 })).toBeNull();
  });

  it('the replay of a log counts reads in the session, so an older request after a newer read is a duplicate (as on the nodes)', () => {
    // Client 2's write (seq 32) reaches the log after its read (seq 33): the nodes skip it, and so must the replay.
    const log = [
      entry(1, 1, { f: 'write', key: 'k', value: 89 }),
      entry(2, 33, { f: 'read', key: 'k', value: null }),
      entry(2, 32, { f: 'write', key: 'k', value: 74 }),
      entry(1, 2, { f: 'cas', key: 'k', value: [89, 90] }),
    ];
    expect(effectiveWrites((i) => log[i - 1], 1, log.length)).toEqual([
      { key: 'k', value: 89 },
      { key: 'k', value: 90 },
    ]);
  });
});
