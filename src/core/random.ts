import seedrandom from 'seedrandom';

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
 * Baagøe's Alea, as seedrandom's `alea` computes it, draw for draw: seedrandom
 * seeds it (its Mash of the seed string) and this class draws. seedrandom
 * keeps the state in the fields of a closure's object, where every draw
 * stores three fresh doubles; here it is a Float64Array, so a draw allocates
 * nothing. The arithmetic is the same, so the numbers are bit for bit the
 * same (test/random.test.ts holds it to seedrandom's own generator).
 */
class AleaRng implements Rng {
  /** s0, s1, s2, c. */
  private readonly state = new Float64Array(4);

  constructor(seed: string) {
    const { s0, s1, s2, c } = (seedrandom.alea(seed, { state: true }) as seedrandom.PRNG & { state(): AleaState }).state();
    this.state[0] = s0;
    this.state[1] = s1;
    this.state[2] = s2;
    this.state[3] = c;
  }

  next(): number {
    const s = this.state;
    const t = 2091639 * s[0]! + s[3]! * 2.3283064365386963e-10; // 2^-32
    s[0] = s[1]!;
    s[1] = s[2]!;
    const c = t | 0;
    s[3] = c;
    return (s[2] = t - c);
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

interface AleaState {
  readonly c: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
}

/** The stream for one purpose (`network`, `timers/n3`, `workload`, `faults`, ...) of a run seeded with `seed`. */
export function rngStream(seed: number, purpose: string): Rng {
  return new AleaRng(`raftsim:${seed}:${purpose}`);
}
