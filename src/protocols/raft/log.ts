import type { Entry } from './types.ts';

/** Entries per chunk: a log grows by whole chunks, so it never copies what it holds. */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * The logs of one cluster, by node: a log that fills a chunk looks for the
 * same chunk (the same entry objects at the same positions) in the others'
 * logs and shares it. Purely a matter of memory: what a log holds is
 * unchanged, only how many copies of the references exist.
 */
export class LogGroup {
  readonly logs: (RaftLog | undefined)[] = [];

  /** A new log for node `slot`, holding `entries`; it replaces the node's previous log in the group. */
  create(slot: number, entries: readonly Entry[]): RaftLog {
    if (slot < 0) return RaftLog.of(entries);
    const log = new RaftLog(this, slot);
    for (const entry of entries) log.push(entry);
    this.logs[slot] = log;
    return log;
  }
}

/**
 * One node's log (log[0] is the sentinel, see RaftStable), kept in chunks of
 * 4096 entry references. The logs of a cluster hold the same entries at the
 * same positions nearly everywhere, so a full chunk equal to another log's is
 * shared with it: five nodes keep about one copy of their common prefix, not
 * five (a long run's logs are its largest part). Full chunks are never
 * written: appends go to the last, partial chunk, which is the log's own,
 * and a truncation into a full chunk copies the part it keeps.
 */
export class RaftLog {
  private readonly chunks: Entry[][] = [];
  private count = 0;

  constructor(
    private readonly group: LogGroup | null,
    private readonly slot: number,
  ) {}

  get length(): number {
    return this.count;
  }

  /** The entry at position `i`; undefined outside 0..length-1 (a negative `i` too: not Array.prototype.at). */
  get(i: number): Entry | undefined {
    if (!(i >= 0 && i < this.count)) return undefined;
    return this.chunks[i >> CHUNK_BITS]![i & CHUNK_MASK];
  }

  /** The last entry (there is always one: the sentinel). */
  last(): Entry {
    return this.get(this.count - 1)!;
  }

  push(entry: Entry): void {
    const i = this.count;
    const k = i >> CHUNK_BITS;
    if (k === this.chunks.length) this.chunks.push(new Array<Entry>(CHUNK));
    this.chunks[k]![i & CHUNK_MASK] = entry;
    this.count = i + 1;
    if ((this.count & CHUNK_MASK) === 0) this.share(k);
  }

  /** Keeps the first `length` entries. */
  truncate(length: number): void {
    if (length >= this.count) return;
    const full = length >> CHUNK_BITS;
    const rest = length & CHUNK_MASK;
    this.chunks.length = full + (rest === 0 ? 0 : 1);
    if (rest !== 0) {
      // The kept part of the chunk, in a chunk of this log's own (the old one may be shared).
      const kept = new Array<Entry>(CHUNK);
      const old = this.chunks[full]!;
      for (let j = 0; j < rest; j++) kept[j] = old[j]!;
      this.chunks[full] = kept;
    }
    this.count = length;
  }

  /** Positions `from` up to (not including) `to`, as an array, like Array.prototype.slice with non-negative bounds. */
  slice(from: number, to: number = this.count): Entry[] {
    const start = Math.max(0, from);
    const end = Math.min(to, this.count);
    // Sized up front: an array grown by push reserves 17 slots for the first (a batch is mostly one entry).
    const out = new Array<Entry>(Math.max(0, end - start));
    for (let i = start; i < end; i++) out[i - start] = this.chunks[i >> CHUNK_BITS]![i & CHUNK_MASK]!;
    return out;
  }

  /** A new log of the same node and group holding `entries` (after a snapshot). */
  replaced(entries: readonly Entry[]): RaftLog {
    return this.group === null ? RaftLog.of(entries) : this.group.create(this.slot, entries);
  }

  /** A log outside any group. */
  static of(entries: readonly Entry[]): RaftLog {
    const log = new RaftLog(null, -1);
    for (const entry of entries) log.push(entry);
    return log;
  }

  /** Chunk `k` if it is full. */
  private fullChunk(k: number): Entry[] | undefined {
    return this.count >= (k + 1) << CHUNK_BITS ? this.chunks[k] : undefined;
  }

  /** Chunk `k` just filled: use another log's equal chunk instead, if there is one. */
  private share(k: number): void {
    if (this.group === null) return;
    const mine = this.chunks[k]!;
    for (const other of this.group.logs) {
      if (other === undefined || other === this) continue;
      const theirs = other.fullChunk(k);
      if (theirs === undefined || theirs === mine) continue;
      let same = true;
      for (let j = 0; j < CHUNK; j++) {
        if (theirs[j] !== mine[j]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.chunks[k] = theirs;
        return;
      }
    }
  }
}
