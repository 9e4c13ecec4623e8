import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/run/events.ts';
import { RunGroup } from '../src/run/group.ts';
import { runModel, runScenario } from '../src/run/run.ts';
import { InjectionError, SteppableRun } from '../src/run/steppable.ts';
import { loadScenario, parseScenario } from '../src/scenario/load.ts';
import type { FaultAction } from '../src/scenario/types.ts';
import { scenarioWithFaults } from '../src/scenario/write.ts';

/**
 * The engine under the terminal UI (issue 11, section 1): a run you can
 * step, peek into, wind back and break by hand, which is the same run as
 * `raftsim run` — same loop, same traceHash — and whose faults injected by
 * hand, written back out as a scenario, replay exactly.
 */

const S = 1_000_000;

/** Small and busy: two models, three nodes, lossy links, many client operations, a scripted partition. */
const SMALL = `name: small
seed: 7
duration: 3s
settle: 1s
nodes: 3
network: { latency: 2ms..8ms, drop: 0.02 }
models:
  - kind: raft
    preVote: true
  - kind: primary-replica
    name: async-failover
    replication: async
    failover: auto
    failoverTimeout: 400ms
workload: { clients: 3, interval: 30ms, timeout: 300ms, keys: 2, reads: 0.4, cas: 0.2 }
faults:
  - at: 1s
    partition: [[leader], [rest]]
  - at: 2s
    heal: true
`;

const small = () => parseScenario(SMALL, 'small.yaml');

describe('runModel is a steppable run, run to the end', () => {
  const cases = ['scenarios/leader-in-minority.yaml', 'scenarios/cap/split-brain.yaml', 'scenarios/raft/transfer.yaml', 'scenarios/bugs/commit-old-term.yaml', 'scenarios/cap/semi-sync-degrades.yaml'];
  it.each(cases)('%s: stepping N events, then running to the end, gives what running to the end gives', (file) => {
    const scenario = loadScenario(file);
    for (const spec of scenario.models) {
      const batch = runModel(scenario, spec, scenario.seed);
      for (const n of [0, 1, 2, 997]) {
        const run = new SteppableRun(scenario, spec);
        for (let i = 0; i < n; i++) run.step();
        expect(run.events).toBe(n);
        const stepped = run.finish();
        expect(stepped.summary).toEqual(batch.summary);
        expect(stepped.log).toEqual(batch.log);
        expect(stepped.verdict).toBe(batch.verdict);
      }
    }
  });

  it('any mix of steps, runs to a time, runs of N events, steps back and seeks ends with the batch traceHash and figures', () => {
    const scenario = small();
    const batch = runScenario(scenario).runs;
    const move = fc.oneof(
      fc.integer({ min: 1, max: 300 }).map((n) => ({ kind: 'step' as const, n })),
      fc.integer({ min: 1, max: 700 }).map((ms) => ({ kind: 'until' as const, ms })),
      fc.integer({ min: 1, max: 2000 }).map((n) => ({ kind: 'events' as const, n })),
      fc.integer({ min: 1, max: 30 }).map((n) => ({ kind: 'back' as const, n })),
      fc.integer({ min: 0, max: 4000 }).map((ms) => ({ kind: 'seekTime' as const, ms })),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.array(move, { maxLength: 8 }), (m, moves) => {
        const run = new SteppableRun(scenario, scenario.models[m]!);
        for (const mv of moves) {
          if (mv.kind === 'step') for (let i = 0; i < mv.n; i++) run.step();
          if (mv.kind === 'until') run.runUntil(run.nowUs + mv.ms * 1000);
          if (mv.kind === 'events') run.runEvents(mv.n);
          if (mv.kind === 'back') for (let i = 0; i < mv.n; i++) run.back();
          if (mv.kind === 'seekTime') run.seekTime(mv.ms * 1000);
        }
        expect(run.finish().summary).toEqual(batch[m]!.summary);
      }),
      { numRuns: 40 },
    );
  });

  it('peek tells the next event, and step processes exactly it', () => {
    const scenario = small();
    const run = new SteppableRun(scenario, scenario.models[0]!);
    const kinds = new Set<string>();
    for (;;) {
      const next = run.peek();
      if (next === null) break;
      kinds.add(next.kind);
      expect(run.step()).toBe(true);
      expect(run.lastEventUs).toBe(next.atUs);
      expect(run.nowUs).toBe(next.atUs);
    }
    expect(run.ended).toBe(true);
    expect(run.step()).toBe(false);
    expect([...kinds].sort()).toEqual(['client-invoke', 'client-timeout', 'deliver', 'fault', 'settle', 'timer']);
  });
});

