import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario/load.ts';
import type { PrimaryReplicaModelSpec, RaftModelSpec } from '../src/scenario/types.ts';

const FILE = 'scenarios/x.yaml';

/** The smallest valid scenario; everything else takes its default. */
const MINIMAL = ['name: minimal', 'duration: 20s', 'nodes: 3', 'models:', '  - kind: raft'].join('\n');

/** The example of contract §3, verbatim. */
const CONTRACT_EXAMPLE = `
name: leader-in-minority          # required
description: >                    # optional, shown in the UI
  The leader and one follower are cut off from the other three.
seed: 1                           # optional, default 1
duration: 20s                     # required: simulated time of the scripted part
settle: 5s                        # optional, default 5s: after \`duration\` all faults
                                  #   are healed, crashed nodes restarted, paused nodes
                                  #   resumed, clients stop, and the system gets this
                                  #   long to converge
nodes: 5                          # a count (n1..n5) or a list of names
network:
  latency: 5ms..15ms              # uniform range, or one value
  drop: 0.0                       # probability a message is lost
  duplicate: 0.0                  # probability a message is delivered twice
models:                           # required, at least one; names must be unique
  - kind: raft                    # name defaults to the kind
    electionTimeout: 150ms..300ms
    heartbeat: 50ms
  - kind: primary-replica
    name: async-failover
    replication: async            # async | sync | semi-sync
    failover: auto                # none | auto
workload:
  clients: 3                      # client i is bound to node ((i-1) mod N)+1 and
                                  #   shares that node's side of every partition
  interval: 50ms                  # think time between a client's operations
  timeout: 1s                     # a client gives up after this
  keys: 3
  reads: 0.5                      # fraction of reads; the rest are writes
  cas: 0.0                        # fraction of compare-and-set
faults:                           # applied at \`at\`, in file order for equal times
  - at: 5s
    partition: [[leader, follower], [rest]]
  - at: 12s
    heal: true
  - at: 14s
    crash: leader
  - at: 16s
    restart: all
expect:                           # optional; checked after the run, keyed by model name
  raft: { linearizable: true, lostWrites: 0, violations: 0 }
  async-failover: { lostWrites: ">0" }
`.slice(1);

describe('defaults (contract §3, replication-model.md)', () => {
  const scenario = parseScenario(MINIMAL, FILE);

  it('keeps the file path and name; description is empty when absent', () => {
    expect(scenario.file).toBe(FILE);
    expect(scenario.name).toBe('minimal');
    expect(scenario.description).toBe('');
  });

  it('seed defaults to 1 and settle to 5s', () => {
    expect(scenario.seed).toBe(1);
    expect(scenario.settleUs).toBe(5_000_000);
  });

  it('network defaults to latency 5ms..15ms, no drop, no duplicates', () => {
    expect(scenario.network).toEqual({ latencyUsMin: 5_000, latencyUsMax: 15_000, drop: 0, duplicate: 0 });
  });

  it('workload defaults to 3 clients, 50ms interval, 1s timeout, 3 keys, half reads, no cas', () => {
    expect(scenario.workload).toEqual({ clients: 3, intervalUs: 50_000, timeoutUs: 1_000_000, keys: 3, reads: 0.5, cas: 0 });
  });

  it('a raft model is named after its kind, with election timeout 150ms..300ms, heartbeat 50ms, reads through the log, 64 entries per AppendEntries, lease drift bound 5% and no extensions or bugs', () => {
    expect(scenario.models).toEqual([
      {
        kind: 'raft',
        name: 'raft',
        electionTimeoutUsMin: 150_000,
        electionTimeoutUsMax: 300_000,
        heartbeatUs: 50_000,
        preVote: false,
        checkQuorum: false,
        reads: 'log',
        bugs: [],
        snapshotEvery: 0,
        maxEntriesPerMessage: 64,
        maxClockDrift: 0.05,
      },
    ]);
  });

  it('a primary-replica model takes every knob default of replication-model.md (failover none)', () => {
    const pr = parseScenario(MINIMAL.replace('kind: raft', 'kind: primary-replica'), FILE).models[0];
    expect(pr).toEqual({
      kind: 'primary-replica',
      name: 'primary-replica',
      replication: 'async',
      syncStandbys: 1,
      syncMode: 'first',
      semiSyncTimeoutUs: 1_000_000,
      waitPoint: 'after-sync',
      failover: 'none',
      failoverTimeoutUs: 1_000_000,
      maxLagOnFailover: null,
      fencing: 'none',
      reads: 'primary',
    } satisfies PrimaryReplicaModelSpec);
  });

  it('no faults and no expectations when the keys are absent', () => {
    expect(scenario.faults).toEqual([]);
    expect(scenario.expect).toEqual([]);
  });
});

