import { describe, expect, it } from 'vitest';
import type { CampaignConfig } from '../src/fuzz/seed.ts';
import { drawWorld } from '../src/fuzz/world.ts';
import { leaderlessPromises, type LeaderlessModelSpec } from '../src/run/leaderless-model.ts';
import { parseScenario } from '../src/scenario/load.ts';
import { worldYaml } from '../src/fuzz/world.ts';

/**
 * docs/fuzzing.md: the fuzzer holds every leaderless world to no lost writes,
 * so it draws only worlds whose configuration promises it — a sloppy quorum
 * keeps its hinted handoff, last-write-wins keeps clocks in agreement —
 * whatever the user pinned of the rest. A world that loses writes by design
 * would be reported as a bug of the model.
 */
const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1);

function spec(config: CampaignConfig, seed: number): LeaderlessModelSpec {
  const scenario = parseScenario(worldYaml(drawWorld(seed, config)), `seed-${seed}.yaml`);
  return scenario.models[0] as LeaderlessModelSpec;
}

describe('every drawn leaderless world promises no lost writes', () => {
  it.each([
    ['sloppyQuorum=true', { sloppyQuorum: true }],
    ['hintedHandoff=false', { hintedHandoff: false }],
    ['nothing', {}],
    ['conflicts=lww', { conflicts: 'lww' }],
  ] as const)('with %s pinned, no world is a sloppy quorum without hinted handoff, nor last-write-wins with clocks off', (_label, pinned) => {
    const config: CampaignConfig = { kind: 'leaderless', pinned, allowed: [] };
    const bad = SEEDS.filter((seed) => !leaderlessPromises(spec(config, seed)).promised.includes('noLostWrites'));
    expect(bad).toEqual([]);
  });

  it('the pinned value is kept: sloppyQuorum=true gives sloppy worlds, hintedHandoff=false worlds without handoff', () => {
    for (const seed of SEEDS.slice(0, 50)) {
      expect(spec({ kind: 'leaderless', pinned: { sloppyQuorum: true }, allowed: [] }, seed)).toMatchObject({ sloppyQuorum: true, hintedHandoff: true });
      expect(spec({ kind: 'leaderless', pinned: { hintedHandoff: false }, allowed: [] }, seed)).toMatchObject({ sloppyQuorum: false, hintedHandoff: false });
    }
  });
});
