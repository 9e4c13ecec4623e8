/**
 * The client history (docs/history-format.md): one event per line, in time order.
 * Jepsen's conventions: `ok` took effect, `fail` definitely did not, `info`
 * is unknown. Every written value is unique, so a value names its write.
 */
export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/** `read`, `write` and `cas` are raftsim's register operations; `get`, `put` and `append` are the key-value model's (Jepsen/Porcupine kv histories). */
export type OpFunction = 'read' | 'write' | 'cas' | 'get' | 'put' | 'append';

import type { Value } from '../core/protocol.ts';

export type { Value };

export interface HistoryEvent {
  /** Microseconds of simulated time (or, for imported histories, an order-preserving position). */
  readonly t: number;
  readonly process: number;
  readonly type: OpType;
  readonly f: OpFunction;
  readonly key: string;
  /** write/put/append: the value written; cas: [old, new]; read/get: the value read on `ok`, null on invoke. */
  readonly value: Value | readonly [Value, Value];
  /** On `fail`: `mismatch` for a cas whose compare found another value; anything else took no effect. */
  readonly error?: string;
}

const TYPES: readonly OpType[] = ['invoke', 'ok', 'fail', 'info'];
const FUNCTIONS: readonly OpFunction[] = ['read', 'write', 'cas', 'get', 'put', 'append'];
const TYPE_CODE: Readonly<Record<OpType, number>> = { invoke: 0, ok: 1, fail: 2, info: 3 };
const F_CODE: Readonly<Record<OpFunction, number>> = { read: 0, write: 1, cas: 2, get: 3, put: 4, append: 5 };

/** A value's kind in the compact record: null, a number (kept in a Float64Array), or anything else (kept aside). */
const V_NULL = 0;
const V_NUMBER = 1;
const V_OTHER = 2;

/** Events per chunk: the log grows by whole chunks, so it never copies what it holds. */
const CHUNK_BITS = 15;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * One chunk of the columnar history. `code` packs the event's shape:
 * bits 0-1 type, 2-4 function, 5-6 the kind of the value (or of cas's old
 * value), 7-8 the kind of cas's new value, bit 9 a pair (cas), bits 10-15
 * unused. An error string is an index into the log's table of errors (0: none).
 */
interface Chunk {
  readonly t: Float64Array;
  readonly process: Int32Array;
  readonly code: Uint16Array;
  readonly key: Int32Array;
  readonly error: Uint16Array;
  readonly v1: Float64Array;
  readonly v2: Float64Array;
}

function newChunk(): Chunk {
  return {
    t: new Float64Array(CHUNK),
    process: new Int32Array(CHUNK),
    code: new Uint16Array(CHUNK),
    key: new Int32Array(CHUNK),
    error: new Uint16Array(CHUNK),
    v1: new Float64Array(CHUNK),
    v2: new Float64Array(CHUNK),
  };
}

/**
 * The simulator's client history, stored by column in typed arrays: 39 bytes
 * an event whatever its content, against some 100 for an object per event
 * (plus its boxed time and key string). Keys and error texts are interned;
 * values that are neither null nor numbers (never in a simulated history)
 * are kept aside by event index. `event(i)` and iteration give the events
 * back as `HistoryEvent` objects, one at a time, in the order recorded.
 */
export class HistoryLog implements Iterable<HistoryEvent> {
  private readonly chunks: Chunk[] = [];
  private count = 0;
  private readonly keyIds = new Map<string, number>();
  readonly keyNames: string[] = [];
  private readonly errorIds = new Map<string, number>();
  private readonly errorTexts: string[] = [''];
  private readonly others = new Map<number, Value>();
  /** Told of every event as it is recorded (a `--history` file written as the run goes). */
  onEvent: ((log: HistoryLog, index: number) => void) | null = null;

  get length(): number {
    return this.count;
  }

  /** The id of a key (dense, in order of first use). */
  keyId(key: string): number {
    let id = this.keyIds.get(key);
    if (id === undefined) {
      id = this.keyNames.length;
      this.keyIds.set(key, id);
      this.keyNames.push(key);
    }
    return id;
  }

  push(e: HistoryEvent): void {
    this.record(e.t, e.process, e.type, e.f, e.key, e.value, e.error);
  }

