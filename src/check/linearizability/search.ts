import type { CompiledKey } from './model.ts';

/**
 * Wing & Gong's search for a linearization of one key's history, with Lowe's
 * memoisation, after Porcupine's checker.go.
 *
 * The history is a doubly linked list of call and return entries in time
 * order. The search walks it from the head: at a call it tries to linearize
 * that operation next (the model must accept it from the current state, and
 * the pair (set of linearized operations, new state) must not have been seen
 * before); if so the operation's call and return are lifted out of the list
 * and the walk restarts at the head. Reaching a return means the operation
 * that returns there cannot be postponed any further and nothing before it
 * could be ordered: the search backtracks, unlifting the last operation it
 * linearized and trying the call after it. Backtracking with nothing to undo
 * means there is no linearization.
 *
 * Five reductions, each sound because any linearization can be rewritten
 * into one the search still explores, and each a function of the
 * configuration alone, so that Lowe's cache stays exact:
 *
 * 1. Done early: once every operation of known outcome is ordered, the
 *    unknown rest can go last, where nothing observes them.
 * 2. Forced reads: a legal read-only operation (read, cas mismatch) that may
 *    go next is ordered next, and nothing else is tried there (moving it to
 *    the front of any linearization changes no state and breaks no
 *    real-time order).
 * 3. Idle unknowns: an operation of unknown outcome that would not change the
 *    state is skipped (it may as well never take effect).
 * 4. Interchangeable unknowns: operations of unknown outcome with the same
 *    effect are ordered by call (swapping two of them in a linearization
 *    leaves a linearization).
 * 5. Overwritten unknowns: nothing that overwrites the state blindly (a
 *    write, a put) is ordered straight after an operation of unknown
 *    outcome, whose effect it would erase: that operation may as well never
 *    have taken effect. What may follow now depends on whether the last
 *    operation was of unknown outcome, so that bit is part of the
 *    configuration, and of the cache key.
 *
 * Everything per step works on typed arrays: the list is index-linked, the
 * set of linearized operations is a bitset with an incrementally maintained
 * 64-bit Zobrist hash, and the cache of seen (bitset, state) pairs is an
 * open-addressing table whose entries live in one flat typed array. A step
 * allocates nothing (the cache grows by doubling), and the step and memory
 * budgets make every search finish.
 */

const NIL = -1;
const HEAD = 0;

export interface SearchOutcome {
  /** True: linearizable. False: not. Null: a budget ran out first (see `exhausted`). */
  readonly verdict: boolean | null;
  /** Which budget ran out, when the verdict is null. */
  readonly exhausted?: 'steps' | 'memory';
  readonly steps: number;
  /** The deepest partial linearization reached (op indices in order), when the verdict is false. */
  readonly prefix: Int32Array;
}

/** Deterministic pseudo-random 32-bit words for the Zobrist keys (splitmix32 from a fixed seed). */
function zobristKeys(n: number, seed: number): Int32Array {
  const keys = new Int32Array(n);
  let s = seed | 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    keys[i] = z ^ (z >>> 16);
  }
  return keys;
}

/** The first cache table size (slots, a power of two); it doubles whenever it is half full. */
const CACHE_SLOTS_INITIAL = 1 << 12;
/**
 * The most int32 words the cache's records may take (256 MiB): a search that
 * needs more stops with an unknown verdict instead of exhausting the heap. It
 * counts words, not bytes of the host, so the limit is a function of the input.
 */
export const CACHE_WORDS_MAX = 1 << 26;
/** Record fields before the bitset words: the two hash lanes and the model state. */
const REC_H1 = 0;
const REC_H2 = 1;
const REC_STATE = 2;
const REC_BITS = 3;

/** Where a cache slot for (set hash, state) starts probing. */
function slotHash(h1: number, state: number): number {
  let z = h1 ^ Math.imul(state + 1, 0x9e3779b1);
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}

/** A cache table twice the size, with the same records. */
function rehash(records: Int32Array, count: number, stride: number, size: number): Int32Array<ArrayBuffer> {
  const slots = new Int32Array(size);
  const mask = size - 1;
  for (let e = 0; e < count; e++) {
    const base = e * stride;
    let slot = slotHash(records[base + REC_H1]!, records[base + REC_STATE]!) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = e + 1;
  }
  return slots;
}

function grow(records: Int32Array): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(records.length * 2);
  bigger.set(records);
  return bigger;
}

/** Zobrist seeds: any fixed constants; two lanes make a 64-bit set hash. */
const ZOBRIST_SEED_1 = 0x2545f491;
const ZOBRIST_SEED_2 = 0x6b43a9b5;

