import type { ClientOp, ClientReply, Value } from '../core/protocol.ts';

/** The state machine's content at a log index: what a snapshot carries. */
export interface KvSnapshot {
  readonly values: readonly (readonly [string, Value])[];
  readonly sessions: readonly (readonly [number, number])[];
}

/** The outcomes that carry no value are shared: every replica applies every entry, and most are writes. */
const DONE: Omit<ClientReply, 'client' | 'seq'> = Object.freeze({ ok: true });
const MISMATCH: Omit<ClientReply, 'client' | 'seq'> = Object.freeze({ ok: false, error: 'mismatch' });

/**
 * The replicated key-value state machine shared by every protocol: read,
 * write and compare-and-set, applied in log order. Client sessions
 * (Raft dissertation §6.3) make applying an operation idempotent: an entry
 * whose (client, seq) was already applied — a duplicated forward appended
 * twice, say — changes nothing.
 */
export class KvStateMachine {
  private readonly values = new Map<string, Value>();
  private readonly lastSeq = new Map<number, number>();

  static restore(snapshot: KvSnapshot): KvStateMachine {
    const kv = new KvStateMachine();
    for (const [key, value] of snapshot.values) kv.values.set(key, value);
    for (const [client, seq] of snapshot.sessions) kv.lastSeq.set(client, seq);
    return kv;
  }

  /** Applies one client operation; returns its outcome, or null when it is a duplicate. */
  apply(client: number, seq: number, op: ClientOp): Omit<ClientReply, 'client' | 'seq'> | null {
    const last = this.lastSeq.get(client);
    if (last !== undefined && seq <= last) return null;
    this.lastSeq.set(client, seq);
    const current = this.values.get(op.key) ?? null;
    switch (op.f) {
      case 'read':
        return { ok: true, value: current };
      case 'write':
        this.values.set(op.key, op.value as Value);
        return DONE;
      case 'cas': {
        const [expected, next] = op.value as readonly [Value, Value];
        if (current !== expected) return MISMATCH;
        this.values.set(op.key, next);
        return DONE;
      }
    }
  }

  read(key: string): Value {
    return this.values.get(key) ?? null;
  }

  /** A copy of the content, in insertion order (deterministic). */
  snapshot(): KvSnapshot {
    return { values: [...this.values], sessions: [...this.lastSeq] };
  }
}

/** What `effectiveWrites` needs of a log entry: a client operation (or none) and its session. */
export interface KvEntry {
  readonly op: ClientOp | null;
  readonly client: number;
  readonly seq: number;
}

/**
 * Replays log entries `from..to` (inclusive) through a fresh state machine
 * and returns the writes that took effect (writes, and cas whose compare
 * held), in log order: what the figures call the authoritative log.
 */
export function effectiveWrites(entryAt: (index: number) => KvEntry | undefined, from: number, to: number): { key: string; value: Value }[] {
  const kv = new KvStateMachine();
  const writes: { key: string; value: Value }[] = [];
  for (let i = from; i <= to; i++) {
    const entry = entryAt(i);
    if (entry === undefined || entry.op === null) continue;
    // Reads are applied too: they advance the client's session, which decides whether a later, older request is a duplicate.
    const outcome = kv.apply(entry.client, entry.seq, entry.op);
    if (outcome === null || !outcome.ok || entry.op.f === 'read') continue;
    const value = entry.op.f === 'write' ? (entry.op.value as Value) : (entry.op.value as readonly [Value, Value])[1];
    writes.push({ key: entry.op.key, value });
  }
  return writes;
}