describe('going back is replaying', () => {
  it('a step back then a step forward returns an identical snapshot, from an event or from between events', () => {
    const scenario = loadScenario('scenarios/cap/split-brain.yaml');
    for (const spec of scenario.models) {
      const run = new SteppableRun(scenario, spec);
      run.runEvents(3000);
      const atEvent = run.snapshot();
      expect(run.back()).toBe(true);
      expect(run.snapshot()).not.toEqual(atEvent);
      expect(run.step()).toBe(true);
      expect(run.snapshot()).toEqual(atEvent);

      run.runUntil(7_123_456);
      const between = run.snapshot();
      expect(between.position.nowUs).toBe(7_123_456);
      for (let i = 0; i < 5; i++) run.back();
      for (let i = 0; i < 5; i++) run.step();
      expect(run.snapshot()).toEqual(between);
    }
  });

  it('seeking to an event gives the snapshot the run had there', () => {
    const scenario = small();
    const run = new SteppableRun(scenario, scenario.models[1]!);
    run.runEvents(1234);
    const there = run.snapshot();
    const figures = run.figures();
    run.runUntil(3 * S);
    run.seek(1234);
    expect(run.snapshot()).toEqual(there);
    expect(run.figures()).toEqual(figures);
    run.seek(0);
    expect(run.events).toBe(0);
    expect(run.nowUs).toBe(0);
  });

  it('a group of models steps in time order, and back then forward returns every model to the same place', () => {
    const group = new RunGroup(small());
    group.runUntil(1.5 * S);
    for (let i = 0; i < 50; i++) {
      const before = group.nowUs;
      expect(group.step()).toBe(true);
      expect(group.nowUs).toBeGreaterThanOrEqual(before);
      expect(new Set(group.runs.map((r) => r.nowUs)).size).toBe(1);
    }
    const here = group.snapshots();
    for (let i = 0; i < 20; i++) group.back();
    expect(group.snapshots()).not.toEqual(here);
    for (let i = 0; i < 20; i++) group.step();
    expect(group.snapshots()).toEqual(here);
  });

  it('a group run until something is told stops every model at that instant', () => {
    const group = new RunGroup(loadScenario('scenarios/cap/split-brain.yaml'));
    expect(group.runUntil(10 * S, (_model, e) => e.type === 'fault')).toBe('stopped');
    expect(group.runs.map((r) => r.nowUs)).toEqual(group.runs.map(() => 5 * S));
    expect(group.runs.every((r) => r.landmarks().some((l) => l.kind === 'fault' && l.atUs === 5 * S))).toBe(true);
  });

  it('landmarks ahead of the position stay known after going back (the future is the same until a fault is injected)', () => {
    const run = new SteppableRun(small(), small().models[0]!);
    run.runUntil(4 * S);
    const all = run.landmarks();
    expect(all.map((l) => l.kind)).toEqual(expect.arrayContaining(['fault', 'leader', 'settle']));
    run.seekTime(0.5 * S);
    expect(run.landmarks()).toEqual(all);
    run.inject({ action: 'crash', target: 'n1' });
    expect(run.landmarks().every((l) => l.event <= run.events)).toBe(true);
  });
});