export function searchKey(
  key: CompiledKey,
  callPos: Float64Array,
  returnPos: Float64Array,
  maxSteps: number,
): SearchOutcome {
  const n = key.n;
  const entries = 2 * n + 1;
  // Entry 0 is the head sentinel; 1..2n are calls and returns in time order.
  const next = new Int32Array(entries);
  const prev = new Int32Array(entries);
  const entryOp = new Int32Array(entries);
  const isCall = new Uint8Array(entries);
  const match = new Int32Array(entries);

  // Time order: by position; unknown returns (Infinity) last, in call order. Calls and
  // returns never share a position (each is its own event).
  const order = new Array<number>(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  const posOf = (x: number): number => (x < n ? callPos[x]! : returnPos[x - n]!);
  order.sort((x, y) => posOf(x) - posOf(y) || x - y);
  const callEntryOf = new Int32Array(n);
  const returnEntryOf = new Int32Array(n);
  for (let k = 0; k < 2 * n; k++) {
    const x = order[k]!;
    const entry = k + 1;
    if (x < n) {
      entryOp[entry] = x;
      isCall[entry] = 1;
      callEntryOf[x] = entry;
    } else {
      entryOp[entry] = x - n;
      returnEntryOf[x - n] = entry;
    }
  }
  for (let op = 0; op < n; op++) match[callEntryOf[op]!] = returnEntryOf[op]!;
  for (let entry = 0; entry < entries; entry++) {
    prev[entry] = entry - 1;
    next[entry] = entry + 1 < entries ? entry + 1 : NIL;
  }

  const words = Math.max(1, Math.ceil(n / 32));
  const bits = new Int32Array(words);
  const z1 = zobristKeys(n, ZOBRIST_SEED_1);
  const z2 = zobristKeys(n, ZOBRIST_SEED_2);
  let h1 = 0;
  let h2 = 0;

  // The cache of explored configurations (linearized set, state, whether the last op
  // was of unknown outcome): open addressing over `slots` (record index + 1; 0 is
  // empty), records of `stride` int32s laid out [h1, h2, state * 2 + unknown bit,
  // bitset words...] so that a lookup touches one record. Every configuration in it
  // has failed: a success ends the search, and a configuration on the current path
  // cannot be met again below itself (the set only grows).
  const stride = REC_BITS + words;
  let slots = new Int32Array(CACHE_SLOTS_INITIAL);
  let mask = CACHE_SLOTS_INITIAL - 1;
  let records = new Int32Array((CACHE_SLOTS_INITIAL / 2) * stride);
  let cached = 0;

  const readOnly = new Uint8Array(n);
  for (let op = 0; op < n; op++) readOnly[op] = key.isReadOnly(op) ? 1 : 0;
  const blind = new Uint8Array(n);
  for (let op = 0; op < n; op++) blind[op] = key.isBlindWrite(op) ? 1 : 0;

  // Reduction 4. Interchangeable operations: those of unknown outcome with the same effect
  // (kind and arguments). Any linearization that orders two of them out of call
  // order stays one when they swap places (both have no return to respect, and
  // whatever had to precede the later call precedes the earlier one), so the
  // search orders each class by call: only the class's next op is ever tried.
  const opClass = new Int32Array(n).fill(-1);
  const classRank = new Int32Array(n);
  const classes = new Map<string, number>();
  const classSize: number[] = [];
  for (let op = 0; op < n; op++) {
    if (returnPos[op] !== Infinity) continue;
    const effect = `${key.kind[op]}:${key.a[op]}:${key.b[op]}`;
    let c = classes.get(effect);
    if (c === undefined) {
      c = classSize.length;
      classes.set(effect, c);
      classSize.push(0);
    }
    opClass[op] = c;
    classRank[op] = classSize[c]!++;
  }
  const classDone = new Int32Array(classSize.length);
  // Reduction 1. Operations of known outcome still to order: once none is left, the rest (all of
  // unknown outcome) can go last, in any order, where nothing observes them.
  let knownLeft = 0;
  for (let op = 0; op < n; op++) if (returnPos[op] !== Infinity) knownLeft++;

  const stackEntry = new Int32Array(n);
  const stackState = new Int32Array(n);
  const stackForced = new Uint8Array(n);
  let depth = 0;
  const best = new Int32Array(n);
  let bestDepth = 0;
  // best[0, bestSame) equals the ops on the stack[0, bestSame).
  let bestSame = 0;

  let state = 0;
  let entry = HEAD;
  let steps = 0;
  // The last op ordered is of unknown outcome (part of the configuration, see reduction 5).
  let afterUnknown = false;
  // At a configuration reached for the first time, look for a forced move first.
  let fresh = true;
  // The entry being tried is a forced move: if it fails, so does its configuration.
  let forcing = false;

  while (knownLeft > 0) {
    if (steps >= maxSteps) {
      return { verdict: null, exhausted: 'steps', steps, prefix: best.slice(0, bestDepth) };
    }
    steps++;
    if (fresh) {
      // Reduction 2: a read-only operation (a read, a cas mismatch) that may go next and
      // is legal now can be ordered first: in any linearization from here, moving it to the
      // front keeps every later state (it changes none) and breaks no real-time order
      // (nothing pending returned before its call, or it could not go next). So it is the
      // only move worth trying; if it fails, this configuration fails.
      fresh = false;
      entry = next[HEAD]!;
      for (let e = entry; e !== NIL && isCall[e] === 1; e = next[e]!) {
        const op = entryOp[e]!;
        if (readOnly[op] === 1 && key.step(state, op) >= 0) {
          entry = e;
          forcing = true;
          break;
        }
      }
    }
    let backtrack = false;
    if (isCall[entry] === 1) {
      const op = entryOp[entry]!;
      const c = opClass[op]!;
      // Reduction 4 (class order), and reduction 5: no blind write straight after an unknown outcome.
      if ((c >= 0 && classRank[op] !== classDone[c]) || (afterUnknown && blind[op] === 1)) {
        entry = next[entry]!;
        continue;
      }
      const newState = key.step(state, op);
      // Reduction 3: an unknown outcome that would change nothing here may as well never
      // take effect, so skip it.
      if (newState < 0 || (c >= 0 && newState === state)) {
        entry = next[entry]!;
        continue;
      }
      const w = op >>> 5;
      const bit = 1 << (op & 31);
      bits[w] = bits[w]! | bit;
      const n1 = h1 ^ z1[op]!;
      const n2 = h2 ^ z2[op]!;
      // Look (n1, n2, newState, bits) up; the probe ends at the empty slot where it would go.
      // The cache key's state says whether the op is of unknown outcome: reduction 5 makes
      // what may follow depend on it, so it is part of the configuration.
      const stateKey = newState * 2 + (c >= 0 ? 1 : 0);
      let slot = slotHash(n1, stateKey) & mask;
      let seen = false;
      for (let held = slots[slot]!; held !== 0; held = slots[slot]!) {
        const base = (held - 1) * stride;
        if (records[base + REC_H1] === n1 && records[base + REC_H2] === n2 && records[base + REC_STATE] === stateKey) {
          let same = true;
          for (let k = 0; k < words; k++) {
            if (records[base + REC_BITS + k] !== bits[k]) {
              same = false;
              break;
            }
          }
          if (same) {
            seen = true;
            break;
          }
        }
        slot = (slot + 1) & mask;
      }
      if (seen) {
        // Explored before, and it failed (a success would have ended the search).
        bits[w] = bits[w]! & ~bit;
        if (!forcing) {
          entry = next[entry]!;
          continue;
        }
        backtrack = true;
      } else {
        // New: remember it, then linearize op.
        if ((cached + 1) * stride > records.length) {
          if (records.length * 2 > CACHE_WORDS_MAX) {
            return { verdict: null, exhausted: 'memory', steps, prefix: best.slice(0, bestDepth) };
          }
          records = grow(records);
        }
        const base = cached * stride;
        records[base + REC_H1] = n1;
        records[base + REC_H2] = n2;
        records[base + REC_STATE] = stateKey;
        for (let k = 0; k < words; k++) records[base + REC_BITS + k] = bits[k]!;
        cached++;
        slots[slot] = cached;
        if (cached * 2 > slots.length) {
          slots = rehash(records, cached, stride, slots.length * 2);
          mask = slots.length - 1;
        }
        stackEntry[depth] = entry;
        stackState[depth] = state;
        stackForced[depth] = forcing ? 1 : 0;
        if (bestSame === depth && depth < bestDepth && best[depth] === op) bestSame++;
        depth++;
        if (c >= 0) classDone[c]++;
        else knownLeft--;
        h1 = n1;
        h2 = n2;
        state = newState;
        afterUnknown = c >= 0;
        forcing = false;
        fresh = true;
        // lift: unlink the call, then its return.
        next[prev[entry]!] = next[entry]!;
        prev[next[entry]!] = prev[entry]!;
        const m = match[entry]!;
        next[prev[m]!] = next[m]!;
        if (next[m] !== NIL) prev[next[m]!] = prev[m]!;
        if (depth > bestDepth) {
          // Copy only where the stack differs from the best so far: amortised O(1) per push.
          for (let d = bestSame; d < depth; d++) best[d] = entryOp[stackEntry[d]!]!;
          bestDepth = depth;
          bestSame = depth;
        }
        continue;
      }
    } else {
      // A return: the operation returning here is pending and nothing before it fits.
      backtrack = true;
    }
    if (backtrack) {
      forcing = false;
      // Undo the last move; undo a forced move's parent too, since its configuration failed with it.
      for (;;) {
        if (depth === 0) {
          return { verdict: false, steps, prefix: best.slice(0, bestDepth) };
        }
        depth--;
        if (bestSame > depth) bestSame = depth;
        entry = stackEntry[depth]!;
        state = stackState[depth]!;
        const op = entryOp[entry]!;
        if (opClass[op]! >= 0) classDone[opClass[op]!]--;
        else knownLeft++;
        bits[op >>> 5] = bits[op >>> 5]! & ~(1 << (op & 31));
        h1 ^= z1[op]!;
        h2 ^= z2[op]!;
        // unlift: relink the return, then the call.
        const m = match[entry]!;
        next[prev[m]!] = m;
        if (next[m] !== NIL) prev[next[m]!] = m;
        next[prev[entry]!] = entry;
        prev[next[entry]!] = entry;
        if (stackForced[depth] === 0) break;
      }
      afterUnknown = depth > 0 && opClass[entryOp[stackEntry[depth - 1]!]!]! >= 0;
      entry = next[entry]!;
    }
  }
  return { verdict: true, steps, prefix: new Int32Array(0) };
}
