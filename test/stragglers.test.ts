import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';

/**
 * `stragglers`: the liveness phase leaves a minority unrepaired (crashed,
 * paused, or deaf: hearing no one while everyone hears it) and judges
 * convergence among the others — TigerBeetle's liveness mode.
 */
function scenario(body: string, model = 'kind: raft'): string {
  return `name: stragglers
seed: 98
duration: 4600ms
settle: 3s
nodes: 3
network:
  latency: 5ms
models:
  - ${model}
workload:
  clients: 1
  interval: 45ms
  timeout: 320ms
  keys: 1
  reads: 0.29
${body}`;
}

/**
 * Found by raftsim fuzz (seed 92 of bugs=reset-timer-on-any-rpc, shrunk): n2
 * leads term 1 and is cut off at 3.7 s; n1 and n3 elect a leader of a later
 * term; n3 crashes at 4.5 s. Settle restarts n3 and leaves n2 deaf: n1 and n3
 * must elect again while n2's term-1 heartbeats keep arriving.
 */
const DEPOSED_LEADER = `stragglers: [n2]
faults:
  - at: 3700ms
    isolate: n2
  - at: 4500ms
    crash: n3
`;

const run = (text: string) => runScenario(parseScenario(text, 'stragglers.yaml')).runs[0]!;

describe('stragglers: the liveness phase with a minority left unrepaired', () => {
  it("a deaf deposed leader's stale heartbeats reset nothing: the others elect and converge", () => {
    const r = run(scenario(DEPOSED_LEADER));
    expect(r.summary.converged).toBe(true);
    expect(r.summary.promises).toContain('converges after settle');
    expect(r.summary.violations).toEqual([]);
  });

  it('with reset-timer-on-any-rpc the same stale heartbeats restart every election timer: no leader, converged false', () => {
    const r = run(scenario(DEPOSED_LEADER, 'kind: raft\n    bugs: [reset-timer-on-any-rpc]'));
    expect(r.summary.converged).toBe(false);
    expect(r.unconverged).toMatch(/no leader of the newest term/);
  });

  it('without stragglers settle repairs the deposed leader too, and the bug does no harm', () => {
    const r = run(scenario(DEPOSED_LEADER.replace('stragglers: [n2]\n', ''), 'kind: raft\n    bugs: [reset-timer-on-any-rpc]'));
    expect(r.summary.converged).toBe(true);
  });

  it('a crashed straggler stays down, and the others converge without it', () => {
    const r = run(scenario(`stragglers: [n3]
faults:
  - at: 4s
    crash: n3
`));
    expect(r.summary.converged).toBe(true);
    expect(r.log.some((l) => l.text.includes('stragglers n3'))).toBe(true);
  });

  it('without checkQuorum, a straggler that still leads a term the others are in withdraws the convergence promise, with the reason', () => {
    // n2 leads term 1 when settle makes it deaf: its heartbeats keep n1 and n3 following it.
    const r = run(scenario(`stragglers: [n2]
faults: []
`));
    const leader = r.log.find((l) => l.text.includes('became leader'))!.text.split(' ')[0];
    const straggled = run(scenario(`stragglers: [${leader}]\nfaults: []\n`));
    expect(straggled.summary.promises).not.toContain('converges after settle');
    expect(straggled.summary.safeZoneWarnings?.join(' ')).toMatch(/without checkQuorum a leader that cannot hear its followers never steps down/);
    const withCheckQuorum = run(scenario(`stragglers: [${leader}]\nfaults: []\n`, 'kind: raft\n    checkQuorum: true'));
    expect(withCheckQuorum.summary.promises).toContain('converges after settle');
    expect(withCheckQuorum.summary.converged).toBe(true);
  });

  it('stragglers must be known nodes, each once, and a minority: located errors', () => {
    const problems = (body: string): string[] => {
      try {
        parseScenario(scenario(`${body}\nfaults: []\n`), 'x.yaml');
        return [];
      } catch (error) {
        return (error as InputError).diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
      }
    };
    expect(problems('stragglers: [n9]')).toEqual(['16:14: unknown node "n9" in stragglers; expected one of: n1, n2, n3']);
    expect(problems('stragglers: [n1, n2]')[0]).toMatch(/^16:13: 2 stragglers of 3 nodes; expected a minority \(at most 1\)/);
  });
});
