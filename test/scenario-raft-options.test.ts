import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { parseScenario } from '../src/scenario/load.ts';

const FILE = 'x.yaml';
const base = (model: string, faults = '') =>
  ['name: x', 'duration: 10s', 'nodes: 5', 'models:', `  - ${model}`, ...(faults === '' ? [] : ['faults:', faults])].join('\n');

function errorOf(text: string): string {
  try {
    parseScenario(text, FILE);
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe("Raft's options and the faults that drive them (issue 4)", () => {
  it('every option converts to the model spec', () => {
    const scenario = parseScenario(
      base('{kind: raft, preVote: true, checkQuorum: true, reads: lease, bugs: [forget-vote], snapshotEvery: 50, members: [n1, n2, n3], clockDrift: {n1: 0.05}}'),
      FILE,
    );
    expect(scenario.models[0]).toMatchObject({
      preVote: true,
      checkQuorum: true,
      reads: 'lease',
      bugs: ['forget-vote'],
      snapshotEvery: 50,
      members: ['n1', 'n2', 'n3'],
      clockDrift: { n1: 0.05 },
    });
  });

  it('pause, resume, transfer, add and remove become fault actions', () => {
    const faults = ['  - { at: 1s, pause: leader }', '  - { at: 2s, resume: all }', '  - { at: 3s, transfer: { to: n2 } }', '  - { at: 4s, add: n4 }', '  - { at: 5s, remove: n1 }'].join('\n');
    const scenario = parseScenario(base('{kind: raft, members: [n1, n2, n3]}', faults), FILE);
    expect(scenario.faults.map(({ line: _l, col: _c, atUs: _t, ...f }) => f)).toEqual([
      { action: 'pause', target: 'leader' },
      { action: 'resume', target: 'all' },
      { action: 'transfer', to: 'n2' },
      { action: 'add', node: 'n4' },
      { action: 'remove', node: 'n1' },
    ]);
  });

  it('an unknown bug switch is an error naming the known ones', () => {
    expect(errorOf(base('{kind: raft, bugs: [commit-any-term]}'))).toMatch(/^x\.yaml:5:25: "commit-any-term" is not a bug switch; expected one of: commit-old-term, forget-vote/);
  });

  it('members and clockDrift must name nodes of the scenario', () => {
    expect(errorOf(base('{kind: raft, members: [n1, n9]}'))).toBe('x.yaml:5:32: unknown node "n9" in members; expected one of: n1, n2, n3, n4, n5');
    expect(errorOf(base('{kind: raft, clockDrift: {n7: 0.1}}'))).toBe('x.yaml:5:31: unknown node "n7" in clockDrift; expected one of: n1, n2, n3, n4, n5');
  });

  it('a heartbeat not shorter than the minimum election timeout is an error at the heartbeat (or at electionTimeout when the heartbeat is the default)', () => {
    expect(errorOf(base('{kind: raft, heartbeat: 150ms}'))).toBe(
      'x.yaml:5:29: heartbeat 150ms is not shorter than the minimum election timeout 150ms: followers would time out between heartbeats and depose a healthy leader; expected a heartbeat well below 150ms (a third of it or less)',
    );
    expect(errorOf(base('{kind: raft, electionTimeout: 40ms..80ms}'))).toMatch(/^x\.yaml:5:\d+: heartbeat 50ms is not shorter than the minimum election timeout 40ms: /);
    expect(parseScenario(base('{kind: raft, heartbeat: 149ms}'), FILE).models[0]).toMatchObject({ heartbeatUs: 149_000 });
  });

  it('maxClockDrift is a fraction from 0 to 0.5, default 0.05', () => {
    expect(parseScenario(base('{kind: raft}'), FILE).models[0]).toMatchObject({ maxClockDrift: 0.05 });
    expect(parseScenario(base('{kind: raft, reads: lease, maxClockDrift: 0.1}'), FILE).models[0]).toMatchObject({ maxClockDrift: 0.1 });
    expect(errorOf(base('{kind: raft, maxClockDrift: 0.6}'))).toMatch(/^x\.yaml:5:\d+: 0\.6 is not a maximum clock drift; expected a number from 0 to 0\.5/);
  });

  it('add and remove take a node name, not a role word', () => {
    expect(errorOf(base('{kind: raft}', '  - { at: 1s, add: leader }'))).toMatch(/^x\.yaml:7:20: "leader" is not allowed here/);
  });
});
