import type { HistoryLog, Value } from '../../workload/history.ts';

/**
 * The fast path of the register check: build one candidate linearization of
 * a key's history from what the simulation knows (the order in which writes
 * took effect in the authoritative log) and verify it in linear time. Only
 * when the candidate fails does the checker fall back to the search.
 *
 * Why a verified candidate proves linearizability (so that a wrong candidate
 * can never make a non-linearizable history pass): a history is
 * linearizable iff there is a sequence S of its operations such that
 *
 *   (a) S holds every operation of known outcome (ok, and cas mismatch) once,
 *       and any subset of those of unknown outcome (info, or no completion):
 *       an unknown operation may have taken effect, or not;
 *   (b) S respects real time: if a returned before b was called, a comes
 *       before b in S;
 *   (c) S is legal for the register, run from null: each read returns the
 *       value then current, a cas ok finds its old value, a cas mismatch
 *       finds another value, a write sets its value.
 *
 * `verify` checks exactly these three conditions on the candidate it is
 * given: (a) by construction (every known operation is placed, or the
 * candidate is refused), (b) by the pass below — S respects real time iff
 * for every position j, return(S[j]) > max over i < j of call(S[i]) (a pair
 * i < j with return(S[j]) < call(S[i]) is precisely a violation, and the
 * running maximum finds one if any exists) — and (c) by running the register.
 * Unknown operations left out of S count as never having taken effect, which
 * (a) allows. So a candidate that passes is a linearization, whatever it was
 * built from. A candidate that fails proves nothing: the search decides.
 *
 * How the candidate is built, per key: the writes (ok writes and cas, and
 * unknown ones whose value the authoritative log holds) in log order; each
 * ok read right after the write whose value it returned (null: before every
 * write); each cas mismatch after the latest write or read that returned
 * before it was called, moved one write further if that write's value is
 * the one it compared with; reads and mismatches after the same write in
 * call order (which respects real time among them). A correct system's
 * history passes: its real order differs from this one only in the order of
 * operations that read the same value.
 */

/** Operation kinds of the compact key history. */
const K_READ = 0;
const K_WRITE = 1;
const K_CAS = 2;
const K_MISMATCH = 3;
const K_CAS_UNKNOWN = 4;
const K_WRITE_UNKNOWN = 5;

/** A value in two columns: tag 0 null, 1 a number (in `num`), 2 anything else (interned id in `num`). */
const TAG_NULL = 0;
const TAG_NUMBER = 1;
const TAG_OTHER = 2;

export interface WriteOrder {
  /** Position (1-based) of the write that took `value` in the authoritative order, or -1. */
  positionOf(value: Value): number;
}

/** Histories of at most this many events have every key's KeyHistory made at once (KeyHistory.ofEach); longer ones one key at a time. */
const EACH_EVENTS_MAX = 1 << 22;

const memo = new WeakMap<object, { readonly length: number; readonly positions: WritePositions }>();

/** Where each value was written, from a list of writes in the order they took effect. */
export class WritePositions implements WriteOrder {
  private readonly numbers: Float64Array;
  private readonly numberPos: Int32Array;
  private readonly others = new Map<Value, number>();
  /** When the numbers are whole and dense (a simulated run's values count up): position by value - tableMin, 0 for none. */
  private table: Int32Array | null = null;
  private tableMin = 0;

