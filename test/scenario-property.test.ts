import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { stringify } from 'yaml';
import { parseDuration } from '../src/core/time.ts';
import { TIME_PATTERN } from '../src/scenario/fields.ts';
import { parseScenario } from '../src/scenario/load.ts';
import type { FaultAction } from '../src/scenario/types.ts';

/**
 * The schema's time pattern (what editors check, and what the loader
 * accepts) and core/time.ts's parseDuration (what the simulator computes)
 * must agree on every string, or a file could pass one and fail the other.
 */
test.prop([fc.string({ unit: fc.constantFrom(...'0123456789.umsh -'.split('')), maxLength: 8 })])(
  'the time pattern accepts exactly the strings parseDuration parses',
  (text) => {
    expect(TIME_PATTERN.test(text)).toBe(parseDuration(text) !== null);
  },
);

// ---------------------------------------------------------------- any valid scenario parses

const RESERVED = ['leader', 'follower', 'rest', 'random', 'all'];

/** A time written in one of the accepted forms, with its value in µs. */
function writtenTime(ms: number): fc.Arbitrary<{ written: string | number; us: number }> {
  return fc.constantFrom<{ written: string | number; us: number }>(
    { written: `${ms}ms`, us: ms * 1000 },
    { written: ms, us: ms * 1000 },
    { written: `${ms * 1000}us`, us: ms * 1000 },
    { written: `${ms / 1000}s`, us: ms * 1000 },
  );
}

const nodesArb = fc.oneof(
  fc.integer({ min: 1, max: 7 }).map((count) => ({ written: count as number | string[], names: Array.from({ length: count }, (_, i) => `n${i + 1}`) })),
  fc
    .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/), { minLength: 1, maxLength: 7 })
    .filter((names) => names.every((name) => !RESERVED.includes(name)))
    .map((names) => ({ written: names as number | string[], names })),
);

interface GeneratedFault {
  readonly item: Record<string, unknown>;
  readonly action: FaultAction;
  readonly atUs: number;
}

function faultArb(names: readonly string[], durationMs: number): fc.Arbitrary<GeneratedFault> {
  const target = fc.constantFrom(...names, 'leader', 'random');
  const at = fc.integer({ min: 0, max: durationMs }).chain(writtenTime);
  type Generated = { value: unknown; key: string; action: FaultAction };
  // A cut needs two different nodes: with one node, leave it out rather than filter forever.
  const cut: fc.Arbitrary<Generated>[] =
    names.length < 2
      ? []
      : [
          fc
            .tuple(fc.integer({ min: 0, max: names.length - 1 }), fc.integer({ min: 1, max: names.length - 1 }), fc.boolean())
            .map(([i, step, both]) => {
              const from = names[i]!;
              const to = names[(i + step) % names.length]!;
              return { key: 'cut', value: { from, to, both }, action: { action: 'cut', from, to, both } as FaultAction };
            }),
        ];
  const action: fc.Arbitrary<Generated> = fc.oneof(
    ...cut,
    target.map((t) => ({ key: 'crash', value: t, action: { action: 'crash', target: t } as FaultAction })),
    fc.constantFrom(...names, 'leader', 'random', 'all').map((t) => ({ key: 'restart', value: t, action: { action: 'restart', target: t } as FaultAction })),
    target.map((t) => ({ key: 'isolate', value: t, action: { action: 'isolate', target: t } as FaultAction })),
    fc.constant({ key: 'heal', value: true, action: { action: 'heal' } as FaultAction }),
    fc.double({ min: 0, max: 1, noNaN: true }).map((drop) => ({ key: 'network', value: { drop }, action: { action: 'network', drop } as FaultAction })),
    // A partition: the nodes shuffled, cut into groups; optionally the last group becomes [rest].
    fc
      .tuple(fc.shuffledSubarray([...names], { minLength: names.length, maxLength: names.length }), fc.array(fc.boolean(), { minLength: names.length, maxLength: names.length }), fc.boolean())
      .map(([order, cuts, useRest]) => {
        const groups: string[][] = [[]];
        order.forEach((name, i) => {
          if (i > 0 && cuts[i] === true) groups.push([]);
          groups[groups.length - 1]!.push(name);
        });
        if (useRest) groups[groups.length - 1] = ['rest'];
        return { key: 'partition', value: groups, action: { action: 'partition', groups } as FaultAction };
      }),
  );
  return fc.tuple(at, action).map(([time, a]) => ({ item: { at: time.written, [a.key]: a.value }, action: a.action, atUs: time.us }));
}

const scenarioArb = fc
  .record({
    nodes: nodesArb,
    durationMs: fc.integer({ min: 1, max: 120_000 }),
    seed: fc.nat(),
    models: fc.array(fc.constantFrom('raft', 'primary-replica'), { minLength: 1, maxLength: 3 }),
    electionMs: fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 })),
  })
  .chain((base) =>
    fc.record({
      base: fc.constant(base),
      duration: writtenTime(base.durationMs),
      faults: fc.array(faultArb(base.nodes.names, base.durationMs), { maxLength: 8 }),
    }),
  );

test.prop([scenarioArb])('any valid generated scenario parses, and converts what it was given', ({ base, duration, faults }) => {
  const models = base.models.map((kind, i) =>
    kind === 'raft'
      ? // A heartbeat must be shorter than the minimum election timeout: a third of it.
        { kind, name: `m${i}`, electionTimeout: `${base.electionMs[0]}ms..${base.electionMs[0] + base.electionMs[1]}ms`, heartbeat: `${Math.floor((base.electionMs[0] * 1000) / 3)}us` }
      : { kind, name: `m${i}`, replication: 'async', failover: 'auto' },
  );
  const document = {
    name: 'generated',
    seed: base.seed,
    duration: duration.written,
    nodes: base.nodes.written,
    models,
    faults: faults.map((f) => f.item),
    expect: { m0: { lostWrites: 0, availability: '>=0.5' } },
  };
  const text = `# yaml-language-server: $schema=../schema/scenario.schema.json\n${stringify(document)}`;
  const scenario = parseScenario(text, 'generated.yaml');

  expect(scenario.seed).toBe(base.seed);
  expect(scenario.durationUs).toBe(duration.us);
  expect(scenario.nodes).toEqual(base.nodes.names);
  expect(scenario.models.map((m) => m.name)).toEqual(models.map((m) => m.name));
  expect(scenario.faults.map(({ atUs: _at, line: _line, col: _col, ...action }) => action)).toEqual(
    faults.map((f) => f.action),
  );
  expect(scenario.faults.map((f) => f.atUs)).toEqual(faults.map((f) => f.atUs));
  const lines = scenario.faults.map((f) => f.line);
  expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  expect(scenario.expect.map((e) => `${e.field}${e.op}${String(e.value)}`)).toEqual(['lostWrites==0', 'availability>=0.5']);
});
