import type { Us } from '../core/time.ts';

/**
 * One scheduled event. Records are pooled by the queue: the hot path (message
 * deliveries and timers) allocates nothing per event once the pool is warm.
 * Field meaning depends on `kind` (see simulator.ts).
 */
export interface SimEvent {
  timeUs: Us;
  /** Tie-breaker: events at equal times run in the order they were scheduled. */
  seq: number;
  kind: number;
  /** Destination node index (or client index for client events). */
  node: number;
  /** Source node for deliveries; timer id for timers. */
  a: number;
  /** Incarnation (deliveries, timers) or generation guard. */
  b: number;
  payload: unknown;
}

/**
 * A binary min-heap of events ordered by (timeUs, seq). `seq` is unique and
 * increasing, so the order is total and a run is deterministic.
 */
export class EventQueue {
  private heap: SimEvent[] = [];
  private free: SimEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Schedules an event; returns nothing so the caller cannot hold a pooled record. */
  push(timeUs: Us, kind: number, node: number, a: number, b: number, payload: unknown): void {
    const event = this.free.pop() ?? { timeUs: 0, seq: 0, kind: 0, node: 0, a: 0, b: 0, payload: undefined };
    event.timeUs = timeUs;
    event.seq = this.nextSeq++;
    event.kind = kind;
    event.node = node;
    event.a = a;
    event.b = b;
    event.payload = payload;
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.timeUs < timeUs || (p.timeUs === timeUs && p.seq < event.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): Us {
    return this.heap.length === 0 ? Infinity : this.heap[0]!.timeUs;
  }

  /**
   * Removes and returns the earliest event. The record is valid until the
   * next call to `release`; the caller must release it when done.
   */
  pop(): SimEvent | undefined {
    const heap = this.heap;
    const n = heap.length;
    if (n === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (n > 1) {
      const size = n - 1;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        let c = l;
        let child = heap[l]!;
        if (r < size) {
          const rc = heap[r]!;
          if (rc.timeUs < child.timeUs || (rc.timeUs === child.timeUs && rc.seq < child.seq)) {
            c = r;
            child = rc;
          }
        }
        if (last.timeUs < child.timeUs || (last.timeUs === child.timeUs && last.seq < child.seq)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }

  release(event: SimEvent): void {
    event.payload = undefined;
    this.free.push(event);
  }
}
