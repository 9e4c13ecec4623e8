import { describe, expect, it } from 'vitest';
import { runScenario } from '../src/run/run.ts';
import { parseScenario } from '../src/scenario/load.ts';

/**
 * Two liveness failures of correct Raft that the fuzzer found (docs/fuzzing.md,
 * after "dueling candidates"): without PreVote (§9.6), a node that cannot win
 * can keep the one node that can from winning for longer than the 3 s bound.
 * Each world, as shrunk, misses the bound without PreVote, converges with a
 * longer settle and with PreVote, and is safe throughout.
 */

/** `raftsim fuzz --start 22864 --seeds 1`, shrunk: membership changes only, a fixed 9 ms latency. */
const REMOVED_UNINFORMED = `name: removed-uninformed
seed: 22889
duration: 3400ms
settle: 3s
nodes: 3
network: { latency: 9ms }
models:
  - { kind: raft }
workload: { clients: 1, interval: 35ms, timeout: 449ms, keys: 1, reads: 0.36 }
faults:
  - { at: 900ms, remove: n3 }
  - { at: 1200ms, remove: n2 }
  - { at: 1700ms, add: n3 }
  - { at: 2300ms, remove: n1 }
  - { at: 3300ms, add: n2 }
`;

/** \`raftsim fuzz --options reads=lease,checkQuorum=true --start 20479 --seeds 1\`, shrunk: n1 is a deaf straggler. */
const DEAF_STRAGGLER = `name: deaf-straggler
seed: 20479
duration: 5s
settle: 3s
nodes: 3
network: { latency: 3ms..18ms, drop: 0.26 }
models:
  - { kind: raft, reads: lease, maxEntriesPerMessage: 4, checkQuorum: true }
workload: { clients: 3, interval: 33ms, timeout: 367ms, keys: 1, reads: 0.15 }
stragglers: [n1]
faults:
  - { at: 505ms, pause: leader }
  - { at: 1438ms, isolate: leader }
  - { at: 1647ms, crash: leader }
  - { at: 2912ms, restart: all }
  - { at: 3084406us, crash: leader }
  - { at: 3344ms, restart: all }
  - { at: 3798ms, isolate: n1 }
  - { at: 4541ms, heal: true }
`;

function run(text: string) {
  const [r] = runScenario(parseScenario(text, 'world.yaml')).runs;
  return r!;
}

const withPreVote = (text: string) => text.replace(/- \{ kind: raft(, )?/, (_m, comma: string | undefined) => `- { kind: raft, preVote: true${comma ?? ''}`);
const withSettle = (text: string, settle: string) => text.replace('settle: 3s', `settle: ${settle}`);

describe('liveness without PreVote (§9.6): a node that cannot win keeps the one that can from winning', () => {
  it.each([
    ['a removed node that never learned of its removal raises the term until the node that needs its vote steps down and loses every election to it', REMOVED_UNINFORMED],
    ['a deaf straggler with the freshest log: every vote it is granted restarts its follower’s election timer', DEAF_STRAGGLER],
  ])('%s; a longer settle or PreVote converges', (_rule, text) => {
    const plain = run(text);
    expect(plain.unconverged).toMatch(/no leader/);
    expect(plain.summary.violations.map((v) => v.invariant)).toEqual(['Promise: converges after settle']);
    expect(plain.summary.lostWrites).toBe(0);
    expect(plain.summary.linearizable).toBe(true);
    const longer = run(withSettle(text, '6s'));
    expect(longer.unconverged).toBeNull();
    expect(longer.summary.violations).toEqual([]);
    const preVote = run(withPreVote(text));
    expect(preVote.summary.promises).toContain('converges after settle');
    expect(preVote.unconverged).toBeNull();
    expect(preVote.summary.violations).toEqual([]);
  });
});