describe('faults injected by hand are recorded and replay exactly', () => {
  const nodes = ['n1', 'n2', 'n3'];
  const node = fc.constantFrom(...nodes);
  const target = fc.oneof(node, fc.constant('leader'), fc.constant('random'));
  const action: fc.Arbitrary<FaultAction> = fc.oneof(
    target.map((t) => ({ action: 'crash' as const, target: t })),
    fc.oneof(target, fc.constant('all')).map((t) => ({ action: 'restart' as const, target: t })),
    target.map((t) => ({ action: 'isolate' as const, target: t })),
    fc.tuple(node, node).map(([a, b]) => ({ action: 'partition' as const, groups: a === b ? [[a], ['rest']] : [[a, b], ['rest']] })),
    fc.tuple(node, node, fc.boolean()).filter(([a, b]) => a !== b).map(([from, to, both]) => ({ action: 'cut' as const, from, to, both })),
    fc.constant({ action: 'heal' as const }),
    target.map((t) => ({ action: 'pause' as const, target: t })),
    fc.oneof(target, fc.constant('all')).map((t) => ({ action: 'resume' as const, target: t })),
    node.map((to) => ({ action: 'transfer' as const, to })),
    fc.constantFrom(0, 0.1).map((drop) => ({ action: 'network' as const, drop, latencyUsMin: 1000, latencyUsMax: 4321 })),
  );
  const move = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: 400 }), action).map(([n, a]) => ({ kind: 'inject-after-events' as const, n, a })) },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 600 }), action).map(([ms, a]) => ({ kind: 'inject-after-time' as const, ms, a })) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((n) => ({ kind: 'back' as const, n })) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2900 }).map((ms) => ({ kind: 'seek' as const, ms })) },
  );

  it('a run with random injections at random event boundaries, written out and loaded, gives the same traceHash (and figures) for every model', () => {
    const scenario = small();
    fc.assert(
      fc.property(fc.array(move, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 1000 }), (moves, seed) => {
        const group = new RunGroup(scenario, { seed });
        for (const mv of moves) {
          if (mv.kind === 'back') for (let i = 0; i < mv.n; i++) group.back();
          if (mv.kind === 'seek') group.seekTime(mv.ms * 1000);
          if (mv.kind === 'inject-after-events' || mv.kind === 'inject-after-time') {
            if (mv.kind === 'inject-after-events') for (let i = 0; i < mv.n; i++) group.step();
            else group.runUntil(group.nowUs + mv.ms * 1000);
            if (Math.max(...group.runs.map((r) => r.earliestInjectionUs)) > scenario.durationUs) continue;
            group.inject(mv.a);
          }
        }
        const live = group.finish();
        const written = group.writeScenario(SMALL);
        const replay = runScenario(parseScenario(written, 'written.yaml'));
        expect(replay.seed).toBe(seed);
        expect(replay.runs.map((r) => r.summary)).toEqual(live.runs.map((r) => r.summary));
      }),
      { numRuns: 60 },
    );
  });

  it('a fault injected right after a scripted fault of the same instant runs before the ordinary events of that instant, as the written file has it', () => {
    const scenario = small();
    const run = new SteppableRun(scenario, scenario.models[0]!);
    const partition = () => run.landmarks().find((l) => l.kind === 'fault')!;
    run.runUntil(1.5 * S);
    run.seek(partition().event);
    expect(run.lastEventUs).toBe(1 * S);
    expect(run.earliestInjectionUs).toBe(1 * S);
    const injection = run.inject({ action: 'crash', target: 'n2' });
    expect(injection.fault.atUs).toBe(1 * S);
    expect(injection.text).toBe('crash n2');
    const written = scenarioWithFaults(SMALL, scenario, run.injected);
    expect(written).toContain('  - at: 1s\n    partition: [[leader], [rest]]\n  # injected by hand\n  - at: 1s\n    crash: n2\n');
    const replay = runModel(parseScenario(written, 'w.yaml'), scenario.models[0]!, scenario.seed);
    expect(replay.summary).toEqual(run.finish().summary);
    // After an ordinary event of an instant, the next instant is the earliest: a scripted fault there would have run before it.
    const again = new SteppableRun(scenario, scenario.models[0]!);
    again.runEvents(100);
    expect(again.peek()).not.toBeNull();
    expect(again.earliestInjectionUs).toBe(again.lastEventUs + 1);
  });

  it('injecting while looking at the past forks the run: injected faults not yet fired are dropped', () => {
    const run = new SteppableRun(small(), small().models[0]!);
    run.runUntil(0.5 * S);
    run.inject({ action: 'crash', target: 'n1' });
    run.runUntil(1.2 * S);
    run.inject({ action: 'restart', target: 'n1' });
    expect(run.injected.map((f) => f.action)).toEqual(['crash', 'restart']);
    run.seekTime(0.8 * S);
    expect(run.injected.map((f) => f.action)).toEqual(['crash', 'restart']);
    run.inject({ action: 'isolate', target: 'n3' });
    expect(run.injected.map((f) => [f.action, f.atUs])).toEqual([
      ['crash', 0.5 * S],
      ['isolate', 0.8 * S],
    ]);
  });

  it('refuses what the written file could not hold: an unknown node, a cut of a node to itself, a fault after duration', () => {
    const run = new SteppableRun(small(), small().models[0]!);
    expect(() => run.inject({ action: 'crash', target: 'n9' })).toThrow(InjectionError);
    expect(() => run.inject({ action: 'cut', from: 'n1', to: 'n1', both: false })).toThrow(/also the cut's from/);
    run.runUntil(3.5 * S);
    expect(() => run.inject({ action: 'heal' })).toThrow(/scripted part is over/);
    expect(run.injected).toEqual([]);
  });

  it('the written scenario keeps the rest of the file byte for byte', () => {
    const file = 'scenarios/raft/transfer.yaml';
    const source = readFileSync(file, 'utf8');
    const group = new RunGroup(loadScenario(file), { seed: 99 });
    group.runUntil(3 * S);
    group.inject({ action: 'crash', target: 'n5' });
    const written = group.writeScenario(source);
    const added = ['  # injected by hand', '  - at: 3s', '    crash: n5'];
    const lines = written.split('\n');
    const at = lines.indexOf(added[0]!);
    expect(lines.slice(at, at + 3)).toEqual(added);
    lines.splice(at, 3);
    expect(lines.join('\n')).toBe(source.replace(/^seed: \d+$/m, 'seed: 99'));
  });
});

