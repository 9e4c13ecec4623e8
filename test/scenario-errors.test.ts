import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatDiagnostic, InputError } from '../src/core/errors.ts';
import { loadScenario, parseScenario } from '../src/scenario/load.ts';

const FILE = 'scenarios/x.yaml';

/** Lines 1-4 of every scenario below: a valid head to which a test appends its own lines. */
const HEAD = ['name: x', 'duration: 20s', 'nodes: 3', 'models: [{kind: raft}]'];

function scenario(...lines: string[]): string {
  return [...HEAD, ...lines].join('\n');
}

/** The formatted diagnostics of a scenario that must not load. */
function errorsOf(text: string): string[] {
  try {
    parseScenario(text, FILE);
  } catch (error) {
    if (error instanceof InputError) return error.diagnostics.map(formatDiagnostic);
    throw error;
  }
  throw new Error('the scenario loaded but should not have');
}

/** The only diagnostic of a scenario with exactly one problem. */
function errorOf(text: string): string {
  const errors = errorsOf(text);
  expect(errors).toHaveLength(1);
  return errors[0]!;
}

describe('unknown keys are errors, pointing at the key', () => {
  it('at the top level', () => {
    expect(errorOf(scenario('sede: 3'))).toBe(
      `${FILE}:5:1: unknown key "sede" in scenario; expected one of: name, description, seed, duration, settle, stragglers, nodes, network, models, workload, faults, notes, expect`,
    );
  });

  it('nested in a fault', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s', '    parition: [[leader], [rest]]'))).toBe(
      `${FILE}:7:5: unknown key "parition" in fault; expected one of: at, partition, isolate, cut, heal, crash, restart, pause, resume, transfer, add, remove, network`,
    );
  });

  it('in a model, listing that kind\'s own options', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: 3', 'models:', '  - kind: raft', '    hearbeat: 50ms'].join('\n'))).toBe(
      `${FILE}:6:5: unknown key "hearbeat" in raft model; expected one of: kind, name, electionTimeout, heartbeat, preVote, checkQuorum, reads, bugs, snapshotEvery, maxEntriesPerMessage, members, clockDrift, maxClockDrift`,
    );
  });

  it('each of several unknown keys in one mapping, at its own position', () => {
    expect(errorsOf(scenario('network: { latncy: 5ms, dorp: 0.1 }'))).toEqual([
      `${FILE}:5:12: unknown key "latncy" in network; expected one of: latency, drop, duplicate`,
      `${FILE}:5:25: unknown key "dorp" in network; expected one of: latency, drop, duplicate`,
    ]);
  });
});

describe('times and ranges that do not parse', () => {
  it('a bad time says what a time looks like', () => {
    expect(errorOf(['name: x', 'duration: 5 seconds', 'nodes: 3', 'models: [{kind: raft}]'].join('\n'))).toBe(
      `${FILE}:2:11: "5 seconds" is not a time; expected e.g. 500us, 150ms, 2s, 1.5s, 1m, 10h or a number of milliseconds`,
    );
  });

  it('a negative number of milliseconds is not a time', () => {
    expect(errorOf(scenario('faults: [{at: -5, heal: true}]'))).toBe(
      `${FILE}:5:15: -5 is not a time; expected e.g. 500us, 150ms, 2s, 1.5s, 1m, 10h or a number of milliseconds`,
    );
  });

  it('a duration of 0 is out of range', () => {
    expect(errorOf(['name: x', 'duration: 0s', 'nodes: 3', 'models: [{kind: raft}]'].join('\n'))).toBe(
      `${FILE}:2:11: "0s" is out of range; expected a time greater than 0 and at most 24h (a day)`,
    );
  });

  it('times accept hours: 10h, 1.5h, and ranges of them', () => {
    const s = parseScenario(['name: x', 'duration: 10h', 'settle: 0.5h', 'nodes: 3', 'models: [{kind: raft}]', 'network: { latency: 1ms..0.001h }'].join('\n'), FILE);
    expect(s.durationUs).toBe(10 * 3600 * 1_000_000);
    expect(s.settleUs).toBe(1800 * 1_000_000);
    expect(s.network.latencyUsMax).toBe(3_600_000);
  });

  it('a time beyond a day is out of range, in hours too', () => {
    expect(errorOf(['name: x', 'duration: 25h', 'nodes: 3', 'models: [{kind: raft}]'].join('\n'))).toBe(
      `${FILE}:2:11: "25h" is out of range; expected a time greater than 0 and at most 24h (a day)`,
    );
  });

  it('a range whose start is after its end', () => {
    expect(errorOf(scenario('network: { latency: 15ms..5ms }'))).toBe(
      `${FILE}:5:21: "15ms..5ms" is not a time range: its start is after its end; expected A..B with A <= B (e.g. 150ms..300ms) or a single time (e.g. 10ms)`,
    );
  });

  it('a range that is not a range', () => {
    expect(errorOf(scenario('network: { latency: 5ms-15ms }'))).toBe(
      `${FILE}:5:21: "5ms-15ms" is not a time range; expected A..B with A <= B (e.g. 150ms..300ms) or a single time (e.g. 10ms)`,
    );
  });
});

