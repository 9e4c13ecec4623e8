import type { Us } from '../core/time.ts';

/**
 * The event queue: a binary min-heap ordered by (time, seq). `seq` is unique
 * and increasing, so the order is total and a run is deterministic.
 *
 * Laid out for speed, because every event of a run passes through it: the
 * heap keeps its keys in flat typed arrays (a sift compares neighbouring
 * numbers, not fields of scattered objects), and an event's fields live in
 * per-field arrays indexed by a record number that is recycled once the
 * event is released. Nothing is allocated per event once the arrays have
 * grown to the run's peak.
 */
export class EventQueue {
  /** Heap order: the key of the i-th heap element and the record it points to. */
  private heapTimeUs = new Float64Array(64);
  private heapSeq = new Float64Array(64);
  private heapRecord = new Int32Array(64);
  private count = 0;
  private nextSeq = 0;

  /** Record fields, by record number. Their meaning depends on `kind` (see simulator.ts). */
  kind = new Int32Array(64);
  /** Destination node index (or client index for client events). */
  node = new Int32Array(64);
  /** Source node for deliveries; timer id for timers. */
  a = new Int32Array(64);
  /** Incarnation (deliveries, timers) or generation guard. */
  b = new Int32Array(64);
  /** Deliveries: when the message was sent (set by the simulator after `push`; other kinds leave it stale). */
  sentUs = new Float64Array(64);
  payload: unknown[] = [];
  private freeRecords = new Int32Array(64);
  private freeCount = 0;
  private records = 0;

  get size(): number {
    return this.count;
  }

  /** Schedules an event after every event already scheduled for `timeUs`; returns its record number. */
  push(timeUs: Us, kind: number, node: number, a: number, b: number, payload: unknown): number {
    return this.pushWithSeq(timeUs, this.nextSeq++, kind, node, a, b, payload);
  }

  /**
   * Schedules an event with a seq of the caller's choosing instead of the
   * next one: a seq below every counter seq (negative) places it before
   * every ordinary event of its time, whenever it is pushed. The caller keeps
   * such seqs unique. Returns the record number.
   */
  pushWithSeq(timeUs: Us, seq: number, kind: number, node: number, a: number, b: number, payload: unknown): number {
    const record = this.freeCount > 0 ? this.freeRecords[--this.freeCount]! : this.newRecord();
    this.kind[record] = kind;
    this.node[record] = node;
    this.a[record] = a;
    this.b[record] = b;
    this.payload[record] = payload;
    if (this.count === this.heapRecord.length) this.growHeap();
    const times = this.heapTimeUs;
    const seqs = this.heapSeq;
    const recs = this.heapRecord;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt < timeUs || (pt === timeUs && seqs[parent]! < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      recs[i] = recs[parent]!;
      i = parent;
    }
    times[i] = timeUs;
    seqs[i] = seq;
    recs[i] = record;
    return record;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): Us {
    return this.count === 0 ? Infinity : this.heapTimeUs[0]!;
  }

  /** Seq of the earliest event (call only when not empty). */
  peekSeq(): number {
    return this.heapSeq[0]!;
  }

  /** Record of the earliest event (call only when not empty); it stays queued. */
  peekRecord(): number {
    return this.heapRecord[0]!;
  }

  /** Calls `visit` for every queued event, in no particular order (heap order). For snapshots, never the event loop. */
  forEachQueued(visit: (timeUs: Us, seq: number, record: number) => void): void {
    for (let i = 0; i < this.count; i++) visit(this.heapTimeUs[i]!, this.heapSeq[i]!, this.heapRecord[i]!);
  }

  /**
   * Takes the next seq without scheduling an event here: the timers (timers.ts)
   * draw from the same counter, so that both heaps share one (time, seq) order.
   */
  takeSeq(): number {
    return this.nextSeq++;
  }

  /**
   * Removes the earliest event and returns its record number, or -1 when
   * empty. The record's fields stay valid until `release(record)`, which the
   * caller must call when done with it.
   */
  pop(): number {
    const n = this.count;
    if (n === 0) return -1;
    const times = this.heapTimeUs;
    const seqs = this.heapSeq;
    const recs = this.heapRecord;
    const top = recs[0]!;
    const size = n - 1;
    this.count = size;
    if (size > 0) {
      const lastTime = times[size]!;
      const lastSeq = seqs[size]!;
      const lastRec = recs[size]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        let c = l;
        let ct = times[l]!;
        const r = l + 1;
        if (r < size) {
          const rt = times[r]!;
          if (rt < ct || (rt === ct && seqs[r]! < seqs[l]!)) {
            c = r;
            ct = rt;
          }
        }
        if (lastTime < ct || (lastTime === ct && lastSeq < seqs[c]!)) break;
        times[i] = ct;
        seqs[i] = seqs[c]!;
        recs[i] = recs[c]!;
        i = c;
      }
      times[i] = lastTime;
      seqs[i] = lastSeq;
      recs[i] = lastRec;
    }
    return top;
  }

  release(record: number): void {
    this.payload[record] = undefined;
    if (this.freeCount === this.freeRecords.length) this.freeRecords = grow(this.freeRecords, new Int32Array(this.freeRecords.length * 2));
    this.freeRecords[this.freeCount++] = record;
  }

  private newRecord(): number {
    const record = this.records++;
    if (record === this.kind.length) {
      const size = this.kind.length * 2;
      this.kind = grow(this.kind, new Int32Array(size));
      this.node = grow(this.node, new Int32Array(size));
      this.a = grow(this.a, new Int32Array(size));
      this.b = grow(this.b, new Int32Array(size));
      this.sentUs = grow(this.sentUs, new Float64Array(size));
    }
    this.payload.push(undefined);
    return record;
  }

  private growHeap(): void {
    const size = this.heapRecord.length * 2;
    this.heapTimeUs = grow(this.heapTimeUs, new Float64Array(size));
    this.heapSeq = grow(this.heapSeq, new Float64Array(size));
    this.heapRecord = grow(this.heapRecord, new Int32Array(size));
  }
}

function grow<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