describe('the event stream', () => {
  it('tells a partition, a crash and a role change as structured values', () => {
    const scenario = loadScenario('scenarios/leader-in-minority.yaml');
    const run = new SteppableRun(scenario, scenario.models[0]!);
    const events: RunEvent[] = [];
    run.subscribe((e) => events.push(e));
    run.runUntil(5.5 * S);
    const partition = events.find((e) => e.type === 'fault');
    expect(partition).toMatchObject({ type: 'fault', atUs: 5 * S, fault: { action: 'partition' }, skipped: false, injected: false });
    expect(partition?.type === 'fault' && partition.text).toMatch(/^partition \[n\d n\d\] \[n\d n\d n\d\]$/);
    const leaders = events.filter((e) => e.type === 'role' && e.role === 'leader');
    expect(leaders.length).toBeGreaterThanOrEqual(2);
    expect(leaders[0]).toMatchObject({ type: 'role', node: expect.stringMatching(/^n\d$/), role: 'leader', term: 1 });
    const crash = run.inject({ action: 'crash', target: 'leader' });
    const told = events.at(-1)!;
    expect(told).toMatchObject({ type: 'fault', atUs: crash.fault.atUs, text: crash.text, injected: true, fault: { action: 'crash', target: 'leader' } });
    const types = new Set(events.map((e) => e.type));
    for (const type of ['message-sent', 'message-delivered', 'client-invoked', 'client-completed', 'commit', 'applied', 'note'] as const) expect(types).toContain(type);
    const delivered = events.find((e) => e.type === 'message-delivered')!;
    expect(delivered).toMatchObject({ from: expect.any(String), to: expect.any(String), message: expect.any(String), term: expect.any(Number), sentUs: expect.any(Number) });
    expect(events.every((e, i) => i === 0 || e.event >= events[i - 1]!.event)).toBe(true);
  });

  it('tells violations and client outcomes, and costs nothing once nobody listens', () => {
    const scenario = loadScenario('scenarios/bugs/commit-old-term.yaml');
    const run = new SteppableRun(scenario, scenario.models[0]!);
    const stop = run.subscribe(() => {});
    expect(run.simulator.observer).not.toBeNull();
    const stopped = run.runUntil(run.endUs, { stopWhen: (e) => e.type === 'violation' });
    expect(stopped).toBe('stopped');
    expect(run.snapshot().violations.length).toBe(1);
    stop();
    expect(run.simulator.observer).toBeNull();
  });

  it('a rewind is told when the run goes back', () => {
    const run = new SteppableRun(small(), small().models[0]!);
    const events: RunEvent[] = [];
    run.subscribe((e) => events.push(e));
    run.runEvents(500);
    events.length = 0;
    run.seek(200);
    expect(events).toEqual([{ type: 'rewind', event: 200, atUs: run.nowUs }]);
  });

  it('going back tells only the rewind, also what a model reports while it is built (a primary taking office at 0)', () => {
    const scenario = loadScenario('scenarios/cap/split-brain.yaml');
    const spec = scenario.models.find((m) => m.kind === 'primary-replica')!;
    const run = new SteppableRun(scenario, spec);
    const events: RunEvent[] = [];
    run.subscribe((e) => events.push(e));
    run.runEvents(50);
    events.length = 0;
    run.back();
    expect(events).toEqual([{ type: 'rewind', event: 49, atUs: run.nowUs }]);
  });
});

