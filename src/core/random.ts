/**
 * A seeded random stream. Every source of randomness in a run is one of these,
 * derived from the run's seed and a purpose name, so that changing one
 * purpose's consumption (say, the workload) never shifts another's (say, when
 * elections fire).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  /** True with probability p. Consumes exactly one draw, whatever p is. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
}

/**
 * Johannes Baagøe's Mash hash, exactly as seedrandom's `alea` seeds itself
 * with it (node_modules/seedrandom/lib/alea.js). Kept in one closure-free
 * object so that each seed string goes through the same arithmetic.
 */
class Mash {
  private n = 0xefc8249d;

  hash(data: string): number {
    let n = this.n;
    for (let i = 0; i < data.length; i++) {
      n += data.charCodeAt(i);
      let h = 0.02519603282416938 * n;
      n = h >>> 0;
      h -= n;
      h *= n;
      n = h >>> 0;
      h -= n;
      n += h * 0x100000000; // 2^32
    }
    this.n = n;
    return (n >>> 0) * 2.3283064365386963e-10; // 2^-32
  }
}

/**
 * Alea, inlined: the same state and the same arithmetic as seedrandom's
 * `alea(seed)`, so every stream yields exactly the draws it always did
 * (test/random-alea.test.ts compares the two over many draws). seedrandom
 * returns a closure over a state object; the simulator draws three times per
 * message, and a method on plain fields is cheaper to call.
 */
class AleaRng implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private c = 1;

  constructor(seed: string) {
    const mash = new Mash();
    let s0 = mash.hash(' ');
    let s1 = mash.hash(' ');
    let s2 = mash.hash(' ');
    s0 -= mash.hash(seed);
    if (s0 < 0) s0 += 1;
    s1 -= mash.hash(seed);
    if (s1 < 0) s1 += 1;
    s2 -= mash.hash(seed);
    if (s2 < 0) s2 += 1;
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
  }

  next(): number {
    const t = 2091639 * this.s0 + this.c * 2.3283064365386963e-10; // 2^-32
    this.s0 = this.s1;
    this.s1 = this.s2;
    this.c = t | 0;
    return (this.s2 = t - this.c);
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/** The stream for one purpose (`network`, `timers/n3`, `workload`, `faults`, ...) of a run seeded with `seed`. */
export function rngStream(seed: number, purpose: string): Rng {
  return new AleaRng(`raftsim:${seed}:${purpose}`);
}
