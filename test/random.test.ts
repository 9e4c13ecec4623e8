import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { rngStream } from '../src/core/random.ts';

describe('seeded random streams', () => {
  it('a stream draws exactly what seedrandom.alea draws from the same seed string, draw for draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom('network', 'workload', 'faults', 'timers/n1', 'timers/n5'), (seed, purpose) => {
        const ours = rngStream(seed, purpose);
        const reference = seedrandom.alea(`raftsim:${seed}:${purpose}`);
        for (let i = 0; i < 2000; i++) expect(Object.is(ours.next(), reference())).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('int, chance and pick consume one draw each, from the same sequence', () => {
    const a = rngStream(7, 'workload');
    const b = rngStream(7, 'workload');
    const ints: number[] = [];
    for (let i = 0; i < 100; i++) ints.push(a.int(3, 9), a.chance(0.25) ? 1 : 0, a.pick([10, 20, 30]));
    const expected: number[] = [];
    for (let i = 0; i < 100; i++) expected.push(3 + Math.floor(b.next() * 7), b.next() < 0.25 ? 1 : 0, [10, 20, 30][Math.floor(b.next() * 3)]!);
    expect(ints).toEqual(expected);
    expect(ints.every((x) => x >= 0)).toBe(true);
  });

  it('streams of different purposes or seeds differ', () => {
    const first = (seed: number, purpose: string) => rngStream(seed, purpose).next();
    expect(first(1, 'network')).not.toBe(first(1, 'workload'));
    expect(first(1, 'network')).not.toBe(first(2, 'network'));
  });
});
