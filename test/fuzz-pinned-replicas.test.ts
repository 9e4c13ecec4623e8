import { describe, expect, it } from 'vitest';
import { runSeed, type CampaignConfig } from '../src/fuzz/seed.ts';
import { shrinkWorld } from '../src/fuzz/shrink.ts';
import { drawWorld, worldYaml } from '../src/fuzz/world.ts';
import { parseScenario } from '../src/scenario/load.ts';

/**
 * `raftsim fuzz --model leaderless --options replicas=N`: a pinned N is a
 * promise about every world, so every world has at least N nodes (a key
 * cannot live on more nodes than there are). Before, a world drawn with 3
 * nodes was refused and the whole campaign with it (exit 2).
 */
const FIVE: CampaignConfig = { kind: 'leaderless', pinned: { replicas: 5, writeQuorum: 3, readQuorum: 3 }, allowed: [] };

describe('a pinned replica count', () => {
  it('every world has at least as many nodes as the pinned replicas, and loads as a scenario', () => {
    const sizes = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const world = drawWorld(seed, FIVE);
      sizes.add(world.nodes);
      expect(world.nodes).toBeGreaterThanOrEqual(5);
      const scenario = parseScenario(worldYaml(world), `seed-${seed}.yaml`);
      expect(scenario.models[0]).toMatchObject({ replicas: 5 });
    }
    // Worlds drawn with 7 nodes keep 7: only the ones drawn too small grow.
    expect([...sizes].sort()).toEqual([5, 7]);
  });

  it('a world drawn large enough is the same world whether or not replicas is pinned (but for the option)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const free = drawWorld(seed, { kind: 'leaderless', pinned: {}, allowed: [] } as CampaignConfig);
      if (free.nodes < 5) continue;
      const pinned = drawWorld(seed, FIVE);
      expect({ ...pinned, options: null }).toEqual({ ...free, options: null });
    }
  });

  it('a seed of a pinned N = 5 campaign whose world would have had 3 nodes runs (it is not refused as a bad option)', () => {
    const seed = Array.from({ length: 40 }, (_, i) => i + 1).find((s) => drawWorld(s, { kind: 'leaderless', pinned: {}, allowed: [] } as CampaignConfig).nodes === 3)!;
    expect(seed).toBeDefined();
    const result = runSeed(seed, FIVE);
    expect(result.nodes).toBeGreaterThanOrEqual(5);
    expect(result.failures.filter((f) => f.key === 'threw')).toEqual([]);
  });

  it('shrinking takes nodes away only down to the pinned replicas', () => {
    const world = drawWorld(1, FIVE);
    const big = { ...world, nodes: 7 };
    const shrunk = shrinkWorld(big, FIVE.pinned, () => true, { timeMs: 60_000, now: () => 0 });
    expect(shrunk.world.nodes).toBe(5);
  });
});