describe('partitions place every node exactly once (the error points at the partition)', () => {
  it('a partition that misses a node', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s', '    partition: [[n1], [n2]]'))).toBe(
      `${FILE}:7:16: this partition does not place n3; expected every node in exactly one group (name the missing nodes, or add a group [rest])`,
    );
  });

  it('a partition with leader or follower that places too few nodes', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s', '    partition: [[leader], [follower]]'))).toBe(
      `${FILE}:7:16: this partition places 2 of the 3 nodes; expected every node in exactly one group (name the missing nodes, or add a group [rest])`,
    );
  });

  it('a partition that places a node twice', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s', '    partition: [[n1, n2], [n2, n3]]'))).toBe(
      `${FILE}:7:16: node "n2" appears 2 times in this partition; expected every node in exactly one group`,
    );
  });

  it('rest at most once', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s', '    partition: [[rest], [rest]]'))).toBe(
      `${FILE}:7:16: "rest" appears 2 times in this partition; expected every node in exactly one group`,
    );
  });

  it('more places than nodes', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s', '    partition: [[leader, follower], [follower, follower], [rest]]'))).toBe(
      `${FILE}:7:16: this partition places 4 nodes but the scenario has 3; expected every node in exactly one group`,
    );
  });

  it('an empty group', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s', '    partition: [[], [rest]]'))).toBe(
      `${FILE}:7:17: an empty list is not a partition group; expected a list of node names, leader, follower or rest, e.g. [n1, n2]`,
    );
  });
});

describe('node names in faults must exist', () => {
  it('an unknown node name', () => {
    expect(errorOf(scenario('faults: [{at: 5s, crash: n9}]'))).toBe(
      `${FILE}:5:26: unknown node "n9" in crash; expected one of: n1, n2, n3, leader, random`,
    );
  });

  it('an unknown node in a partition group points at the member', () => {
    expect(errorOf(scenario('faults: [{at: 5s, partition: [[n1, n4], [rest]]}]'))).toBe(
      `${FILE}:5:36: unknown node "n4" in partition; expected one of: n1, n2, n3, leader, follower, rest`,
    );
  });

  it('all only for restart', () => {
    expect(errorOf(scenario('faults: [{at: 5s, crash: all}]'))).toBe(
      `${FILE}:5:26: "all" is not allowed here: only restart takes all; expected one of: n1, n2, n3, leader, random`,
    );
  });

  it('follower and rest only inside partition groups', () => {
    expect(errorOf(scenario('faults: [{at: 5s, isolate: follower}]'))).toBe(
      `${FILE}:5:28: "follower" is not allowed here: it can only appear inside partition groups; expected one of: n1, n2, n3, leader, random`,
    );
  });

  it('random is not a partition group member', () => {
    expect(errorOf(scenario('faults: [{at: 5s, partition: [[random], [rest]]}]'))).toBe(
      `${FILE}:5:32: "random" is not allowed here: partition does not take it; expected one of: n1, n2, n3, leader, follower, rest`,
    );
  });

  it('a cut from a node to itself', () => {
    expect(errorOf(scenario('faults: [{at: 5s, cut: {from: n1, to: n1}}]'))).toBe(
      `${FILE}:5:39: "n1" is also the cut's from; expected two different nodes`,
    );
  });
});

