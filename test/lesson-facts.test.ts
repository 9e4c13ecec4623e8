import { describe, expect, it } from 'vitest';
import { answers, checkFacts, grantedVotes, narrate } from '../src/lessons/facts.ts';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';
import { noteLine } from '../src/run/note-line.ts';

/** The facts vocabulary of lessons, each checked against a run: a false fact is reported, a true one passes. */
const BASE = `name: facts
seed: 1
duration: 3s
settle: 1s
nodes: 3
models:
  - kind: raft
workload: { clients: 3, interval: 50ms, timeout: 300ms, keys: 1 }
faults:
  - at: 1s
    crash: leader
`;

function check(notes: string) {
  const scenario = parseScenario(`${BASE}notes:\n${notes}`, 'facts.yaml');
  const result = runScenario(scenario);
  return { facts: checkFacts(scenario, result), answers: answers(scenario, result), result };
}

describe('lesson facts, computed from the run', () => {
  it('leader: the node in office at the note, with its term; a wrong name or term is reported with what the run shows', () => {
    const first = check(`  - { at: 500ms, text: x }\n`).result.runs[0]!.log.find((l) => / became leader of term 1/.test(l.text))!.text.split(' ')[0]!;
    const other = ['n1', 'n2', 'n3'].find((n) => n !== first)!;
    const { facts } = check(`  - { at: 500ms, text: right, fact: { leader: ${first}, term: 1 } }\n  - { at: 500ms, text: wrong, fact: { leader: ${other} } }\n  - { at: 500ms, text: wrong term, fact: { leader: ${first}, term: 2 } }\n`);
    expect(facts.map((f) => f.ok)).toEqual([true, false, false]);
    expect(facts[1]!.detail).toContain(`${first} was in office at 500ms, in term 1`);
  });

  it('leader: NODE is false once that node crashed, even before anyone else takes office', () => {
    const first = check(`  - { at: 500ms, text: x }\n`).result.runs[0]!.log.find((l) => / became leader of term 1/.test(l.text))!.text.split(' ')[0]!;
    const { facts } = check(`  - { at: 1001ms, text: crashed, fact: { leader: ${first} } }\n`);
    expect(facts[0]!.ok).toBe(false);
    expect(facts[0]!.detail).toContain('had stepped down or crashed');
  });

  it('since: when the leader took office, to the precision written (2.173s within a millisecond, 0.2s within 50 ms)', () => {
    const office = check(`  - { at: 500ms, text: x }\n`).result.runs[0]!.log.find((l) => / became leader of term 1/.test(l.text))!;
    const node = office.text.split(' ')[0]!;
    const exact = (office.atUs / 1e6).toFixed(3);
    const off = ((office.atUs + 10_000) / 1e6).toFixed(3);
    const coarse = (Math.round(office.atUs / 100_000) / 10).toFixed(1);
    const { facts } = check(`  - { at: 500ms, text: a, fact: { leader: ${node}, since: ${exact}s } }\n  - { at: 500ms, text: b, fact: { leader: ${node}, since: ${off}s } }\n  - { at: 500ms, text: c, fact: { leader: ${node}, since: ${coarse}s } }\n`);
    expect(facts.map((f) => f.ok)).toEqual([true, false, true]);
    expect(facts[1]!.detail).toContain(`took office at`);
  });

  it('votes: the nodes that granted the leader their votes in its term, exactly', () => {
    const probe = parseScenario(`${BASE}notes: []\n`, 'facts.yaml');
    const office = runScenario(probe).runs[0]!.log.find((l) => / became leader of term 1/.test(l.text))!;
    const node = office.text.split(' ')[0]!;
    const voters = [...new Set(grantedVotes(probe).get('raft')!.filter((v) => v.candidate === node && v.term === 1 && v.atUs <= office.atUs).map((v) => v.voter))].sort();
    expect(voters.length).toBeGreaterThan(0);
    const others = ['n1', 'n2', 'n3'].filter((n) => n !== node);
    const wrong = others.filter((n) => !voters.includes(n));
    const scenario = parseScenario(`${BASE}notes:\n  - { at: 500ms, text: a, fact: { leader: ${node}, votes: [${voters.join(', ')}] } }\n  - { at: 500ms, text: b, fact: { leader: ${node}, votes: [${[...voters, ...wrong].join(', ')}] } }\n`, 'facts.yaml');
    const facts = checkFacts(scenario, runScenario(scenario), grantedVotes(scenario));
    expect(facts[0]!.ok).toBe(true);
    if (wrong.length > 0) expect(facts[1]!.detail).toContain(`was granted the votes of ${voters.join(', ')}`);
    // Without the recorded votes the fact cannot be checked, and says so rather than pass.
    expect(checkFacts(scenario, runScenario(scenario))[0]!.ok).toBe(false);
  });

  it('stoodFirst: the leader was the first node to become a candidate in its term', () => {
    const probe = parseScenario(`${BASE}notes: []\n`, 'facts.yaml');
    const office = runScenario(probe).runs[0]!.log.find((l) => / became leader of term 1/.test(l.text))!;
    const node = office.text.split(' ')[0]!;
    const first = grantedVotes(probe).get('raft')!.find((v) => v.voter === null && v.term === 1)!.candidate;
    const scenario = parseScenario(`${BASE}notes:\n  - { at: 500ms, text: a, fact: { leader: ${node}, stoodFirst: true } }\n`, 'facts.yaml');
    const [fact] = checkFacts(scenario, runScenario(scenario), grantedVotes(scenario));
    expect(fact!.ok).toBe(first === node);
    if (first !== node) expect(fact!.detail).toContain(`the first to stand in term 1 was ${first}`);
  });

  it('leader: none holds between a leader crashing and the next taking office, and not before', () => {
    const { facts } = check(`  - { at: 500ms, text: before, fact: { leader: none } }\n  - { at: 1001ms, text: just after the crash, fact: { leader: none } }\n`);
    expect(facts.map((f) => f.ok)).toEqual([false, true]);
  });

  it('figures at the end of the run, the operation counts among them, compared as expect lines', () => {
    const { facts, result } = check(`  - { at: 3s, text: counts, fact: { ok: ">0", lostWrites: 0 } }\n  - { at: 3s, text: wrong, fact: { info: -1 } }\n`);
    expect(facts.map((f) => f.ok)).toEqual([true, false]);
    expect(facts[1]!.detail).toBe(`info is ${result.runs[0]!.summary.ops.info}, not -1`);
  });

  it('narration: a note whose fact another seed contradicts is not told as written; it names the seed it was written for and what the run shows', () => {
    const probe = parseScenario(`${BASE}notes: []\n`, 'facts.yaml');
    const leaderOf = (seed: number): string => runScenario(probe, { seed }).runs[0]!.log.find((l) => / became leader of term 1/.test(l.text))!.text.split(' ')[0]!;
    const own = leaderOf(1);
    // A seed whose first leader is another node: the note, true for seed 1, is false there.
    const other = [2, 3, 4, 5, 6, 7, 8, 9].find((s) => leaderOf(s) !== own)!;
    const scenario = parseScenario(
      `${BASE}notes:\n  - { at: 500ms, text: ${own} won the first election., fact: { leader: ${own}, term: 1 } }\n  - { at: 500ms, text: Nothing here is seed-bound. }\n  - at: 1s\n    text: The leader crashes.\n    fact: { leader: none }\n    question: Who leads next?\n    choices: [n1, n2, n3]\n    answer: { nextLeader: true }\n`,
      'facts.yaml',
    );
    const ownRun = narrate(scenario, runScenario(scenario), grantedVotes(scenario));
    expect(ownRun.map((t) => t.holds)).toEqual([true, true, true]);
    expect(ownRun.map((t) => t.text)).toEqual(scenario.notes.map((n) => noteLine(n)));
    const told = narrate(scenario, runScenario(scenario, { seed: other }), grantedVotes(scenario, other));
    expect(told[0]!.holds).toBe(false);
    expect(told[0]!.text).not.toContain(`${own} won the first election`);
    expect(told[0]!.text).toContain(`written for seed 1 and does not hold with seed ${other}`);
    expect(told[0]!.text).toContain(`${leaderOf(other)} was in office at 500ms, in term 1`);
    // A note that states nothing seed-bound reads as written.
    expect(told[1]).toMatchObject({ holds: true, text: 'Nothing here is seed-bound.' });
    // Whatever its text, a note's question is still asked (its answer is computed from this run).
    expect(told[2]!.text).toContain('QUESTION: Who leads next? (1: n1 / 2: n2 / 3: n3)');
  });

  it('a nextLeader question may offer nobody: it is the answer when no node takes office after the note, and any other word is refused at its place', () => {
    // The leader crashes at 1 s; asked at 2.5 s, after the next one took office, nobody takes office again before the end.
    const { answers: found } = check(`  - at: 2500ms\n    text: q\n    question: Who takes office next?\n    choices: [n1, n2, n3, nobody]\n    answer: { nextLeader: true }\n`);
    expect(found[0]!.choice).toBe(3);
    expect(found[0]!.because).toBe('no node took office after 2.5s');
    expect(() => parseScenario(`${BASE}notes:\n  - at: 2500ms\n    text: q\n    question: Who?\n    choices: [n1, none]\n    answer: { nextLeader: true }\n`, 'facts.yaml')).toThrow(
      /facts\.yaml:\d+:\d+: "none" is not a node; the answer is the next leader, so expected node names: .*, or nobody/,
    );
  });

  it('a question on a figure: exactly one comparison among the choices holds, and it is the answer', () => {
    const { answers: found, result } = check(`  - at: 500ms\n    text: q\n    question: How many writes are lost?\n    choices: ["0", ">0"]\n    answer: { figure: lostWrites }\n`);
    expect(result.runs[0]!.summary.lostWrites).toBe(0);
    expect(found[0]!.choice).toBe(0);
    expect(found[0]!.because).toBe('lostWrites is 0');
  });
});
