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

/** Where each value was written, from a list of writes in the order they took effect. */
export class WritePositions implements WriteOrder {
  private readonly numbers: Float64Array;
  private readonly numberPos: Int32Array;
  private readonly others = new Map<Value, number>();

  constructor(writes: readonly { readonly value: Value }[]) {
    const idx: number[] = [];
    writes.forEach((w, i) => {
      if (typeof w.value === 'number') idx.push(i);
      else this.others.set(w.value, i + 1);
    });
    idx.sort((a, b) => (writes[a]!.value as number) - (writes[b]!.value as number) || a - b);
    this.numbers = new Float64Array(idx.length);
    this.numberPos = new Int32Array(idx.length);
    idx.forEach((i, k) => {
      this.numbers[k] = writes[i]!.value as number;
      this.numberPos[k] = i + 1;
    });
  }

  positionOf(v: Value): number {
    if (typeof v !== 'number') {
      const p = this.others.get(v);
      return p === undefined ? -1 : p;
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
    let invokes = 0;
    for (let i = 0; i < log.length; i++) if (log.typeCodeAt(i) === 0 && log.keyIdAt(i) === keyId) invokes++;
    const h = new KeyHistory(invokes);
    // Open invokes by process: their event index, and the slot reserved for them (call order).
    const open = new Map<number, number>();
    const done = new Int8Array(invokes); // 0 open, 1 kept, -1 dropped
    let k = 0;
    // Slots are filled in call order by construction, then compacted.
    const tmp = new KeyHistory(invokes);
    for (let i = 0; i < log.length; i++) {
      if (log.keyIdAt(i) !== keyId) continue;
      const p = log.processAt(i);
      const type = log.typeCodeAt(i);
      if (type === 0) {
        open.set(p, k);
        // Placeholder: an unknown outcome, settled by the completion if one comes.
        const f = log.fCodeAt(i);
        if (f === 0) tmp.add(K_READ, i, Infinity, null, null);
        else if (f === 1) tmp.add(K_WRITE_UNKNOWN, i, Infinity, log.firstValueAt(i), null);
        else tmp.add(K_CAS_UNKNOWN, i, Infinity, log.firstValueAt(i), log.writtenValueAt(i));
        k++;
        continue;
      }
      const s = open.get(p);
      if (s === undefined) continue;
      open.delete(p);
      const f = log.fCodeAt(i);
      if (type === 1) {
        done[s] = 1;
        tmp.returnPos[s] = i;
        if (f === 0) {
          tmp.kind[s] = K_READ;
          tmp.put(tmp.aTag, tmp.aNum, s, log.firstValueAt(i));
        } else tmp.kind[s] = f === 1 ? K_WRITE : K_CAS;
      } else if (type === 2) {
        if (f === 2 && log.errorAt(i) === 'mismatch') {
          done[s] = 1;
          tmp.returnPos[s] = i;
          tmp.kind[s] = K_MISMATCH;
        } else done[s] = -1;
      } else if (f === 0) done[s] = -1; // a read of unknown outcome
    }
    for (let s = 0; s < invokes; s++) {
      if (done[s] === -1 || (done[s] === 0 && tmp.kind[s] === K_READ)) continue;
      const i = h.n++;
      h.kind[i] = tmp.kind[s]!;
      h.callPos[i] = tmp.callPos[s]!;
      h.returnPos[i] = tmp.returnPos[s]!;
      h.aTag[i] = tmp.aTag[s]!;
      h.aNum[i] = tmp.aNum[s]!;
      h.bTag[i] = tmp.bTag[s]!;
      h.bNum[i] = tmp.bNum[s]!;
    }
    // Other values keep the ids tmp gave them.
    for (const [v, id] of tmp.otherIds) h.otherIds.set(v, id);
    return h;
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
  for (let i = 0; i < n; i++) {
    if (!h.isWriteLike(i)) continue;
    const pos = order.positionOf(h.written(i));
    if (pos < 0) {
      if (h.isUnknown(i)) continue; // never took effect
      return { verified: false, reason: `an acknowledged write of ${String(h.written(i))} is not in the write order` };
    }
    slot[i] = pos * 2;
    included[i] = 1;
    writeOps.push(i);
  }
  writeOps.sort((x, y) => slot[x]! - slot[y]!);
  const writePos = Float64Array.from(writeOps, (i) => slot[i]! / 2);
  /** Index into writeOps of the write at position `pos` (0: before any, -1 + 1 ...). */
  const writeIndexAt = (pos: number): number => {
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
    if (h.kind[i] !== K_READ) continue;
    const v = h.observed(i);
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
  const events: number[] = [];
  for (let i = 0; i < n; i++) if (included[i] === 1 || h.kind[i] === K_MISMATCH) events.push(i * 2, i * 2 + 1);
  const posOfEvent = (e: number): number => ((e & 1) === 0 ? h.callPos[e >> 1]! : h.returnPos[e >> 1]!);
  events.sort((x, y) => posOfEvent(x) - posOfEvent(y) || x - y);
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
  order2.sort((x, y) => slot[x]! - slot[y]! || h.callPos[x]! - h.callPos[y]!);
  for (let i = 0; i < n; i++) {
    if (included[i] === 0 && !h.isUnknown(i)) return { verified: false, reason: 'an operation of known outcome has no place' };
  }
  return verifyOrder(h, order2);
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
