import { rngStream, type Rng } from '../core/random.ts';
import type { ClientOp, ClientReply, Value } from '../core/protocol.ts';
import type { Us } from '../core/time.ts';
import type { WorkloadSpec } from './spec.ts';
import type { ScheduledCall, Simulator } from '../sim/simulator.ts';
import { HistoryLog, type HistoryEvent } from './history.ts';

/** `onScheduled`'s seq for "start the next operation" (operation seqs start at 1). */
export const INVOKE = 0;

interface Client {
  readonly index: number;
  readonly node: number;
  seq: number;
  busy: boolean;
  op: ClientOp | null;
  /** When the operation in progress was invoked. */
  invokedUs: Us;
  /** The last value this client saw per key: what its next cas expects. */
  readonly lastSeen: Map<string, Value>;
}

/** A client as plain data (for the UI): 0-based index, its node, the operation in progress if any. */
export interface ClientState {
  readonly index: number;
  readonly node: number;
  readonly op: ClientOp | null;
  readonly invokedUs: Us;
}

/**
 * Watches the clients for the UI's event stream. Null unless someone
 * listens. Observers watch; they never steer.
 */
export interface WorkloadObserver {
  invoked(client: number, node: number, op: ClientOp): void;
  /** `error` is `timeout` when the client gave up waiting (the outcome is then `fail` for a read, `info` otherwise). */
  completed(client: number, node: number, op: ClientOp, type: 'ok' | 'fail' | 'info', value: HistoryEvent['value'], error: string | undefined, invokedUs: Us): void;
}

/**
 * Jepsen-style clients: each is bound to one node and shares that node's side
 * of every partition, runs one operation at a time, writes values unique
 * across the run, and gives up after `timeout` — a read that timed out is a
 * `fail` (it changed nothing), a write or cas is `info` (it may yet happen).
 * No new operation starts at or after `stopUs`.
 */
export class Workload implements ScheduledCall {
  /** The clients' watcher for the UI, or null (the default). */
  observer: WorkloadObserver | null = null;
  /** The client history, by column (see HistoryLog): a few dozen bytes per event however long the run. */
  readonly history = new HistoryLog();
  /** `k1`..`kK`, made once: a key string per operation would be garbage, or kept by the history. */
  private readonly keyNames: string[] = [];
  /**
   * One read operation per key, shared by every read of it: operations are
   * immutable, and a read's is the same whoever reads, so a long run does not
   * keep an object per read in every log entry that carries one.
   */
  private readonly readOps: ClientOp[] = [];
  private readonly clients: Client[] = [];
  private readonly rng: Rng;
  private nextValue = 1;

  constructor(
    private readonly sim: Simulator,
    private readonly spec: WorkloadSpec,
    seed: number,
    private readonly stopUs: Us,
  ) {
    this.rng = rngStream(seed, 'workload');
    for (let k = 1; k <= spec.keys; k++) this.keyNames.push(`k${k}`);
    for (const key of this.keyNames) this.readOps.push({ f: 'read', key, value: null });
    for (let i = 0; i < spec.clients; i++) {
      this.clients.push({ index: i, node: i % sim.nodeCount, seq: 0, busy: false, op: null, invokedUs: 0, lastSeen: new Map() });
    }
    sim.onClientReply((_node, reply) => this.onReply(reply));
  }

  /** Every client as plain data. */
  clientStates(): ClientState[] {
    return this.clients.map((c) => ({ index: c.index, node: c.node, op: c.busy ? c.op : null, invokedUs: c.invokedUs }));
  }

  start(): void {
    for (const client of this.clients) {
      const offset = this.rng.int(0, Math.max(0, this.spec.intervalUs - 1));
      this.sim.call(offset, this, client.index, INVOKE);
    }
  }

  /**
   * The workload's scheduled events, without a closure per operation:
   * `seq` = INVOKE starts the client's next operation, any other value is the
   * timeout of its operation `seq`.
   */
  onScheduled(clientIndex: number, seq: number): void {
    const client = this.clients[clientIndex]!;
    if (seq === INVOKE) return this.invoke(client);
    // Busy with the same seq: still the operation `seq` started (complete() clears both).
    if (client.busy && client.seq === seq) {
      const op = client.op!;
      this.complete(client, op.f === 'read' ? 'fail' : 'info', op.value, 'timeout');
    }
  }

  private invoke(client: Client): void {
    const now = this.sim.nowUs;
    if (now >= this.stopUs) return;
    const op = this.nextOp(client);
    client.seq++;
    client.busy = true;
    client.op = op;
    client.invokedUs = now;
    this.history.record(now, client.index + 1, 'invoke', op.f, op.key, op.value);
    if (this.observer !== null) this.observer.invoked(client.index, client.node, op);
    const seq = client.seq;
    // The timeout is scheduled before the request, whose reply can come back within submit (a
    // node that knows no leader answers at once); a timeout for a completed operation is ignored.
    this.sim.call(now + this.spec.timeoutUs, this, client.index, seq);
    this.sim.submit(client.node, { client: client.index, seq, op });
  }

  private nextOp(client: Client): ClientOp {
    const draw = this.rng.next();
    const k = this.rng.int(1, this.spec.keys) - 1;
    if (draw < this.spec.reads) return this.readOps[k]!;
    const key = this.keyNames[k]!;
    if (draw < this.spec.reads + this.spec.cas) {
      return { f: 'cas', key, value: [client.lastSeen.get(key) ?? null, this.nextValue++] };
    }
    return { f: 'write', key, value: this.nextValue++ };
  }

  private onReply(reply: ClientReply): void {
    const client = this.clients[reply.client];
    if (client === undefined || !client.busy || client.seq !== reply.seq) return; // late: the client gave up already
    const op = client.op!;
    if (!reply.ok) {
      // A read changes nothing, so an indeterminate read is as good as failed.
      if (reply.indeterminate === true && op.f !== 'read') this.complete(client, 'info', op.value);
      else this.complete(client, 'fail', op.value, reply.error ?? 'rejected');
      return;
    }
    if (op.f === 'read') {
      client.lastSeen.set(op.key, reply.value ?? null);
      this.complete(client, 'ok', reply.value ?? null);
    } else {
      client.lastSeen.set(op.key, op.f === 'write' ? (op.value as Value) : (op.value as readonly [Value, Value])[1]);
      this.complete(client, 'ok', op.value);
    }
  }

  private complete(client: Client, type: 'ok' | 'fail' | 'info', value: HistoryEvent['value'], error?: string): void {
    const op = client.op!;
    client.busy = false;
    client.op = null;
    if (this.observer !== null) this.observer.completed(client.index, client.node, op, type, value, error, client.invokedUs);
    this.history.record(this.sim.nowUs, client.index + 1, type, op.f, op.key, value, type === 'fail' ? error : undefined);
    const next = this.sim.nowUs + this.spec.intervalUs;
    if (next < this.stopUs) this.sim.call(next, this, client.index, INVOKE);
  }
}