  constructor(writes: readonly { readonly value: Value }[]) {
    let count = 0;
    let whole = writes.length < 2 ** 21;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < writes.length; i++) {
      const v = writes[i]!.value;
      if (typeof v === 'number') {
        count++;
        // Whole numbers of 32 bits (not -0): a table, or one exactly sortable double with their index.
        if (whole && !((v | 0) === v && (v !== 0 || 1 / v > 0))) whole = false;
        if (v < min) min = v;
        if (v > max) max = v;
      } else this.others.set(v, i + 1);
    }
    if (whole && count > 0 && max - min + 1 <= 4 * count + 1024) {
      // Dense values (a simulated run's count up): a table, so that a look-up is one read instead of a
      // binary search, made without sorting. Where a value was taken twice, the last position, as the
      // search below finds it (the last of its equals).
      const table = new Int32Array(max - min + 1);
      for (let i = 0; i < writes.length; i++) {
        const v = writes[i]!.value;
        if (typeof v === 'number') table[v - min] = i + 1;
      }
      this.table = table;
      this.tableMin = min;
      this.numbers = new Float64Array(0);
      this.numberPos = new Int32Array(0);
      return;
    }
    this.numbers = new Float64Array(count);
    this.numberPos = new Int32Array(count);
    if (whole) {
      // By value, then index, as the comparator below orders them, with the typed array's own numeric sort:
      // (value + 2^31) * 2^21 + index is below 2^53 and orders exactly as (value, index).
      const keys = new Float64Array(count);
      let k = 0;
      for (let i = 0; i < writes.length; i++) {
        const v = writes[i]!.value;
        if (typeof v === 'number') keys[k++] = (v + 2 ** 31) * 2 ** 21 + i;
      }
      keys.sort();
      for (let j = 0; j < count; j++) {
        const i = keys[j]! % 2 ** 21;
        this.numbers[j] = (keys[j]! - i) / 2 ** 21 - 2 ** 31;
        this.numberPos[j] = i + 1;
      }
      return;
    }
    const idx: number[] = [];
    for (let i = 0; i < writes.length; i++) if (typeof writes[i]!.value === 'number') idx.push(i);
    idx.sort((a, b) => (writes[a]!.value as number) - (writes[b]!.value as number) || a - b);
    idx.forEach((i, k) => {
      this.numbers[k] = writes[i]!.value as number;
      this.numberPos[k] = i + 1;
    });
  }

  /**
   * The positions of `writes`, made once per list: the figures and the
   * linearizability check of a run both read the same authoritative log.
   * The list must not change afterwards (a run's never does).
   */
  static of(writes: readonly { readonly value: Value }[]): WritePositions {
    let known = memo.get(writes);
    if (known === undefined || known.length !== writes.length) {
      known = { length: writes.length, positions: new WritePositions(writes) };
      memo.set(writes, known);
    }
    return known.positions;
  }

  positionOf(v: Value): number {
    if (typeof v !== 'number') {
      const p = this.others.get(v);
      return p === undefined ? -1 : p;
    }
    const table = this.table;
    if (table !== null) {
      // -0 finds 0's position, as the search does (they compare equal); a fraction, NaN or infinity finds none.
      const at = v - this.tableMin;
      if (!(at >= 0 && at < table.length && Number.isInteger(at))) return -1;
      const p = table[at]!;
      return p === 0 ? -1 : p;
    }
    const a = this.numbers;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    // A value taken twice keeps its last position (never in a simulated run: values are unique).
    return lo > 0 && a[lo - 1] === v ? this.numberPos[lo - 1]! : -1;
  }
}

/** One key's operations in call order, by column. */
export class KeyHistory {
  n = 0;
  callPos: Float64Array;
  returnPos: Float64Array;
  kind: Uint8Array;
  aTag: Uint8Array;
  aNum: Float64Array;
  bTag: Uint8Array;
  bNum: Float64Array;
  private readonly otherIds = new Map<Value, number>();

  constructor(capacity: number) {
    this.callPos = new Float64Array(capacity);
    this.returnPos = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.aTag = new Uint8Array(capacity);
    this.aNum = new Float64Array(capacity);
    this.bTag = new Uint8Array(capacity);
    this.bNum = new Float64Array(capacity);
  }

  private put(tags: Uint8Array, nums: Float64Array, i: number, v: Value): void {
    if (v === null) {
      tags[i] = TAG_NULL;
      nums[i] = 0;
    } else if (typeof v === 'number') {
      tags[i] = TAG_NUMBER;
      nums[i] = v;
    } else {
      let id = this.otherIds.get(v);
      if (id === undefined) this.otherIds.set(v, (id = this.otherIds.size));
      tags[i] = TAG_OTHER;
      nums[i] = id;
    }
  }

  add(kind: number, callPos: number, returnPos: number, a: Value, b: Value): void {
    const i = this.n++;
    this.kind[i] = kind;
    this.callPos[i] = callPos;
    this.returnPos[i] = returnPos;
    this.put(this.aTag, this.aNum, i, a);
    this.put(this.bTag, this.bNum, i, b);
  }

