import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { rngStream } from '../src/core/random.ts';

// src/core/random.ts inlines Alea for speed. Every trace depends on it giving
// exactly seedrandom's alea draws, in the same order, for the same seed string.
describe('inlined Alea', () => {
  const purposes = ['network', 'workload', 'faults', 'timers/n1', 'timers/n5', '', 'x'.repeat(300), 'ünïcødé ✓'];
  const seeds = [0, 1, 2, 3, 7, 42, 123456789, -5, 2 ** 40];

  it('draws the same numbers as seedrandom.alea, for many seeds and purposes', () => {
    for (const seed of seeds) {
      for (const purpose of purposes) {
        const ours = rngStream(seed, purpose);
        const theirs = seedrandom.alea(`raftsim:${seed}:${purpose}`);
        for (let i = 0; i < 20_000; i++) {
          const a = ours.next();
          const b = theirs();
          if (a !== b) expect({ seed, purpose, i, a }).toEqual({ seed, purpose, i, a: b });
        }
      }
    }
  });

  it('int, chance and pick consume one draw each, as before', () => {
    const ours = rngStream(9, 'mixed');
    const theirs = seedrandom.alea('raftsim:9:mixed');
    const items = ['a', 'b', 'c', 'd', 'e'];
    for (let i = 0; i < 50_000; i++) {
      switch (i % 3) {
        case 0:
          expect(ours.int(-3, 1000)).toBe(-3 + Math.floor(theirs() * 1004));
          break;
        case 1:
          expect(ours.chance(0.3)).toBe(theirs() < 0.3);
          break;
        default:
          expect(ours.pick(items)).toBe(items[Math.floor(theirs() * items.length)]);
      }
    }
  });
});
