import { describe, expect, it } from 'vitest';
import { shrinkWorld } from '../src/fuzz/shrink.ts';
import { drawWorld, loadedScenario, type World } from '../src/fuzz/world.ts';
import { promisesOf } from '../src/run/promises.ts';

/**
 * docs/fuzzing.md, Shrinking: a step is kept only if the smaller world still
 * breaks the same promise — and that promise must still be one its
 * configuration makes. Otherwise a lost write under version vectors with a
 * clock behind would shrink to last-write-wins with that clock, which loses
 * writes by design, and the shrunk file would blame the model for it.
 */
function promises(world: World): readonly string[] {
  const scenario = loadedScenario(world);
  return promisesOf(scenario.models[0]!, [], scenario.network).promised;
}

/** A leaderless world with version vectors and n2's clock 50 ms behind (drawn, not pinned: the shrinker may remove both). */
function siblingsWithSkew(): World {
  const base = drawWorld(1, { kind: 'leaderless', pinned: {} });
  return { ...base, options: { replicas: 3, writeQuorum: 'quorum', readQuorum: 'quorum', conflicts: 'siblings', clockOffset: { n2: -50 } } };
}

describe('shrinking keeps the broken promise one the configuration makes', () => {
  it('version vectors with a clock behind are not shrunk to last-write-wins with it (which does not promise no lost writes)', () => {
    const start = siblingsWithSkew();
    expect(promises(start)).toContain('noLostWrites');
    // A failure that needs the clock off: every world that keeps n2 behind "still fails".
    const fails = (w: World) => (w.options['clockOffset'] as Record<string, number> | undefined)?.['n2'] === -50;
    const shrunk = shrinkWorld(start, {}, fails, { timeMs: 60_000, now: () => 0 });
    expect(shrunk.world.options['clockOffset']).toEqual({ n2: -50 });
    expect(promises(shrunk.world)).toContain('noLostWrites');
    expect(shrunk.world.options['conflicts']).toBe('siblings');
  });

  it('options that only add promises are still removed (a drawn W of one back to the default quorum)', () => {
    const start = { ...siblingsWithSkew(), options: { replicas: 3, writeQuorum: 'one', readQuorum: 'one', readRepair: 'none' } };
    const shrunk = shrinkWorld(start, {}, () => true, { timeMs: 60_000, now: () => 0 });
    expect(shrunk.world.options).toEqual({});
  });
});