  /**
   * The operations of `keyId` in `log` (register histories), paired as the
   * search pairs them (see pairOperations): ok reads, writes and cas; cas
   * mismatches; writes and cas of unknown outcome (info or never completed,
   * return at infinity). Failed operations and reads of unknown outcome
   * constrain nothing and are left out. Positions are event indices.
   */
  static of(log: HistoryLog, keyId: number): KeyHistory {
    const chunks = log.columnChunks();
    let invokes = 0;
    // Processes are small whole numbers in a simulated history: the open operations then sit in a typed array.
    let maxProcess = 0;
    let small = true;
    for (const c of chunks) {
      const { count, code, key, process } = c;
      for (let o = 0; o < count; o++) {
        if (key[o] !== keyId) continue;
        if ((code[o]! & 3) === 0) invokes++;
        const p = process[o]!;
        if (!(p >= 0 && (p | 0) === p)) small = false;
        else if (p > maxProcess) maxProcess = p;
      }
    }
    // Slots are filled in call order, one per invoke, then compacted in place (dropped ones removed).
    const h = new KeyHistory(invokes);
    // Open invokes by process: the slot reserved for them.
    const openSlots = small && maxProcess < 1 << 20 ? new Int32Array(maxProcess + 1).fill(-1) : null;
    const openMap = openSlots === null ? new Map<number, number>() : null;
    const done = new Int8Array(invokes); // 0 open, 1 kept, -1 dropped
    const mismatch = log.errorId('mismatch');
    for (const c of chunks) {
      const { first, count, code: codes, key, process, error, v1 } = c;
      for (let o = 0; o < count; o++) {
        if (key[o] !== keyId) continue;
        const i = first + o;
        const p = process[o]!;
        const code = codes[o]!;
        const type = code & 3;
        const f = (code >> 2) & 7;
        if (type === 0) {
          const k = h.n;
          if (openSlots !== null) openSlots[p] = k;
          else openMap!.set(p, k);
          // Placeholder: an unknown outcome, settled by the completion if one comes.
          if (f === 0) h.add(K_READ, i, Infinity, null, null);
          else if (f === 1) h.add(K_WRITE_UNKNOWN, i, Infinity, log.firstValueAt(i), null);
          else h.add(K_CAS_UNKNOWN, i, Infinity, log.firstValueAt(i), log.writtenValueAt(i));
          continue;
        }
        let s: number;
        if (openSlots !== null) {
          s = openSlots[p]!;
          if (s < 0) continue;
          openSlots[p] = -1;
        } else {
          const known = openMap!.get(p);
          if (known === undefined) continue;
          s = known;
          openMap!.delete(p);
        }
        h.settle(done, s, i, type, f, code, v1[o]!, mismatch > 0 && error[o] === mismatch, log);
      }
    }
    h.compact(done);
    return h;
  }

