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
 *
 * Each column starts as narrow as a simulated history needs and is widened,
 * for its chunk only, the first time a value does not fit: times as 32-bit
 * offsets from the chunk's first time (else 64-bit floats), processes and
 * keys in 16 bits (else 64-bit floats and 32 bits), error ids in 8 bits
 * (else 32), numeric values as 32-bit integers (else 64-bit floats). So a
 * simulated event takes 19 bytes, and any history is still stored exactly.
 */
interface Chunk {
  /** Added to `t[o]` while `t` holds offsets (Uint32Array): the chunk's first time. */
  tBase: number;
  t: Uint32Array | Float64Array;
  process: Uint16Array | Float64Array;
  readonly code: Uint16Array;
  key: Uint16Array | Int32Array;
  error: Uint8Array | Int32Array;
  v1: Int32Array | Float64Array;
  v2: Int32Array | Float64Array;
}

function newChunk(tBase: number): Chunk {
  return {
    tBase,
    t: new Uint32Array(CHUNK),
    process: new Uint16Array(CHUNK),
    code: new Uint16Array(CHUNK),
    key: new Uint16Array(CHUNK),
    error: new Uint8Array(CHUNK),
    v1: new Int32Array(CHUNK),
    v2: new Int32Array(CHUNK),
  };
}

/** One chunk's columns as `HistoryLog.columnChunks` hands them out (see there). */
export interface HistoryChunk {
  readonly first: number;
  readonly count: number;
  readonly tBase: number;
  readonly t: Uint32Array | Float64Array;
  readonly process: Uint16Array | Float64Array;
  readonly code: Uint16Array;
  readonly key: Uint16Array | Int32Array;
  readonly error: Uint8Array | Int32Array;
  readonly v1: Int32Array | Float64Array;
  readonly v2: Int32Array | Float64Array;
}

/** A 32-bit integer that is not -0 (a 32-bit column would store it as 0). */
function isInt32(v: number): boolean {
  return (v | 0) === v && (v !== 0 || 1 / v > 0);
}

/**
 * The simulator's client history, stored by column in typed arrays: 19 bytes
 * a simulated event (see Chunk), against some 100 for an object per event
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
    if ((i & CHUNK_MASK) === 0 && i >> CHUNK_BITS === this.chunks.length) this.chunks.push(newChunk(Number.isInteger(t) ? t : 0));
    const c = this.chunks[i >> CHUNK_BITS]!;
    const o = i & CHUNK_MASK;
    const dt = t - c.tBase;
    if (c.t instanceof Uint32Array && (dt >>> 0 !== dt || c.tBase + dt !== t || (t === 0 && 1 / t < 0))) {
      const wide = new Float64Array(CHUNK);
      for (let j = 0; j < o; j++) wide[j] = c.tBase + c.t[j]!;
      c.t = wide;
      c.tBase = 0;
    }
    c.t[o] = c.t instanceof Uint32Array ? dt : t;
    if (c.process instanceof Uint16Array && ((process & 0xffff) !== process || (process === 0 && 1 / process < 0))) c.process = Float64Array.from(c.process);
    c.process[o] = process;
    const keyId = this.keyId(key);
    if (keyId > 0xffff && c.key instanceof Uint16Array) c.key = Int32Array.from(c.key);
    c.key[o] = keyId;
    let code = TYPE_CODE[type] | (F_CODE[f] << 2);
    if (Array.isArray(value)) {
      const pair = value as readonly [Value, Value];
      code |= (this.putValue(c, false, o, pair[0], i * 2) << 5) | (this.putValue(c, true, o, pair[1], i * 2 + 1) << 7) | (1 << 9);
    } else {
      code |= this.putValue(c, false, o, value as Value, i * 2) << 5;
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
    if (err > 0xff && c.error instanceof Uint8Array) c.error = Int32Array.from(c.error);
    c.error[o] = err;
    this.count = i + 1;
    if (this.onEvent !== null) this.onEvent(this, i);
  }

  private putValue(c: Chunk, second: boolean, o: number, v: Value, slot: number): number {
    if (v === null) return V_NULL;
    if (typeof v === 'number') {
      let column = second ? c.v2 : c.v1;
      if (column instanceof Int32Array && !isInt32(v)) {
        column = Float64Array.from(column);
        if (second) c.v2 = column;
        else c.v1 = column;
      }
      column[o] = v;
      return V_NUMBER;
    }
    this.others.set(slot, v);
    return V_OTHER;
  }

  private getValue(kind: number, column: Int32Array | Float64Array, o: number, slot: number): Value {
    if (kind === V_NULL) return null;
    if (kind === V_NUMBER) return column[o]!;
    return this.others.get(slot) ?? null;
  }

  tAt(i: number): number {
    const c = this.chunks[i >> CHUNK_BITS]!;
    // The times themselves once widened (adding a base of 0 would turn -0 into 0).
    return c.t instanceof Uint32Array ? c.tBase + c.t[i & CHUNK_MASK]! : c.t[i & CHUNK_MASK]!;
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

  /**
   * The columns, chunk by chunk, for a pass over many events that reads
   * them directly (the checks after a run): event `first + o` is at offset
   * `o` of its chunk, for `o < count`. The encoding is Chunk's: a time is
   * `tBase + t[o]` while `t` is a Uint32Array, `t[o]` once widened; `code`
   * packs type (bits 0-1), function (2-4) and the kinds of the values
   * (5-6, 7-8: 0 null, 1 a number in v1/v2, 2 anything else: read it with
   * `firstValueAt`/`writtenValueAt`). Read-only.
   */
  columnChunks(): HistoryChunk[] {
    return this.chunks.map((c, k) => ({
      first: k << CHUNK_BITS,
      count: Math.min(CHUNK, this.count - (k << CHUNK_BITS)),
      tBase: c.tBase,
      t: c.t,
      process: c.process,
      code: c.code,
      key: c.key,
      error: c.error,
      v1: c.v1,
      v2: c.v2,
    }));
  }

  /** The id of an error text in the `error` column (0: none), or -1 when no event has it. */
  errorId(text: string): number {
    return this.errorIds.get(text) ?? -1;
  }

  /** Bytes held by the columns (whole chunks), for the benchmark's accounting. */
  get bytes(): number {
    let bytes = 0;
    for (const c of this.chunks) bytes += c.t.byteLength + c.process.byteLength + c.code.byteLength + c.key.byteLength + c.error.byteLength + c.v1.byteLength + c.v2.byteLength;
    return bytes;
  }

  static from(events: Iterable<HistoryEvent>): HistoryLog {
    const log = new HistoryLog();
    for (const e of events) log.push(e);
    return log;
  }
}
