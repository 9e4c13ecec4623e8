import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import type { CampaignConfig } from '../src/fuzz/seed.ts';
import { drawWorld, worldYaml } from '../src/fuzz/world.ts';
import { ANTI_ENTROPY_MIN, type LeaderlessModelSpec } from '../src/run/leaderless-model.ts';
import { parseScenario } from '../src/scenario/load.ts';

/**
 * A leaderless model's antiEntropy is 0 (never) or at least ANTI_ENTROPY_MIN:
 * every node exchanges all its keys each period, so `antiEntropy: 1us` made a
 * 15 s scenario run for minutes. Below the floor is refused at its line and
 * column with what was expected; the fuzzer never draws below it.
 */

function scenario(antiEntropy: string): string {
  return [
    'name: ae',
    'duration: 2s',
    'nodes: 3',
    'models:',
    '  - kind: leaderless',
    `    antiEntropy: ${antiEntropy}`,
    'workload: { clients: 2, keys: 2 }',
  ].join('\n');
}

function antiEntropyUs(text: string): number {
  return (parseScenario(text, 'ae.yaml').models[0] as LeaderlessModelSpec).antiEntropyUs;
}

describe('antiEntropy: 0 (never) or at least 1ms', () => {
  it.each(['1us', '999us', '0.5', '0.001ms'])('%s is refused at its line and column, with what was expected', (value) => {
    const text = scenario(value);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('antiEntropy:'));
    const col = lines[line]!.indexOf(value) + 1;
    let message = '';
    try {
      parseScenario(text, 'ae.yaml');
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      message = (error as InputError).message;
    }
    const shown = /^[\d.]+$/.test(value) ? value : JSON.stringify(value);
    expect(message).toBe(`ae.yaml:${line + 1}:${col}: ${shown} is out of range; expected 0 (never) or a time from ${ANTI_ENTROPY_MIN.text} to 24h (a day)`);
  });

  it('0, the floor itself and the default are accepted', () => {
    expect(antiEntropyUs(scenario('0'))).toBe(0);
    expect(antiEntropyUs(scenario(ANTI_ENTROPY_MIN.text))).toBe(ANTI_ENTROPY_MIN.us);
    expect(antiEntropyUs(scenario('1'))).toBe(ANTI_ENTROPY_MIN.us);
    expect(antiEntropyUs(scenario('500ms'))).toBe(500_000);
  });

  it('raftsim fuzz never draws a leaderless world below the floor', () => {
    const config: CampaignConfig = { kind: 'leaderless', pinned: {}, allowed: [] };
    const drawn = Array.from({ length: 200 }, (_, i) => {
      const spec = parseScenario(worldYaml(drawWorld(i + 1, config)), `seed-${i + 1}.yaml`).models[0] as LeaderlessModelSpec;
      return spec.antiEntropyUs;
    });
    expect(drawn.filter((us) => us !== 0 && us < ANTI_ENTROPY_MIN.us)).toEqual([]);
    // The draw does vary: both never and some period are drawn.
    expect(new Set(drawn).size).toBeGreaterThan(1);
  });
});