  /**
   * `of` for every key of `log` at once, by key id, in two passes over the
   * history instead of two per key: the same histories. Null when the
   * history is too large to hold every key's at once (long runs: each key
   * is then made, checked and let go in turn with `of`), or when its
   * processes are not small whole numbers.
   */
  static ofEach(log: HistoryLog): KeyHistory[] | null {
    if (log.length > EACH_EVENTS_MAX) return null;
    const chunks = log.columnChunks();
    const keyCount = log.keyNames.length;
    const invokes = new Int32Array(keyCount);
    let maxProcess = 0;
    for (const c of chunks) {
      const { count, code, key, process } = c;
      for (let o = 0; o < count; o++) {
        if ((code[o]! & 3) === 0) invokes[key[o]!]!++;
        const p = process[o]!;
        if (!(p >= 0 && (p | 0) === p)) return null;
        if (p > maxProcess) maxProcess = p;
      }
    }
    const stride = maxProcess + 1;
    if (stride * keyCount > EACH_EVENTS_MAX) return null;
    const hs = Array.from(invokes, (n) => new KeyHistory(n));
    const done = Array.from(invokes, (n) => new Int8Array(n)); // 0 open, 1 kept, -1 dropped
    // Open invokes by (key, process): the slot reserved for them.
    const openSlots = new Int32Array(stride * keyCount).fill(-1);
    const mismatch = log.errorId('mismatch');
    for (const c of chunks) {
      const { first, count, code: codes, key: keys, process, error, v1, v2 } = c;
      for (let o = 0; o < count; o++) {
        const keyId = keys[o]!;
        const h = hs[keyId]!;
        const i = first + o;
        const slot = keyId * stride + process[o]!;
        const code = codes[o]!;
        const type = code & 3;
        const f = (code >> 2) & 7;
        if (type === 0) {
          // Placeholder: an unknown outcome, settled by the completion if one comes. As `add` would
          // make it, with null and numbers read straight from the columns (others through the log).
          const k = h.n++;
          openSlots[slot] = k;
          h.callPos[k] = i;
          h.returnPos[k] = Infinity;
          h.bTag[k] = TAG_NULL;
          h.bNum[k] = 0;
          if (f === 0) {
            h.kind[k] = K_READ;
            h.aTag[k] = TAG_NULL;
            h.aNum[k] = 0;
            continue;
          }
          h.kind[k] = f === 1 ? K_WRITE_UNKNOWN : K_CAS_UNKNOWN;
          const aKind = (code >> 5) & 3;
          if (aKind === 0) h.aTag[k] = TAG_NULL;
          else if (aKind === 1) {
            h.aTag[k] = TAG_NUMBER;
            h.aNum[k] = v1[o]!;
          } else h.put(h.aTag, h.aNum, k, log.firstValueAt(i));
          if (f === 1) continue;
          // A cas writes its second value (a cas recorded without a pair: its one value, as writtenValueAt reads it).
          const pair = (code & (1 << 9)) !== 0;
          const bKind = pair ? (code >> 7) & 3 : aKind;
          if (bKind === 0) h.bTag[k] = TAG_NULL;
          else if (bKind === 1) {
            h.bTag[k] = TAG_NUMBER;
            h.bNum[k] = pair ? v2[o]! : v1[o]!;
          } else h.put(h.bTag, h.bNum, k, log.writtenValueAt(i));
          continue;
        }
        const s = openSlots[slot]!;
        if (s < 0) continue;
        openSlots[slot] = -1;
        h.settle(done[keyId]!, s, i, type, f, code, v1[o]!, mismatch > 0 && error[o] === mismatch, log);
      }
    }
    for (let k = 0; k < keyCount; k++) hs[k]!.compact(done[k]!);
    return hs;
  }

  /**
   * Settles slot `s`, completed at history position `i` (`type` 1 ok, 2 fail, 3 info; `f` the function, `code`
   * the column code, `num` the first value column's number, `mismatched` a failure with error `mismatch`):
   * `done[s]` becomes 1 (kept) or -1 (dropped: a failure other than a cas mismatch, or a read of unknown
   * outcome); a write or cas of unknown outcome stays open (0).
   */
  settle(done: Int8Array, s: number, i: number, type: number, f: number, code: number, num: number, mismatched: boolean, log: HistoryLog): void {
    if (type === 1) {
      done[s] = 1;
      this.returnPos[s] = i;
      if (f === 0) {
        this.kind[s] = K_READ;
        // The value read: null, a number in the first value column, or anything else (read through the log).
        const kind = (code >> 5) & 3;
        if (kind === 0) {
          this.aTag[s] = TAG_NULL;
          this.aNum[s] = 0;
        } else if (kind === 1) {
          this.aTag[s] = TAG_NUMBER;
          this.aNum[s] = num;
        } else this.put(this.aTag, this.aNum, s, log.firstValueAt(i));
      } else this.kind[s] = f === 1 ? K_WRITE : K_CAS;
    } else if (type === 2) {
      if (f === 2 && mismatched) {
        done[s] = 1;
        this.returnPos[s] = i;
        this.kind[s] = K_MISMATCH;
      } else done[s] = -1;
    } else if (f === 0) done[s] = -1; // a read of unknown outcome
  }

  /** Drops the slots `done` marks dropped (-1), and reads still open (0), keeping the order. */
  private compact(done: Int8Array): void {
    const slots = this.n;
    let w = 0;
    for (let s = 0; s < slots; s++) {
      if (done[s] === -1 || (done[s] === 0 && this.kind[s] === K_READ)) continue;
      if (w !== s) {
        this.kind[w] = this.kind[s]!;
        this.callPos[w] = this.callPos[s]!;
        this.returnPos[w] = this.returnPos[s]!;
        this.aTag[w] = this.aTag[s]!;
        this.aNum[w] = this.aNum[s]!;
        this.bTag[w] = this.bTag[s]!;
        this.bNum[w] = this.bNum[s]!;
      }
      w++;
    }
    this.n = w;
  }