describe('nodes', () => {
  it('a reserved word is not a node name', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: [a, leader]', 'models: [{kind: raft}]'].join('\n'))).toBe(
      `${FILE}:3:12: "leader" is a reserved word (it stands for a node chosen when a fault fires); expected a node name other than leader, follower, rest, random, all`,
    );
  });

  it('node names are unique', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: [a, b, a]', 'models: [{kind: raft}]'].join('\n'))).toBe(
      `${FILE}:3:15: node "a" is listed twice; expected unique node names`,
    );
  });

  it('a bad name in a list points at that name', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: [a, 2]', 'models: [{kind: raft}]'].join('\n'))).toBe(
      `${FILE}:3:12: 2 is not a node name; expected a name of letters, digits, _ or - starting with a letter, at most 40 characters (e.g. n1)`,
    );
  });

  it('no nodes', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: 0', 'models: [{kind: raft}]'].join('\n'))).toBe(
      `${FILE}:3:8: 0 is not a node count; expected a whole number from 1 to 100`,
    );
  });
});

describe('models', () => {
  it('model names are unique (a name defaults to the kind)', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: 3', 'models: [{kind: raft}, {kind: raft}]'].join('\n'))).toBe(
      `${FILE}:4:31: model name "raft" is already used by model 1; expected unique model names (give this model a name:)`,
    );
  });

  it('an unknown kind', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: 3', 'models: [{kind: paxos}]'].join('\n'))).toBe(
      `${FILE}:4:17: "paxos" is not a model kind; expected one of: raft, primary-replica, leaderless`,
    );
  });

  it('a knob value not in its list', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: 3', 'models: [{kind: primary-replica, failover: manual}]'].join('\n'))).toBe(
      `${FILE}:4:44: "manual" is not a failover mode; expected one of: none, auto`,
    );
  });

  it('sync replication needs more nodes than sync standbys', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: 2', 'models: [{kind: primary-replica, replication: sync, syncStandbys: 2}]'].join('\n'))).toBe(
      `${FILE}:4:67: sync replication with syncStandbys 2 needs 3 nodes but the scenario has 2; expected syncStandbys from 1 to 1`,
    );
  });

  it('at least one model', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'nodes: 3', 'models: []'].join('\n'))).toBe(
      `${FILE}:4:9: an empty list is not a list of models; expected a list with at least one model, e.g. [{kind: raft}]`,
    );
  });
});

describe('expect', () => {
  it('keyed by a model not in models points at the key', () => {
    expect(errorOf(scenario('expect:', '  raft: { lostWrites: 0 }', '  rfat: { lostWrites: 0 }'))).toBe(
      `${FILE}:7:3: expect names model "rfat" which is not in models; expected one of: raft`,
    );
  });

  it('an unknown summary field', () => {
    expect(errorOf(scenario('expect:', '  raft: { lostwrites: 0 }'))).toBe(
      `${FILE}:6:11: unknown summary field "lostwrites" in expect; expected one of: availability, linearizable, lostWrites, staleReads, dirtyReads, rtoMs, leaderChanges, converged, violations, events`,
    );
  });

  it('ops cannot be compared', () => {
    expect(errorOf(scenario('expect:', '  raft: { ops: 5 }'))).toMatch(/^scenarios\/x\.yaml:6:11: "ops" cannot be compared/);
  });

  it('linearizable takes true, false or null only', () => {
    expect(errorOf(scenario('expect:', '  raft: { linearizable: ">0" }'))).toBe(
      `${FILE}:6:25: ">0" is not a verdict; expected true, false or null (the check could not finish), compared with ==`,
    );
  });

  it('a comparison that does not parse', () => {
    expect(errorOf(scenario('expect:', '  raft: { lostWrites: "=>0" }'))).toBe(
      `${FILE}:6:23: "=>0" is not a comparison; expected a number or a comparison string such as ">0", ">=0.9", "<3", "==0" or "!=0"`,
    );
  });
});