  record(t: number, process: number, type: OpType, f: OpFunction, key: string, value: HistoryEvent['value'], error?: string): void {
    const i = this.count;
    if ((i & CHUNK_MASK) === 0 && i >> CHUNK_BITS === this.chunks.length) this.chunks.push(newChunk());
    const c = this.chunks[i >> CHUNK_BITS]!;
    const o = i & CHUNK_MASK;
    c.t[o] = t;
    c.process[o] = process;
    c.key[o] = this.keyId(key);
    let code = TYPE_CODE[type] | (F_CODE[f] << 2);
    if (Array.isArray(value)) {
      const pair = value as readonly [Value, Value];
      code |= (this.putValue(c.v1, o, pair[0], i * 2) << 5) | (this.putValue(c.v2, o, pair[1], i * 2 + 1) << 7) | (1 << 9);
    } else {
      code |= this.putValue(c.v1, o, value as Value, i * 2) << 5;
    }
    c.code[o] = code;
    let err = 0;
    if (error !== undefined) {
      const known = this.errorIds.get(error);
      if (known !== undefined) err = known;
      else {
        err = this.errorTexts.length;
        this.errorIds.set(error, err);
        this.errorTexts.push(error);
      }
    }
    c.error[o] = err;
    this.count = i + 1;
    if (this.onEvent !== null) this.onEvent(this, i);
  }

  private putValue(column: Float64Array, o: number, v: Value, slot: number): number {
    if (v === null) return V_NULL;
    if (typeof v === 'number') {
      column[o] = v;
      return V_NUMBER;
    }
    this.others.set(slot, v);
    return V_OTHER;
  }

  private getValue(kind: number, column: Float64Array, o: number, slot: number): Value {
    if (kind === V_NULL) return null;
    if (kind === V_NUMBER) return column[o]!;
    return this.others.get(slot) ?? null;
  }

  tAt(i: number): number {
    return this.chunks[i >> CHUNK_BITS]!.t[i & CHUNK_MASK]!;
  }

  processAt(i: number): number {
    return this.chunks[i >> CHUNK_BITS]!.process[i & CHUNK_MASK]!;
  }

  /** 0 invoke, 1 ok, 2 fail, 3 info. */
  typeCodeAt(i: number): number {
    return this.chunks[i >> CHUNK_BITS]!.code[i & CHUNK_MASK]! & 3;
  }

  typeAt(i: number): OpType {
    return TYPES[this.typeCodeAt(i)]!;
  }

  /** 0 read, 1 write, 2 cas, 3 get, 4 put, 5 append. */
  fCodeAt(i: number): number {
    return (this.chunks[i >> CHUNK_BITS]!.code[i & CHUNK_MASK]! >> 2) & 7;
  }

  fAt(i: number): OpFunction {
    return FUNCTIONS[this.fCodeAt(i)]!;
  }

  keyIdAt(i: number): number {
    return this.chunks[i >> CHUNK_BITS]!.key[i & CHUNK_MASK]!;
  }

  errorAt(i: number): string | undefined {
    const err = this.chunks[i >> CHUNK_BITS]!.error[i & CHUNK_MASK]!;
    return err === 0 ? undefined : this.errorTexts[err];
  }

  /** The value, or for a cas the old value. */
  firstValueAt(i: number): Value {
    const c = this.chunks[i >> CHUNK_BITS]!;
    const o = i & CHUNK_MASK;
    return this.getValue((c.code[o]! >> 5) & 3, c.v1, o, i * 2);
  }

  /** For a cas, the new value; for anything else, the value. */
  writtenValueAt(i: number): Value {
    const c = this.chunks[i >> CHUNK_BITS]!;
    const o = i & CHUNK_MASK;
    const code = c.code[o]!;
    if ((code & (1 << 9)) === 0) return this.getValue((code >> 5) & 3, c.v1, o, i * 2);
    return this.getValue((code >> 7) & 3, c.v2, o, i * 2 + 1);
  }

  valueAt(i: number): HistoryEvent['value'] {
    const c = this.chunks[i >> CHUNK_BITS]!;
    const o = i & CHUNK_MASK;
    const code = c.code[o]!;
    const first = this.getValue((code >> 5) & 3, c.v1, o, i * 2);
    if ((code & (1 << 9)) === 0) return first;
    return [first, this.getValue((code >> 7) & 3, c.v2, o, i * 2 + 1)];
  }

  event(i: number): HistoryEvent {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`history event ${i} out of range 0..${this.count - 1}`);
    const error = this.errorAt(i);
    const e = { t: this.tAt(i), process: this.processAt(i), type: this.typeAt(i), f: this.fAt(i), key: this.keyNames[this.keyIdAt(i)]!, value: this.valueAt(i) };
    return error === undefined ? e : { ...e, error };
  }

  *[Symbol.iterator](): Iterator<HistoryEvent> {
    for (let i = 0; i < this.count; i++) yield this.event(i);
  }

  toArray(): HistoryEvent[] {
    const out = new Array<HistoryEvent>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.event(i);
    return out;
  }

  /** Bytes held by the columns (whole chunks), for the benchmark's accounting. */
  get bytes(): number {
    return this.chunks.length * CHUNK * (8 + 4 + 2 + 4 + 2 + 8 + 8);
  }

  static from(events: Iterable<HistoryEvent>): HistoryLog {
    const log = new HistoryLog();
    for (const e of events) log.push(e);
    return log;
  }
}