  /** The value a write of op i leaves (its value; cas: the new value). */
  written(i: number): Value {
    const kind = this.kind[i]!;
    const cas = kind === K_CAS || kind === K_CAS_UNKNOWN;
    return this.valueOf(cas ? this.bTag[i]! : this.aTag[i]!, cas ? this.bNum[i]! : this.aNum[i]!);
  }

  /** The value a read returned, or a cas compared with. */
  observed(i: number): Value {
    return this.valueOf(this.aTag[i]!, this.aNum[i]!);
  }

  private valueOf(tag: number, num: number): Value {
    if (tag === TAG_NULL) return null;
    if (tag === TAG_NUMBER) return num;
    for (const [v, id] of this.otherIds) if (id === num) return v;
    return null;
  }

  isWriteLike(i: number): boolean {
    const kind = this.kind[i]!;
    return kind === K_WRITE || kind === K_CAS || kind === K_CAS_UNKNOWN || kind === K_WRITE_UNKNOWN;
  }

  isUnknown(i: number): boolean {
    return this.returnPos[i] === Infinity;
  }
}

export interface CandidateOutcome {
  /** True: the candidate is a linearization (the key is linearizable). False: it is not (nothing is proven). */
  readonly verified: boolean;
  /** Why not, for notes and tests. */
  readonly reason?: string;
}

/**
 * Builds the candidate for one key from the order of its writes (`order`
 * gives each written value's position; values it does not know took no
 * effect, which is refused for an ok write) and verifies it.
 */