describe('other rules', () => {
  it('wrong type: a string where a number is expected', () => {
    expect(errorOf(scenario('workload:', '  clients: three'))).toBe(
      `${FILE}:6:12: "three" is not a client count; expected a whole number from 0 to 1000`,
    );
  });

  it('a probability outside [0, 1]', () => {
    expect(errorOf(scenario('network: { drop: 1.5 }'))).toBe(`${FILE}:5:18: 1.5 is not a probability; expected a number from 0 to 1`);
  });

  it('reads + cas may not exceed 1', () => {
    expect(errorOf(scenario('workload: { reads: 0.8, cas: 0.3 }'))).toBe(
      `${FILE}:5:30: reads 0.8 + cas 0.3 is more than 1; expected fractions that add up to at most 1 (the rest are writes)`,
    );
  });

  it('a missing required key points at the mapping that should hold it', () => {
    expect(errorOf(['# header', 'name: x', 'nodes: 3', 'models: [{kind: raft}]'].join('\n'))).toBe(
      `${FILE}:2:1: missing required key "duration" in scenario; expected a time (e.g. 500us, 150ms, 2s, 1.5s, 1m, 10h or a number of milliseconds)`,
    );
  });

  it('a missing required key in a nested mapping', () => {
    expect(errorOf(scenario('faults: [{at: 5s, cut: {from: n1}}]'))).toBe(
      `${FILE}:5:24: missing required key "to" in cut fault; expected a fault target (a node name, leader or random)`,
    );
  });

  it('a fault needs an action', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s'))).toBe(
      `${FILE}:6:5: fault has no action; expected exactly one of: partition, isolate, cut, heal, crash, restart, pause, resume, transfer, add, remove, network`,
    );
  });

  it('a fault has only one action', () => {
    expect(errorOf(scenario('faults:', '  - at: 5s', '    crash: n1', '    restart: n2'))).toBe(
      `${FILE}:8:14: a fault has one action but this one also has crash; expected exactly one of partition, isolate, cut, heal, crash, restart, pause, resume, transfer, add, remove, network per list item (use two items with the same at)`,
    );
  });

  it('heal takes true', () => {
    expect(errorOf(scenario('faults: [{at: 5s, heal: yes}]'))).toBe(`${FILE}:5:25: "yes" is not valid for heal; expected true`);
  });

  it('a fault after the end of duration', () => {
    expect(errorOf(scenario('faults: [{at: 21s, heal: true}]'))).toBe(
      `${FILE}:5:15: "21s" is after the end of the scripted part; expected a time from 0 to the duration ("20s")`,
    );
  });

  it('a note after the end of the run (duration + settle)', () => {
    expect(errorOf(scenario('settle: 2s', 'notes: [{at: 22.5s, text: late}]'))).toBe(
      `${FILE}:6:14: "22.5s" is after the end of the run; expected a time from 0 to duration + settle ("20s" + "2s")`,
    );
    // At the very end it is shown; settle defaults to 5s.
    expect(parseScenario(scenario('notes: [{at: 25s, text: the end}]'), FILE).notes.map((n) => n.atUs)).toEqual([25_000_000]);
  });

  it('a note without text, with blank text, or with a bad at', () => {
    expect(errorOf(scenario('notes:', '  - at: 1s'))).toBe(`${FILE}:6:5: missing required key "text" in note; expected a note (a non-empty string)`);
    expect(errorOf(scenario('notes: [{at: 1s, text: "  "}]'))).toBe(`${FILE}:5:24: "  " is only whitespace; expected the note's text (a sentence or two)`);
    expect(errorOf(scenario('notes: [{at: soon, text: hi}]'))).toBe(
      `${FILE}:5:14: "soon" is not a time; expected e.g. 500us, 150ms, 2s, 1.5s, 1m, 10h or a number of milliseconds`,
    );
    expect(errorOf(scenario('notes: [{at: 1s, txt: hi, text: hi}]'))).toBe(`${FILE}:5:18: unknown key "txt" in note; expected one of: at, text, fact, question, choices, answer`);
  });

  it('notes are sorted by time, equal times in file order, each text on one line', () => {
    const loaded = parseScenario(scenario('notes:', '  - {at: 3s, text: c}', '  - {at: 1s, text: a}', '  - at: 3s', '    text: >', '      d, folded', '      over lines', '  - {at: 2s, text: b}'), FILE);
    expect(loaded.notes.map((n) => [n.atUs, n.text, n.line])).toEqual([
      [1_000_000, 'a', 7],
      [2_000_000, 'b', 12],
      [3_000_000, 'c', 6],
      [3_000_000, 'd, folded over lines', 8],
    ]);
  });

  it('bad YAML syntax gives the yaml library\'s own position', () => {
    expect(errorOf(['name: x', 'duration: 20s', 'models: - kind: raft'].join('\n'))).toBe(
      `${FILE}:3:9: invalid YAML: Unexpected block-seq-ind on same line with key; expected a list to begin on the line after its key, indented (models:, then   - kind: raft), or in brackets ([a, b])`,
    );
  });

  it('a duplicate key is a YAML error', () => {
    expect(errorOf(scenario('name: y'))).toBe('scenarios/x.yaml:5:1: invalid YAML: the key "name" appears twice in this mapping; expected each key once');
  });

  it('an empty file', () => {
    expect(errorOf('')).toBe(`${FILE}:1:1: the scenario is empty; expected a mapping with at least name, duration, nodes and models`);
  });

  it('a file with only comments is empty too', () => {
    expect(errorOf('# yaml-language-server: $schema=../schema/scenario.schema.json\n')).toMatch(/the scenario is empty/);
  });

  it('a document that is not a mapping', () => {
    expect(errorOf('- name: x\n')).toBe(
      `${FILE}:1:1: a list is not a mapping; expected a mapping of scenario keys: name, description, seed, duration, settle, stragglers, nodes, network, models, workload, faults, notes, expect`,
    );
  });
});