describe('snapshots are plain data for the UI', () => {
  it('show roles, terms, the partition, crashed nodes from their disk, messages in flight and client outcomes', () => {
    const scenario = loadScenario('scenarios/leader-in-minority.yaml');
    const run = new SteppableRun(scenario, scenario.models[0]!);
    run.runUntil(6 * S);
    run.inject({ action: 'crash', target: 'n1' });
    const snap = run.snapshot({ inFlightMax: 5, logTail: 4, recentOutcomes: 3 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap.network.groups.length).toBe(2);
    const n1 = snap.nodes[0]!;
    expect(n1).toMatchObject({ name: 'n1', status: 'crashed', role: 'crashed' });
    expect(n1.term).toBeGreaterThan(0);
    expect(n1.logTail.length).toBeLessThanOrEqual(4);
    expect(snap.nodes.filter((n) => n.role === 'leader').length).toBeGreaterThanOrEqual(1);
    expect(snap.inFlight.length).toBeLessThanOrEqual(5);
    expect(snap.inFlight.every((m, i) => m.arriveUs >= run.nowUs && (i === 0 || m.arriveUs >= snap.inFlight[i - 1]!.arriveUs))).toBe(true);
    expect(snap.clients.length).toBe(5);
    expect(snap.clients.every((c) => c.recent.length <= 3)).toBe(true);
    expect(snap.phase).toBe('scripted');
    const pr = loadScenario('scenarios/cap/split-brain.yaml');
    const primary = new SteppableRun(pr, pr.models[1]!);
    primary.runUntil(2 * S);
    const p = primary.snapshot();
    expect(p.lock).toEqual({ holder: p.leader, epoch: expect.any(Number) });
    expect(p.nodes.find((n) => n.name === p.leader)?.syncStandbys).toBeDefined();
  });
});
