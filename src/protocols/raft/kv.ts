import type { ClientOp, ClientReply, Value } from '../../core/protocol.ts';

/**
 * The replicated key-value state machine: read, write and compare-and-set,
 * applied in log order. Client sessions (dissertation §6.3) make applying an
 * operation idempotent: an entry whose (client, seq) was already applied —
 * a duplicated forward appended twice, say — changes nothing.
 */
export class KvStateMachine {
  private readonly values = new Map<string, Value>();
  private readonly lastSeq = new Map<number, number>();

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
        return { ok: true };
      case 'cas': {
        const [expected, next] = op.value as readonly [Value, Value];
        if (current !== expected) return { ok: false, error: 'mismatch' };
        this.values.set(op.key, next);
        return { ok: true };
      }
    }
  }

  read(key: string): Value {
    return this.values.get(key) ?? null;
  }
}