describe('every problem is reported, in file order', () => {
  it('schema errors anywhere in the file come together', () => {
    const errors = errorsOf(['name: x', 'duration: soon', 'nodes: 3', 'models: [{kind: raft, heartbeat: fast}]', 'workload: { cas: 2 }'].join('\n'));
    expect(errors.map((e) => e.split(': ')[0])).toEqual([`${FILE}:2:11`, `${FILE}:4:34`, `${FILE}:5:18`]);
  });

  it('cross-document errors come together', () => {
    const errors = errorsOf(scenario('faults: [{at: 5s, crash: n7}, {at: 30s, crash: n1}]', 'expect: { nope: { lostWrites: 0 } }'));
    expect(errors.map((e) => e.split(': ')[0])).toEqual([`${FILE}:5:26`, `${FILE}:5:36`, `${FILE}:6:11`]);
  });

  it('the InputError message is every diagnostic, one per line', () => {
    try {
      parseScenario(scenario('seed: -1', 'settle: never'), FILE);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message.split('\n')).toEqual([
        `${FILE}:5:7: -1 is not a seed; expected a whole number >= 0`,
        `${FILE}:6:9: "never" is not a time; expected e.g. 500us, 150ms, 2s, 1.5s, 1m, 10h or a number of milliseconds`,
      ]);
    }
  });
});

describe('loadScenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftsim-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file and names it in the scenario', () => {
    const path = join(dir, 'ok.yaml');
    writeFileSync(path, scenario());
    expect(loadScenario(path).file).toBe(path);
  });

  it('an unreadable file is an InputError about the whole file (line 0)', () => {
    const path = join(dir, 'missing.yaml');
    try {
      loadScenario(path);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      const [diagnostic] = (error as InputError).diagnostics;
      expect(diagnostic).toEqual({ file: path, line: 0, col: 0, message: 'cannot read the scenario: no such file; expected a YAML scenario file' });
      expect(formatDiagnostic(diagnostic!)).toBe(`${path}: cannot read the scenario: no such file; expected a YAML scenario file`);
    }
  });

  it('a directory is not a scenario', () => {
    expect(() => loadScenario(dir)).toThrow(/cannot read the scenario: it is a directory; expected a YAML scenario file$/);
  });

  it('aliases that expand exponentially are refused with what is allowed, not with the library\'s words', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    expect(errorOf(lines.join('\n'))).toBe(`${FILE}: its aliases (*name) expand too far; expected at most 100 expansions of an alias (a scenario needs few or none)`);
  });
});
