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

class AleaRng implements Rng {
  private readonly prng: seedrandom.PRNG;

  constructor(seed: string) {
    this.prng = seedrandom.alea(seed);
  }

  next(): number {
    return this.prng();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.prng() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.prng() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.prng() * items.length)]!;
  }
}

/** The stream for one purpose (`network`, `timers/n3`, `workload`, `faults`, ...) of a run seeded with `seed`. */
export function rngStream(seed: number, purpose: string): Rng {
  return new AleaRng(`raftsim:${seed}:${purpose}`);
}