export function checkCandidate(h: KeyHistory, order: WriteOrder): CandidateOutcome {
  const n = h.n;
  // Each op's slot: writes at (position, 0), reads and mismatches at (position of the write they follow, 1).
  const slot = new Float64Array(n);
  const included = new Uint8Array(n);
  // The key's writes by position: positions ascending, with their op.
  const writeOps: number[] = [];
  const { kind: kinds, aTag, aNum, bTag, bNum } = h;
  for (let i = 0; i < n; i++) {
    const kind = kinds[i]!;
    if (kind !== K_WRITE && kind !== K_CAS && kind !== K_CAS_UNKNOWN && kind !== K_WRITE_UNKNOWN) continue;
    // What h.written(i) gives, null and numbers read straight from the columns.
    const cas = kind === K_CAS || kind === K_CAS_UNKNOWN;
    const tag = cas ? bTag[i]! : aTag[i]!;
    const pos = order.positionOf(tag === TAG_NULL ? null : tag === TAG_NUMBER ? (cas ? bNum[i]! : aNum[i]!) : h.written(i));
    if (pos < 0) {
      if (h.isUnknown(i)) continue; // never took effect
      return { verified: false, reason: `an acknowledged write of ${String(h.written(i))} is not in the write order` };
    }
    slot[i] = pos * 2;
    included[i] = 1;
    writeOps.push(i);
  }
  sortBy(writeOps, slot);
  const writePos = new Float64Array(writeOps.length);
  for (let k = 0; k < writeOps.length; k++) writePos[k] = slot[writeOps[k]!]! / 2;
  // Positions are whole and at most the log's length: a table from position to the first of the key's writes there.
  const maxWritePos = writePos.length === 0 ? 0 : writePos[writePos.length - 1]!;
  const indexAt = maxWritePos <= 8 * n + 1024 ? new Int32Array(maxWritePos + 1).fill(-1) : null;
  if (indexAt !== null) for (let k = writePos.length - 1; k >= 0; k--) indexAt[writePos[k]!] = k;
  /** Index into writeOps of the (first) write at position `pos`, or -1. */
  const writeIndexAt = (pos: number): number => {
    if (indexAt !== null) return pos >= 0 && pos <= maxWritePos && Number.isInteger(pos) ? indexAt[pos]! : -1;
    let lo = 0;
    let hi = writePos.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (writePos[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo < writePos.length && writePos[lo] === pos ? lo : -1;
  };
  for (let i = 0; i < n; i++) {
    if (kinds[i] !== K_READ) continue;
    const tag = aTag[i]!;
    const v = tag === TAG_NULL ? null : tag === TAG_NUMBER ? aNum[i]! : h.observed(i);
    if (v === null) {
      slot[i] = 1; // before every write (positions start at 1)
    } else {
      const pos = order.positionOf(v);
      if (pos < 0 || writeIndexAt(pos) < 0) return { verified: false, reason: `a read of ${String(v)}, which no write of this key put in the order` };
      slot[i] = pos * 2 + 1;
    }
    included[i] = 1;
  }
  // Mismatches: a sweep in event order; L is the latest slot among operations already returned.
  let mismatches = 0;
  for (let i = 0; i < n; i++) if (h.kind[i] === K_MISMATCH) mismatches++;
  // The sweep places cas mismatches only: a key without any needs none.
  const events = mismatches === 0 ? [] : eventsInOrder(h, included);
  let latest = 1; // the slot of "before any write"
  for (const e of events) {
    const i = e >> 1;
    if ((e & 1) === 1) {
      if (h.returnPos[i] !== Infinity && slot[i]! > latest) latest = slot[i]!;
      continue;
    }
    if (h.kind[i] !== K_MISMATCH) continue;
    // The write at or before `latest`, then one further if its value is the one compared with.
    const base = latest >> 1; // position of that write (0: none)
    let idx = base === 0 ? -1 : writeIndexAt(base);
    const old = h.observed(i);
    const valueAt = (k: number): Value => (k < 0 ? null : h.written(writeOps[k]!));
    if (sameValue(valueAt(idx), old)) idx++;
    if (idx >= writeOps.length) return { verified: false, reason: 'a cas mismatch with no write after it to make the compare fail' };
    slot[i] = idx < 0 ? 1 : writePos[idx]! * 2 + 1;
    included[i] = 1;
  }
  // The candidate: by slot, then call order (counting sort would do; the sort is stable on call order).
  const order2: number[] = [];
  for (let i = 0; i < n; i++) if (included[i] === 1) order2.push(i);
  if (inCallOrder(h)) sortBy(order2, slot);
  else order2.sort((x, y) => slot[x]! - slot[y]! || h.callPos[x]! - h.callPos[y]!);
  const returnPos = h.returnPos;
  for (let i = 0; i < n; i++) {
    if (included[i] === 0 && returnPos[i] !== Infinity) return { verified: false, reason: 'an operation of known outcome has no place' };
  }
  return verifyOrder(h, order2);
}

/**
 * Sorts `ops` by `slot[op]`, ties in the order they are given: what
 * `ops.sort((x, y) => slot[x] - slot[y])` does (a stable sort). Slots are
 * whole numbers from 0 (log positions): then a counting sort, linear in the
 * operations and the largest slot; otherwise the comparator.
 */
function sortBy(ops: number[], slot: Float64Array): void {
  const m = ops.length;
  let maxSlot = 0;
  let whole = true;
  for (let r = 0; r < m; r++) {
    const v = slot[ops[r]!]!;
    if (!(v >= 0 && Number.isInteger(v))) whole = false;
    else if (v > maxSlot) maxSlot = v;
  }
  if (!whole || maxSlot > 8 * m + 1024) {
    ops.sort((x, y) => slot[x]! - slot[y]!);
    return;
  }
  const starts = new Int32Array(maxSlot + 2);
  for (let r = 0; r < m; r++) starts[slot[ops[r]!]! + 1]!++;
  for (let v = 1; v <= maxSlot + 1; v++) starts[v]! += starts[v - 1]!;
  const given = ops.slice();
  for (let r = 0; r < m; r++) {
    const op = given[r]!;
    ops[starts[slot[op]!]!++] = op;
  }
}

/** True when the operations' calls are in strictly increasing position (as KeyHistory.of makes them): call order is index order. */
function inCallOrder(h: KeyHistory): boolean {
  for (let i = 1; i < h.n; i++) if (!(h.callPos[i]! > h.callPos[i - 1]!)) return false;
  return true;
}

/**
 * The calls (2i) and returns (2i + 1) of the operations `included` or cas
 * mismatches, by position, ties by event number: returns at infinity last.
 * With whole positions (event indices) spread over not much more than the
 * events, a counting sort by position; otherwise the comparator.
 */
function eventsInOrder(h: KeyHistory, included: Uint8Array): number[] {
  const n = h.n;
  const events: number[] = [];
  let whole = true;
  let minPos = Infinity;
  let maxPos = -Infinity;
  for (let i = 0; i < n; i++) {
    if (included[i] !== 1 && h.kind[i] !== K_MISMATCH) continue;
    events.push(i * 2, i * 2 + 1);
    const c = h.callPos[i]!;
    const r = h.returnPos[i]!;
    if (!Number.isInteger(c) || !(r === Infinity || Number.isInteger(r))) whole = false;
    else {
      minPos = Math.min(minPos, c, r === Infinity ? c : r);
      maxPos = Math.max(maxPos, c, r === Infinity ? c : r);
    }
  }
  const posOfEvent = (e: number): number => ((e & 1) === 0 ? h.callPos[e >> 1]! : h.returnPos[e >> 1]!);
  const m = events.length;
  if (!whole || m === 0 || maxPos - minPos > 8 * m + 1024) {
    events.sort((x, y) => posOfEvent(x) - posOfEvent(y) || x - y);
    return events;
  }
  // Buckets by position, one slot per position beyond the last for the returns at infinity; events in ascending
  // number within a bucket (they are visited in that order), as the comparator's tie-break orders them.
  const span = maxPos - minPos + 2;
  const starts = new Int32Array(span + 1);
  for (let k = 0; k < m; k++) {
    const p = posOfEvent(events[k]!);
    starts[(p === Infinity ? span - 1 : p - minPos) + 1]!++;
  }
  for (let b = 1; b <= span; b++) starts[b]! += starts[b - 1]!;
  const out = new Array<number>(m);
  for (let k = 0; k < m; k++) {
    const e = events[k]!;
    const p = posOfEvent(e);
    out[starts[p === Infinity ? span - 1 : p - minPos]!++] = e;
  }
  return out;
}

function sameValue(x: Value, y: Value): boolean {
  return x === y;
}

/**
 * Conditions (b) and (c) of the proof above, on a sequence of operation
 * indices. Every known operation must be in it (the caller's duty: (a)).
 */
export function verifyOrder(h: KeyHistory, order: readonly number[]): CandidateOutcome {
  let maxCall = -Infinity;
  let tag = TAG_NULL;
  let num = 0;
  for (let j = 0; j < order.length; j++) {
    const i = order[j]!;
    if (!(h.returnPos[i]! > maxCall)) return { verified: false, reason: `real-time order broken at candidate position ${j}` };
    if (h.callPos[i]! > maxCall) maxCall = h.callPos[i]!;
    const aTag = h.aTag[i]!;
    const aNum = h.aNum[i]!;
    const matches = tag === aTag && (tag === TAG_NULL || num === aNum);
    switch (h.kind[i]) {
      case K_READ:
        if (!matches) return { verified: false, reason: `a read at candidate position ${j} returned another value than the register held` };
        break;
      case K_WRITE:
      case K_WRITE_UNKNOWN:
        tag = aTag;
        num = aNum;
        break;
      case K_CAS:
        if (!matches) return { verified: false, reason: `a cas at candidate position ${j} did not find its old value` };
        tag = h.bTag[i]!;
        num = h.bNum[i]!;
        break;
      case K_CAS_UNKNOWN:
        if (matches) {
          tag = h.bTag[i]!;
          num = h.bNum[i]!;
        }
        break;
      case K_MISMATCH:
        if (matches) return { verified: false, reason: `a cas mismatch at candidate position ${j} found its old value` };
        break;
      default:
        break;
    }
  }
  return { verified: true };
}

/**
 * A write order read from the history alone, when the simulation's is not
 * at hand (a history file): acknowledged writes by completion, and writes
 * of unknown outcome just before the first read that returned their value
 * (the others never took effect, as far as anyone saw). A guess: the
 * verification decides.
 */
export function writeOrderFromHistory(h: KeyHistory): WriteOrder {
  const firstReadOf = new Map<Value, number>();
  for (let i = 0; i < h.n; i++) {
    if (h.kind[i] !== K_READ) continue;
    const v = h.observed(i);
    const r = h.returnPos[i]!;
    const known = firstReadOf.get(v);
    if (known === undefined || r < known) firstReadOf.set(v, r);
  }
  const keyed: { value: Value; at: number }[] = [];
  for (let i = 0; i < h.n; i++) {
    if (!h.isWriteLike(i)) continue;
    const v = h.written(i);
    const at = h.isUnknown(i) ? (firstReadOf.get(v) ?? Infinity) - 0.5 : h.returnPos[i]!;
    if (at !== Infinity) keyed.push({ value: v, at });
  }
  keyed.sort((x, y) => x.at - y.at);
  return new WritePositions(keyed);
}