describe('conversions', () => {
  it('the contract example loads as written', () => {
    const scenario = parseScenario(CONTRACT_EXAMPLE, FILE);
    expect(scenario.description).toBe('The leader and one follower are cut off from the other three.');
    expect(scenario.durationUs).toBe(20_000_000);
    expect(scenario.nodes).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(scenario.models.map((m) => m.name)).toEqual(['raft', 'async-failover']);
    expect((scenario.models[1] as PrimaryReplicaModelSpec).failover).toBe('auto');
    expect(scenario.faults).toEqual([
      { action: 'partition', groups: [['leader', 'follower'], ['rest']], atUs: 5_000_000, line: 32, col: 5 },
      { action: 'heal', atUs: 12_000_000, line: 34, col: 5 },
      { action: 'crash', target: 'leader', atUs: 14_000_000, line: 36, col: 5 },
      { action: 'restart', target: 'all', atUs: 16_000_000, line: 38, col: 5 },
    ]);
  });

  it('times are integer microseconds: 500us, 150ms, 2s, 1.5s, 1m and a bare number of milliseconds', () => {
    const times = ['500us', '150ms', '2s', '1.5s', '1m', '250', '0.5'];
    const text = [
      'name: t',
      'duration: 1m',
      'nodes: 1',
      'models: [{kind: raft}]',
      'faults:',
      ...times.map((t) => `  - {at: ${t}, heal: true}`),
    ].join('\n');
    expect(parseScenario(text, FILE).faults.map((f) => f.atUs)).toEqual([500, 150_000, 2_000_000, 1_500_000, 60_000_000, 250_000, 500]);
  });

  it('a range is A..B; a single time is a range of one value', () => {
    const text = MINIMAL.replace('  - kind: raft', '  - kind: raft\n    electionTimeout: 1s..1.5s\nnetwork: { latency: 7ms }');
    const scenario = parseScenario(text, FILE);
    const raft = scenario.models[0] as RaftModelSpec;
    expect([raft.electionTimeoutUsMin, raft.electionTimeoutUsMax]).toEqual([1_000_000, 1_500_000]);
    expect([scenario.network.latencyUsMin, scenario.network.latencyUsMax]).toEqual([7_000, 7_000]);
  });

  it('nodes may be a list of names, kept in file order', () => {
    const scenario = parseScenario(MINIMAL.replace('nodes: 3', 'nodes: [pg-east, pg-west, arbiter]'), FILE);
    expect(scenario.nodes).toEqual(['pg-east', 'pg-west', 'arbiter']);
  });

  it('every fault action converts to its FaultAction', () => {
    const text = [
      'name: all-actions',
      'duration: 10s',
      'nodes: [a, b, c]',
      'models: [{kind: raft}]',
      'faults:',
      '  - {at: 1s, partition: [[a, follower], [rest]]}',
      '  - {at: 2s, isolate: random}',
      '  - {at: 3s, cut: {from: a, to: leader}}',
      '  - {at: 3s, cut: {from: b, to: c, both: true}}',
      '  - {at: 4s, heal: true}',
      '  - {at: 5s, crash: b}',
      '  - {at: 6s, restart: b}',
      '  - {at: 7s, network: {latency: 1ms..2ms, drop: 0.1}}',
      '  - {at: 8s, network: {duplicate: 0.5}}',
    ].join('\n');
    const actions = parseScenario(text, FILE).faults.map(({ atUs: _at, line: _line, col: _col, ...action }) => action);
    expect(actions).toEqual([
      { action: 'partition', groups: [['a', 'follower'], ['rest']] },
      { action: 'isolate', target: 'random' },
      { action: 'cut', from: 'a', to: 'leader', both: false },
      { action: 'cut', from: 'b', to: 'c', both: true },
      { action: 'heal' },
      { action: 'crash', target: 'b' },
      { action: 'restart', target: 'b' },
      { action: 'network', latencyUsMin: 1_000, latencyUsMax: 2_000, drop: 0.1 },
      { action: 'network', duplicate: 0.5 },
    ]);
  });

  it('faults keep file order, even when times are not sorted', () => {
    const text = [MINIMAL, 'faults:', '  - {at: 5s, crash: n1}', '  - {at: 1s, crash: n2}', '  - {at: 5s, restart: n1}'].join('\n');
    const faults = parseScenario(text, FILE).faults;
    expect(faults.map((f) => [f.atUs, f.line])).toEqual([
      [5_000_000, 7],
      [1_000_000, 8],
      [5_000_000, 9],
    ]);
  });

  it('expectations parse into op and value and keep want as written, in file order', () => {
    const text = [
      MINIMAL,
      'expect:',
      '  raft:',
      '    lostWrites: 0',
      '    availability: ">=0.9"',
      '    leaderChanges: "<3"',
      '    staleReads: "==0"',
      '    violations: "!=0"',
      '    rtoMs: ">0"',
      '    linearizable: true',
      '    dirtyReads: 0.5',
      '    events: "<= 100"',
    ].join('\n');
    const expectations = parseScenario(text, FILE).expect.map(({ field, op, value, want }) => ({ field, op, value, want }));
    expect(expectations).toEqual([
      { field: 'lostWrites', op: '==', value: 0, want: '0' },
      { field: 'availability', op: '>=', value: 0.9, want: '>=0.9' },
      { field: 'leaderChanges', op: '<', value: 3, want: '<3' },
      { field: 'staleReads', op: '==', value: 0, want: '==0' },
      { field: 'violations', op: '!=', value: 0, want: '!=0' },
      { field: 'rtoMs', op: '>', value: 0, want: '>0' },
      { field: 'linearizable', op: '==', value: true, want: 'true' },
      { field: 'dirtyReads', op: '==', value: 0.5, want: '0.5' },
      { field: 'events', op: '<=', value: 100, want: '<= 100' },
    ]);
  });

  it('an expectation points at its value', () => {
    const text = [MINIMAL, 'expect:', '  raft: { lostWrites: 0 }'].join('\n');
    expect(parseScenario(text, FILE).expect[0]).toMatchObject({ model: 'raft', line: 7, col: 23 });
  });

  it('linearizable may expect null (the check could not finish)', () => {
    const text = [MINIMAL, 'expect:', '  raft: { linearizable: null }'].join('\n');
    expect(parseScenario(text, FILE).expect[0]).toMatchObject({ op: '==', value: null, want: 'null' });
  });

  it('maxLagOnFailover takes a number of entries, or unlimited meaning null', () => {
    const pr = (lag: string) =>
      parseScenario(MINIMAL.replace('kind: raft', `kind: primary-replica\n    maxLagOnFailover: ${lag}`), FILE).models[0] as PrimaryReplicaModelSpec;
    expect(pr('10').maxLagOnFailover).toBe(10);
    expect(pr('unlimited').maxLagOnFailover).toBeNull();
  });

  it('model names default to the kind, so two models of one kind need names', () => {
    const text = MINIMAL.replace('  - kind: raft', '  - kind: raft\n  - kind: raft\n    name: raft-slow\n    heartbeat: 100ms');
    expect(parseScenario(text, FILE).models.map((m) => m.name)).toEqual(['raft', 'raft-slow']);
  });

  it('reads + cas may add up to exactly 1', () => {
    const text = `${MINIMAL}\nworkload: { reads: 0.7, cas: 0.3 }\n`;
    expect(parseScenario(text, FILE).workload).toMatchObject({ reads: 0.7, cas: 0.3 });
  });

  it('a fault may fire at 0 and at the very end of duration', () => {
    const text = [MINIMAL, 'faults:', '  - {at: 0, crash: n1}', '  - {at: 20s, restart: n1}'].join('\n');
    expect(parseScenario(text, FILE).faults.map((f) => f.atUs)).toEqual([0, 20_000_000]);
  });

  it('a partition may use rest even when every node is named (rest is then empty)', () => {
    const text = [MINIMAL, 'faults:', '  - {at: 1s, partition: [[n1], [n2, n3], [rest]]}'].join('\n');
    expect(parseScenario(text, FILE).faults).toHaveLength(1);
  });

  it('a byte-order mark does not upset positions or parsing', () => {
    expect(parseScenario(`\uFEFF${MINIMAL}`, FILE).name).toBe('minimal');
  });
});
