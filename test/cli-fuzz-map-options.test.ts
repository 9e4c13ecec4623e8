import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/cli/fuzz-command.ts';
import { worldOf, type CampaignConfig } from '../src/fuzz/seed.ts';
import { fewestNodes, worldScenario } from '../src/fuzz/world.ts';
import { cli } from './helpers/cli.ts';

/**
 * `raftsim fuzz --options`: every option whose scenario value is a mapping of
 * node name to a value (clockDrift, clockOffset, cascade) is pinned with one
 * syntax, NODE:VALUE pairs joined by +; and as a world's node count is drawn,
 * a pinned option naming node nK gives every world at least K nodes.
 */
describe('map-valued options are pinned as NODE:VALUE pairs joined by +', () => {
  it.each([
    ['clockDrift=n1:0.05+n2:-0.05', 'clockDrift', { n1: 0.05, n2: -0.05 }],
    ['clockOffset=n2:-50+n3:20ms', 'clockOffset', { n2: -50, n3: '20ms' }],
    ['cascade=n3:n2+n4:n3', 'cascade', { n3: 'n2', n4: 'n3' }],
  ])('%s reads as the mapping a scenario would write', (text, key, map) => {
    expect(parseOptions([text])).toEqual({ [key]: map });
  });

  it.each([
    ['leaderless', { clockOffset: { n2: -50, n3: '20ms' }, conflicts: 'siblings' }, { clockOffsetUs: { n2: -50_000, n3: 20_000 } }],
    ['primary-replica', { cascade: { n3: 'n2' } }, { cascade: { n3: 'n2' } }],
    ['raft', { clockDrift: { n2: 0.03 } }, { clockDrift: { n2: 0.03 } }],
  ] as const)('a pinned %s map loads into every world as the model option', (kind, pinned, loaded) => {
    const config: CampaignConfig = { kind, pinned, allowed: [] };
    for (let seed = 1; seed <= 12; seed++) expect(worldScenario(worldOf(seed, config), '--options').models[0]).toMatchObject(loaded);
  });
});

describe('a pinned option naming a node gives every world that node', () => {
  it('the highest node named, as a key or as a value, sets the fewest nodes (3, 5, 7 or more)', () => {
    expect(fewestNodes(parseOptions(['clockDrift=n1:0.02']))).toBe(3);
    expect(fewestNodes(parseOptions(['clockOffset=n4:-50ms']))).toBe(5);
    expect(fewestNodes(parseOptions(['cascade=n3:n6']))).toBe(7);
    expect(fewestNodes(parseOptions(['members=n1+n2+n9']))).toBe(9);
  });

  it('clockOffset=n5:-50ms: every world has at least 5 nodes and loads (worlds drawn with 3 grow)', () => {
    const config: CampaignConfig = { kind: 'leaderless', pinned: parseOptions(['clockOffset=n5:-50ms,conflicts=siblings']), allowed: [] };
    const sizes = new Set<number>();
    for (let seed = 1; seed <= 30; seed++) {
      const world = worldOf(seed, config);
      sizes.add(world.nodes);
      expect(() => worldScenario(world, '--options')).not.toThrow();
    }
    expect([...sizes].sort()).toEqual([5, 7]);
  });

  it('the report names the world sizes the pinned map leaves', async () => {
    const { code, out } = await cli('fuzz', '--model', 'primary-replica', '--options', 'cascade=n5:n4', '--seeds', '1', '--shrink-time', '0', '--workers', '1', '--out', '/tmp/raftsim-map-options-test');
    expect(code).toBe(0);
    expect(out).toMatch(/^worlds: 5 or 7 nodes;/m);
  }, 60_000);
});

describe('a map option that is not NODE:VALUE pairs is a usage error saying what is expected', () => {
  it.each([
    ['clockOffset=n2', 'raftsim: --options: clockOffset=n2: "n2" is not NODE:VALUE; expected NODE:VALUE pairs joined by +, e.g. clockOffset=n3:-50ms+n1:20ms\n'],
    ['cascade=n3:', 'raftsim: --options: cascade=n3:: "n3:" is not NODE:VALUE; expected NODE:VALUE pairs joined by +, e.g. cascade=n3:n2+n4:n3\n'],
    ['clockDrift=leader:0.05', 'raftsim: --options: clockDrift=leader:0.05: "leader" is not a node of a fuzzed world; expected a node name n1, n2, … (a world of N nodes has n1 to nN)\n'],
    ['clockDrift=n1:0.01+n1:0.02', 'raftsim: --options: clockDrift=n1:0.01+n1:0.02: n1 is named twice; expected NODE:VALUE pairs joined by +, e.g. clockDrift=n1:0.05+n2:-0.05\n'],
  ])('%s', async (option, message) => {
    const { code, out, err } = await cli('fuzz', '--model', 'leaderless', '--options', option);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(message);
  });

  it('a value the option does not take is refused as a scenario would refuse it', async () => {
    const { code, err } = await cli('fuzz', '--model', 'leaderless', '--options', 'clockOffset=n2:soon');
    expect(code).toBe(2);
    expect(err).toMatch(/^raftsim: --options clockOffset=n2:soon: .*offset/);
  });
});
