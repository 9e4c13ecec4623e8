import type { Us } from '../core/time.ts';

/**
 * The armed timers: at most one pending firing per slot (a slot is one timer
 * id of one node), kept in a binary min-heap of slot numbers ordered by
 * (time, seq) exactly like the event queue. Re-arming a timer moves its slot
 * instead of leaving a superseded firing in the event queue: when a follower
 * re-armed its election timer on every AppendEntries, lazy deletion left the
 * queue holding ten times more dead timers than live events.
 *
 * `seq` comes from the event queue's counter, so the simulator can merge the
 * two heaps into the single (time, seq) order a run has always had.
 *
 * A superseded firing is remembered as a ghost (its time and seq) until the
 * clock passes it, only so that the run's `events` figure still counts it
 * as the lazily deleted queue entry it used to be: summaries stay identical.
 */
export class TimerHeap {
  private readonly timeUs: Float64Array;
  private readonly seq: Float64Array;
  /** Slot → its position in `heap`, or -1 when the slot is not armed. */
  private readonly position: Int32Array;
  private readonly heap: Int32Array;
  private count = 0;
  private ghostTimeUs = new Float64Array(1024);
  private ghostSeq = new Float64Array(1024);
  private ghosts = 0;
  /** Ghosts the clock has passed. */
  passed = 0;

  constructor(slots: number) {
    this.timeUs = new Float64Array(slots);
    this.seq = new Float64Array(slots);
    this.position = new Int32Array(slots).fill(-1);
    this.heap = new Int32Array(slots);
  }

  get size(): number {
    return this.count;
  }

  /** Time of the earliest armed slot, or Infinity when none is armed. */
  peekTime(): Us {
    return this.count === 0 ? Infinity : this.timeUs[this.heap[0]!]!;
  }

  /** Seq of the earliest armed slot (call only when one is armed). */
  peekSeq(): number {
    return this.seq[this.heap[0]!]!;
  }

  /** The earliest armed slot (call only when one is armed); it stays armed. */
  peekSlot(): number {
    return this.heap[0]!;
  }

  /** Arms `slot` to fire at `timeUs`, replacing its pending firing if it has one. `nowUs` is the clock. */
  arm(slot: number, timeUs: Us, seq: number, nowUs: Us): void {
    const at = this.position[slot]!;
    if (at >= 0) this.bury(slot, nowUs);
    this.timeUs[slot] = timeUs;
    this.seq[slot] = seq;
    if (at < 0) {
      const i = this.count++;
      this.position[slot] = i;
      this.heap[i] = slot;
      this.up(i);
      return;
    }
    // The new firing may be earlier or later than the one it replaces.
    this.up(at);
    this.down(this.position[slot]!);
  }

  /** Cancels `slot`'s pending firing, if any. `nowUs` is the clock. */
  disarm(slot: number, nowUs: Us): void {
    if (this.position[slot]! < 0) return;
    this.bury(slot, nowUs);
    this.remove(slot);
  }

  /** Removes and returns the earliest armed slot (call only when one is armed). */
  pop(): number {
    const top = this.heap[0]!;
    this.remove(top);
    return top;
  }

  /** Counts as passed every ghost before (timeUs, seq) in event order. */
  passGhosts(timeUs: Us, seq: number): void {
    const times = this.ghostTimeUs;
    const seqs = this.ghostSeq;
    let kept = 0;
    for (let i = 0; i < this.ghosts; i++) {
      const t = times[i]!;
      if (t < timeUs || (t === timeUs && seqs[i]! < seq)) continue;
      times[kept] = t;
      seqs[kept] = seqs[i]!;
      kept++;
    }
    this.passed += this.ghosts - kept;
    this.ghosts = kept;
  }

  private bury(slot: number, nowUs: Us): void {
    if (this.ghosts === this.ghostTimeUs.length) {
      // Ghosts strictly before now are certainly passed; if that frees too little, grow.
      this.passGhosts(nowUs, -1);
      if (this.ghosts * 2 > this.ghostTimeUs.length) {
        const times = new Float64Array(this.ghostTimeUs.length * 2);
        const seqs = new Float64Array(this.ghostSeq.length * 2);
        times.set(this.ghostTimeUs);
        seqs.set(this.ghostSeq);
        this.ghostTimeUs = times;
        this.ghostSeq = seqs;
      }
    }
    this.ghostTimeUs[this.ghosts] = this.timeUs[slot]!;
    this.ghostSeq[this.ghosts] = this.seq[slot]!;
    this.ghosts++;
  }

  private remove(slot: number): void {
    const at = this.position[slot]!;
    this.position[slot] = -1;
    const last = this.heap[--this.count]!;
    if (at === this.count) return;
    this.heap[at] = last;
    this.position[last] = at;
    this.up(at);
    this.down(this.position[last]!);
  }

  private before(a: number, b: number): boolean {
    const ta = this.timeUs[a]!;
    const tb = this.timeUs[b]!;
    return ta < tb || (ta === tb && this.seq[a]! < this.seq[b]!);
  }

  private up(i: number): void {
    const heap = this.heap;
    const slot = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.before(slot, p)) break;
      heap[i] = p;
      this.position[p] = i;
      i = parent;
    }
    heap[i] = slot;
    this.position[slot] = i;
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = this.count;
    const slot = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      if (l + 1 < n && this.before(heap[l + 1]!, heap[l]!)) c = l + 1;
      const child = heap[c]!;
      if (!this.before(child, slot)) break;
      heap[i] = child;
      this.position[child] = i;
      i = c;
    }
    heap[i] = slot;
    this.position[slot] = i;
  }
}
